"use client";

// The dialogs that act on one saved destination, from its row in the list and from its page. Loaded
// when first opened (./dialogs.ts), not with either page.
import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Loader2Icon } from "lucide-react";
import { ConfirmDialog } from "@/components/shell/confirm-dialog";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { FormError } from "@/components/ui/form-field";
import { errorMessage, isChangeProposed } from "@/lib/client/api";
import { toast } from "@/lib/client/toast";
import { observabilityApi, observabilityKeys, type Destination, type ListedDestination } from "./api";
import { useBroadcastAccess } from "./status";
import { TestResultPanel } from "./test-result";

export function DeleteDestinationDialog({
  destination,
  open,
  onOpenChange,
  onDeleted,
}: {
  destination: Pick<Destination, "id" | "name">;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onDeleted?: () => void;
}) {
  const { workspaceId, proposes } = useBroadcastAccess();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => observabilityApi.remove(workspaceId, destination.id),
    onSuccess: () => {
      toast.success(`"${destination.name}" deleted`);
      queryClient.setQueryData<ListedDestination[]>(observabilityKeys.destinations(workspaceId), (rows) =>
        rows?.filter((r) => r.id !== destination.id),
      );
      onDeleted?.();
      return queryClient.invalidateQueries({ queryKey: observabilityKeys.destinations(workspaceId) });
    },
    // Sent for approval (a member of an organization): nothing was deleted; the notice says so.
    onError: (error) => isChangeProposed(error) && onOpenChange(false),
  });
  return (
    <ConfirmDialog
      open={open}
      onOpenChange={onOpenChange}
      title={proposes ? `Propose deleting “${destination.name}”?` : `Delete “${destination.name}”?`}
      description="No more traces are sent to it, and traces still waiting for it are dropped. Its delivery log goes with it. To stop sending for a while instead, pause it: new traces are then queued and held until you resume it."
      confirmLabel={proposes ? "Propose deletion" : "Delete destination"}
      mutation={remove}
    />
  );
}

/** "Test connection" on a saved destination: runs at once and shows the platform's answer. */
export function SavedTestDialog({
  destination,
  open,
  onOpenChange,
}: {
  destination: Pick<Destination, "id" | "name">;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const { workspaceId } = useBroadcastAccess();
  const test = useMutation({ mutationFn: () => observabilityApi.testSaved(workspaceId, destination.id) });
  const { mutate } = test;
  React.useEffect(() => {
    if (open) mutate();
  }, [open, mutate]);
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="sm:max-w-lg">
        <DialogHeader>
          <DialogTitle>Test connection: {destination.name}</DialogTitle>
          <DialogDescription>A synthetic test trace is sent with the saved settings, through the same path as real traffic.</DialogDescription>
        </DialogHeader>
        {test.isPending && (
          <p role="status" className="text-muted-foreground flex items-center gap-2 text-sm">
            <Loader2Icon className="size-4 animate-spin" aria-hidden /> Testing…
          </p>
        )}
        <FormError message={test.error ? errorMessage(test.error) : null} />
        {test.data && <TestResultPanel result={test.data} />}
      </DialogContent>
    </Dialog>
  );
}
