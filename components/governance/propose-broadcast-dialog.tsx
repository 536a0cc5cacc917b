"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Loader2Icon } from "lucide-react";
import { MAX_COMMENT_LENGTH, withProposalComment } from "@/components/governance/api";
import { COMMENT_ASKED } from "@/components/governance/proposal-store";
import { broadcastKey, putBroadcast } from "@/components/observability/broadcast";
import { TRACES_WHEN } from "@/components/observability/status";
import { useCurrentWorkspace } from "@/components/shell/workspace-context";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { FormError, FormField } from "@/components/ui/form-field";
import { Textarea } from "@/components/ui/textarea";
import { errorMessage, isChangeProposed } from "@/lib/client/api";

/**
 * A member flipping the Broadcast switch of an organization: asks first, says that an admin
 * decides, and takes a comment for them. The switch itself does not move until it is approved.
 */
export function ProposeBroadcastDialog({ enabled, open, onOpenChange }: { enabled: boolean; open: boolean; onOpenChange: (open: boolean) => void }) {
  const { workspace } = useCurrentWorkspace();
  const queryClient = useQueryClient();
  const [comment, setComment] = React.useState("");
  const propose = useMutation({
    mutationFn: () => withProposalComment(workspace.id, comment, () => putBroadcast(workspace.id, enabled)),
    meta: COMMENT_ASKED,
    // Applied at once after all (the viewer became an admin meanwhile): show the switch as it is.
    onSuccess: () => {
      onOpenChange(false);
      return queryClient.invalidateQueries({ queryKey: broadcastKey(workspace.id) });
    },
    onError: (error) => {
      if (!isChangeProposed(error)) return;
      setComment("");
      onOpenChange(false);
    },
  });
  const failure = propose.error && !isChangeProposed(propose.error) ? errorMessage(propose.error) : null;
  return (
    <Dialog open={open} onOpenChange={(next) => !propose.isPending && (propose.reset(), onOpenChange(next))}>
      <DialogContent>
        <form
          className="grid gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            propose.mutate();
          }}
        >
          <DialogHeader>
            <DialogTitle>Propose turning broadcast {enabled ? "on" : "off"}?</DialogTitle>
            <DialogDescription>
              {enabled
                ? "Once an admin approves, a trace of every LLM request is sent to each active destination again."
                : `Once an admin approves, nothing is sent to any destination. ${TRACES_WHEN.broadcastOff}`}{" "}
              Until then the switch stays as it is.
            </DialogDescription>
          </DialogHeader>
          <FormField label="Comment for the admin (optional)" description="Why this change? Plain text, shown to whoever decides.">
            {(control) => <Textarea {...control} value={comment} onChange={(e) => setComment(e.target.value)} maxLength={MAX_COMMENT_LENGTH} rows={3} />}
          </FormField>
          <FormError message={failure} />
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)} disabled={propose.isPending}>
              Cancel
            </Button>
            <Button type="submit" disabled={propose.isPending}>
              {propose.isPending && <Loader2Icon className="animate-spin" aria-hidden />}
              Propose turning {enabled ? "on" : "off"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
