"use client";

import * as React from "react";
import Link from "next/link";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Loader2Icon } from "lucide-react";
import { changeRequestApi, changeRequestKeys, MAX_COMMENT_LENGTH } from "@/components/governance/api";
import { dismissProposal, type AnnouncedProposal } from "@/components/governance/proposal-store";
import { useCurrentWorkspace } from "@/components/shell/workspace-context";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { FormError, FormField } from "@/components/ui/form-field";
import { Textarea } from "@/components/ui/textarea";
import { errorMessage, fieldErrorsOf } from "@/lib/client/api";
import { toast } from "@/lib/client/toast";
import { workspacePath } from "@/lib/workspace-paths";

/**
 * After a member's change was saved as a change request: says what happens next, and takes an
 * optional comment for the admin who decides (stored on the request, shown when deciding).
 */
export function ProposalSentDialog({ proposal }: { proposal: AnnouncedProposal }) {
  const { workspace } = useCurrentWorkspace();
  const queryClient = useQueryClient();
  const [comment, setComment] = React.useState("");
  const save = useMutation({
    mutationFn: () => changeRequestApi.comment(workspace.id, proposal.id, comment.trim()),
    onSuccess: () => {
      toast.success("Comment added for the admin");
      dismissProposal();
      return queryClient.invalidateQueries({ queryKey: changeRequestKeys.all(workspace.id) });
    },
  });
  const fieldError = fieldErrorsOf(save.error).comment;
  return (
    <Dialog open onOpenChange={(open) => !open && !save.isPending && dismissProposal()}>
      <DialogContent>
        <form
          className="grid gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            if (comment.trim()) save.mutate();
            else dismissProposal();
          }}
        >
          <DialogHeader>
            <DialogTitle>Sent for approval</DialogTitle>
            <DialogDescription>
              {proposal.title} takes effect once an owner or admin of this organization approves it; nothing has changed yet.
              The bell tells you when it is decided.
            </DialogDescription>
          </DialogHeader>
          <FormField label="Comment for the admin (optional)" description="Why this change? Plain text, shown to whoever decides." error={fieldError}>
            {(control) => (
              <Textarea {...control} value={comment} onChange={(e) => setComment(e.target.value)} maxLength={MAX_COMMENT_LENGTH} rows={3} autoFocus />
            )}
          </FormField>
          <FormError message={save.error && !fieldError ? errorMessage(save.error) : null} />
          <DialogFooter className="sm:justify-between">
            <Button variant="link" asChild className="px-0">
              <Link href={workspacePath(workspace.id, "approvals")} onClick={() => dismissProposal()}>
                See my requests
              </Link>
            </Button>
            <Button type="submit" disabled={save.isPending}>
              {save.isPending && <Loader2Icon className="animate-spin" aria-hidden />}
              {comment.trim() ? "Add comment" : "Done"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
