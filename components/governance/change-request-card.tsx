"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { AlertTriangleIcon, ArrowUpRightIcon, CheckIcon, KeyRoundIcon, Loader2Icon, Undo2Icon, XIcon } from "lucide-react";
import { changeRequestApi, type ChangeRequest, type ChangeRequestStatus } from "@/components/governance/api";
import { useCurrentWorkspace, useCan } from "@/components/shell/workspace-context";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { FormError, FormField } from "@/components/ui/form-field";
import { Textarea } from "@/components/ui/textarea";
import { ApiClientError, errorMessage, fieldErrorsOf } from "@/lib/client/api";
import { formatDateTime, formatRelative } from "@/lib/client/format";
import { toast } from "@/lib/client/toast";
import { workspacePath } from "@/lib/workspace-paths";
import { destinationPath } from "@/components/observability/paths";

const STATUS: Record<ChangeRequestStatus, { label: string; variant: "default" | "secondary" | "destructive" | "outline" | "success" | "muted" }> = {
  pending: { label: "Pending approval", variant: "secondary" },
  approved: { label: "Approved", variant: "success" },
  rejected: { label: "Rejected", variant: "destructive" },
  withdrawn: { label: "Withdrawn", variant: "muted" },
  conflict: { label: "Conflict", variant: "outline" },
};

export function ChangeRequestStatusBadge({ status }: { status: ChangeRequestStatus }) {
  return <Badge variant={STATUS[status].variant}>{STATUS[status].label}</Badge>;
}

/** Field by field, before → after. Secrets only ever say set / changed / removed. */
export function DiffTable({ diff }: { diff: ChangeRequest["diff"] }) {
  if (diff.length === 0) return <p className="text-muted-foreground text-sm">No field-level changes.</p>;
  return (
    <div className="overflow-x-auto rounded-md border">
      <table className="w-full text-sm" aria-label="Proposed changes">
        <thead className="bg-muted/50 text-muted-foreground text-left text-xs">
          <tr>
            <th className="px-3 py-2 font-medium">Field</th>
            <th className="px-3 py-2 font-medium">Current</th>
            <th className="px-3 py-2 font-medium">Proposed</th>
          </tr>
        </thead>
        <tbody>
          {diff.map((entry) => (
            <tr key={entry.key} className="border-t align-top">
              <th scope="row" className="px-3 py-2 text-left font-medium">
                <span className="inline-flex items-center gap-1.5">
                  {entry.secret && <KeyRoundIcon className="text-muted-foreground size-3.5" aria-label="Secret" />}
                  {entry.label}
                </span>
              </th>
              <td className="text-muted-foreground px-3 py-2 break-all">{entry.before === null ? <span aria-label="not set">—</span> : <del className="decoration-muted-foreground/50">{entry.before}</del>}</td>
              <td className="px-3 py-2 font-medium break-all">{entry.after === null ? <span aria-label="not set">—</span> : <ins className="no-underline">{entry.after}</ins>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function useRequestMutation<TArgs>(run: (args: TArgs) => Promise<ChangeRequest>, onDone: (request: ChangeRequest) => void) {
  const { workspace } = useCurrentWorkspace();
  const queryClient = useQueryClient();
  // A decision changes destinations, the audit log and the counts: refresh the whole workspace's data.
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["workspaces", workspace.id] });
  return useMutation({
    mutationFn: run,
    onSuccess: (request) => {
      onDone(request);
      return refresh();
    },
    onError: (error) => {
      // A conflict (or a decision made meanwhile) ends the request: the refreshed list drops its
      // card and the dialog with it, so the reason is told in a toast that stays.
      if (error instanceof ApiClientError && error.status === 409) {
        toast.error(error.code === "change_conflict" ? "Not applied: the request is now a conflict" : "This request was already decided", {
          description: error.message,
          duration: Infinity,
        });
      }
      return refresh();
    },
  });
}

function ApproveDialog({ request }: { request: ChangeRequest }) {
  const { workspace } = useCurrentWorkspace();
  const [open, setOpen] = React.useState(false);
  const approve = useRequestMutation(
    () => changeRequestApi.approve(workspace.id, request.id),
    () => {
      setOpen(false);
      toast.success(`Approved and applied: ${request.title}`);
    },
  );
  return (
    <Dialog open={open} onOpenChange={(next) => !approve.isPending && (approve.reset(), setOpen(next))}>
      <DialogTrigger asChild>
        <Button size="sm">
          <CheckIcon aria-hidden />
          Approve
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-2xl">
        <DialogHeader>
          <DialogTitle>Approve this change?</DialogTitle>
          <DialogDescription>
            {request.title}, proposed by {request.proposer.email}. It is applied at once, checked again against the current settings.
          </DialogDescription>
        </DialogHeader>
        <ProposerComment request={request} />
        <DiffTable diff={request.diff} />
        <FormError message={approve.error ? errorMessage(approve.error) : null} />
        <DialogFooter>
          <Button variant="outline" onClick={() => setOpen(false)} disabled={approve.isPending}>
            Cancel
          </Button>
          <Button onClick={() => approve.mutate(undefined)} disabled={approve.isPending}>
            {approve.isPending && <Loader2Icon className="animate-spin" aria-hidden />}
            Approve and apply
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

function RejectDialog({ request }: { request: ChangeRequest }) {
  const { workspace } = useCurrentWorkspace();
  const [open, setOpen] = React.useState(false);
  const [reason, setReason] = React.useState("");
  const reject = useRequestMutation(
    (text: string) => changeRequestApi.reject(workspace.id, request.id, text),
    () => {
      setOpen(false);
      setReason("");
      toast.success(`Rejected: ${request.title}`);
    },
  );
  const fieldError = fieldErrorsOf(reject.error).reason;
  return (
    <Dialog open={open} onOpenChange={(next) => !reject.isPending && (reject.reset(), setOpen(next))}>
      <DialogTrigger asChild>
        <Button size="sm" variant="outline">
          <XIcon aria-hidden />
          Reject
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form
          className="grid gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            reject.mutate(reason);
          }}
        >
          <DialogHeader>
            <DialogTitle>Reject this change</DialogTitle>
            <DialogDescription>{request.proposer.email} will see your reason next to the request.</DialogDescription>
          </DialogHeader>
          <ProposerComment request={request} />
          <FormField label="Reason" error={fieldError}>
            {(control) => <Textarea {...control} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} rows={3} required autoFocus />}
          </FormField>
          <FormError message={reject.error && !fieldError ? errorMessage(reject.error) : null} />
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)} disabled={reject.isPending}>
              Cancel
            </Button>
            <Button type="submit" variant="destructive" disabled={reject.isPending || !reason.trim()}>
              {reject.isPending && <Loader2Icon className="animate-spin" aria-hidden />}
              Reject
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function WithdrawButton({ request }: { request: ChangeRequest }) {
  const { workspace } = useCurrentWorkspace();
  const withdraw = useRequestMutation(
    () => changeRequestApi.withdraw(workspace.id, request.id),
    () => toast.success(`Withdrawn: ${request.title}`),
  );
  return (
    <div className="grid justify-items-end gap-1">
      <Button size="sm" variant="outline" onClick={() => withdraw.mutate(undefined)} disabled={withdraw.isPending}>
        {withdraw.isPending ? <Loader2Icon className="animate-spin" aria-hidden /> : <Undo2Icon aria-hidden />}
        Withdraw
      </Button>
      <FormError message={withdraw.error ? errorMessage(withdraw.error) : null} />
    </div>
  );
}

/** The proposer's note for whoever decides: plain text (React escapes it), as typed. */
function ProposerComment({ request }: { request: ChangeRequest }) {
  if (!request.comment) return null;
  return (
    <figure className="grid gap-1 text-sm">
      <figcaption className="text-muted-foreground text-xs">Comment from {request.proposer.email}</figcaption>
      <blockquote className="border-l-2 pl-3 whitespace-pre-line wrap-anywhere italic">{request.comment}</blockquote>
    </figure>
  );
}

/** Where the request's target lives: the destination, or the broadcast switch on Observability. */
function TargetLink({ request }: { request: ChangeRequest }) {
  const { workspace } = useCurrentWorkspace();
  // A proposed new destination has a target only once approved (and created).
  if (!request.targetExists || !request.targetId) return null;
  const broadcast = request.targetType === "workspace";
  const href = broadcast ? workspacePath(workspace.id, "observability") : destinationPath(workspace.id, request.targetId);
  const label = broadcast ? "Open Observability settings" : `Open ${request.targetName ?? "destination"}`;
  return (
    <Link href={href} className="inline-flex w-fit items-center gap-1 text-sm font-medium underline-offset-4 hover:underline">
      {label} <ArrowUpRightIcon className="size-3.5" aria-hidden />
    </Link>
  );
}

/** One change request: what, who, when, the diff, the outcome, and what the viewer may do with it. */
export function ChangeRequestCard({ request }: { request: ChangeRequest }) {
  const { user } = useCurrentWorkspace();
  const canDecide = useCan("approvals:decide");
  const mine = request.proposer.id === user.id;
  const pending = request.status === "pending";
  const anchor = `change-request-${request.id}`;
  const ref = React.useRef<HTMLDivElement>(null);
  // Opened from a notification (…/approvals#change-request-<id>): the list loads after the page, so scroll once it is here.
  React.useEffect(() => {
    if (window.location.hash === `#${anchor}`) ref.current?.scrollIntoView({ block: "center" });
  }, [anchor]);
  return (
    <Card ref={ref} id={anchor} role="article" aria-label={request.title} data-status={request.status} className="target:ring-primary/50 scroll-mt-20 target:ring-2">
      <CardHeader className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="grid gap-1">
          <div className="flex flex-wrap items-center gap-2">
            <h3 className="font-semibold">{request.title}</h3>
            <ChangeRequestStatusBadge status={request.status} />
          </div>
          <p className="text-muted-foreground text-sm">
            Proposed by {mine ? "you" : request.proposer.email}{" "}
            <time dateTime={request.createdAt} title={formatDateTime(request.createdAt)}>
              {formatRelative(request.createdAt)}
            </time>
            {request.decider && request.decidedAt && (
              <>
                {" · "}
                {request.status === "conflict" ? "checked" : request.status} by {request.decider.email}{" "}
                <time dateTime={request.decidedAt} title={formatDateTime(request.decidedAt)}>
                  {formatRelative(request.decidedAt)}
                </time>
              </>
            )}
          </p>
        </div>
        {pending && (
          <div className="flex shrink-0 flex-wrap gap-2">
            {canDecide && !mine && (
              <>
                <RejectDialog request={request} />
                <ApproveDialog request={request} />
              </>
            )}
            {mine && <WithdrawButton request={request} />}
          </div>
        )}
      </CardHeader>
      <CardContent className="grid gap-3">
        <TargetLink request={request} />
        <ProposerComment request={request} />
        {request.stale && (
          <p className="flex items-start gap-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
            <AlertTriangleIcon className="mt-0.5 size-4 shrink-0" aria-hidden />
            The target changed after this was proposed: approving it will mark it as a conflict, and it must be proposed again.
          </p>
        )}
        {(request.status === "rejected" || request.status === "conflict") && request.reason && (
          <p className="bg-muted rounded-md px-3 py-2 text-sm" role="note">
            <span className="font-medium">{request.status === "rejected" ? "Reason: " : "Not applied: "}</span>
            {request.reason}
          </p>
        )}
        <DiffTable diff={request.diff} />
      </CardContent>
    </Card>
  );
}
