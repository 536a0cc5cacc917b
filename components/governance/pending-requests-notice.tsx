"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { InboxIcon } from "lucide-react";
import { changeRequestApi, changeRequestKeys, type ChangeRequestFilter } from "@/components/governance/api";
import { useCan, useCurrentWorkspace } from "@/components/shell/workspace-context";
import { workspacePath } from "@/lib/workspace-paths";

/** How many pending titles the notice spells out before "and N more". */
const LISTED = 3;

/**
 * "Pending approval" notice on the observability settings: the change requests waiting for an
 * admin, all of the workspace's or those about one destination. Nothing when there are none.
 */
export function PendingRequestsNotice({ destinationId }: { destinationId?: string }) {
  const { workspace } = useCurrentWorkspace();
  const canDecide = useCan("approvals:decide");
  const filter: ChangeRequestFilter = { status: "pending", ...(destinationId ? { targetId: destinationId } : {}) };
  const pending = useQuery({
    queryKey: changeRequestKeys.pending(workspace.id, destinationId ?? null),
    queryFn: () => changeRequestApi.list(workspace.id, filter, null),
    enabled: workspace.kind === "organization",
    select: (page) => page.changeRequests,
  });
  const requests = pending.data ?? [];
  if (requests.length === 0) return null;
  const more = requests.length - LISTED;
  return (
    <aside
      aria-label="Changes pending approval"
      className="flex items-start gap-3 rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
    >
      <InboxIcon className="mt-0.5 size-4 shrink-0" aria-hidden />
      <div className="grid gap-1">
        <p className="font-medium">
          {requests.length} change{requests.length === 1 ? "" : "s"} {destinationId ? "to this destination " : ""}awaiting an admin&apos;s approval
        </p>
        <ul className="list-disc pl-4">
          {requests.slice(0, LISTED).map((r) => (
            <li key={r.id}>
              {r.title} <span className="opacity-75">— proposed by {r.proposer.email}</span>
            </li>
          ))}
          {more > 0 && <li>and {more} more</li>}
        </ul>
        <Link href={workspacePath(workspace.id, "approvals")} className="w-fit font-medium underline underline-offset-4">
          {canDecide ? "Review in Approvals" : "See my requests"}
        </Link>
      </div>
    </aside>
  );
}
