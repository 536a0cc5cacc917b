"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { RadioTowerIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { useCurrentWorkspace } from "@/components/shell/workspace-context";
import { workspacePath } from "@/lib/workspace-paths";
import { useBroadcast, useSetBroadcast } from "./broadcast";
import { useBroadcastAccess } from "./status";

/**
 * On every workspace screen while the workspace's Broadcast switch is off: says so, and gives
 * whoever may change it directly the way to turn it back on; everyone else is told whom to ask.
 */
export function BroadcastOffBanner() {
  const { workspace } = useCurrentWorkspace();
  const { canChange, proposes } = useBroadcastAccess();
  const broadcast = useBroadcast();
  const turnOn = useSetBroadcast();
  const pathname = usePathname();
  if (broadcast.data?.enabled !== false) return null;
  const observability = workspacePath(workspace.id, "observability");
  return (
    <aside
      aria-label="Broadcast is off"
      className="mb-6 flex flex-wrap items-center gap-x-4 gap-y-2 rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
    >
      <RadioTowerIcon className="size-4 shrink-0" aria-hidden />
      <p className="min-w-0 flex-1">
        <strong className="font-medium">Broadcast is off.</strong> No trace is sent to any destination; new traces are stored
        and can be replayed once it is on again.{" "}
        {!canChange || proposes ? (
          <>Ask an admin or owner of {workspace.kind === "organization" ? "this organization" : "this workspace"} to turn it on.</>
        ) : null}
        {pathname !== observability && (
          <>
            {" "}
            <Link href={observability} className="font-medium underline underline-offset-4">
              Observability settings
            </Link>
          </>
        )}
      </p>
      {canChange && !proposes && (
        <Button size="sm" variant="outline" className="bg-background" disabled={turnOn.isPending} onClick={() => turnOn.mutate(true)}>
          Turn Broadcast on
        </Button>
      )}
    </aside>
  );
}
