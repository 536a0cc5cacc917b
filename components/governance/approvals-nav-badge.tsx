"use client";

import { useQuery } from "@tanstack/react-query";
import { changeRequestApi, changeRequestKeys } from "@/components/governance/api";
import { useCan, useCurrentWorkspace } from "@/components/shell/workspace-context";

/** How often the nav asks for the count: new proposals show up without a reload. */
const COUNT_REFRESH_MS = 30_000;

/**
 * The count next to "Approvals": pending requests for those who decide, the viewer's own pending
 * requests for members. Nothing when zero.
 */
export function ApprovalsNavBadge() {
  const { workspace } = useCurrentWorkspace();
  const canDecide = useCan("approvals:decide");
  const counts = useQuery({
    queryKey: changeRequestKeys.count(workspace.id),
    queryFn: () => changeRequestApi.count(workspace.id),
    refetchInterval: COUNT_REFRESH_MS,
  });
  const count = counts.data ? (canDecide ? counts.data.pending : counts.data.minePending) : 0;
  if (count === 0) return null;
  const label = canDecide ? `${count} pending approval${count === 1 ? "" : "s"}` : `${count} of your requests pending`;
  return (
    <span
      className="bg-primary text-primary-foreground ml-auto inline-flex h-5 min-w-5 items-center justify-center rounded-full px-1.5 text-xs font-semibold tabular-nums"
      aria-label={label}
      data-testid="approvals-count"
    >
      {count > 99 ? "99+" : count}
    </span>
  );
}
