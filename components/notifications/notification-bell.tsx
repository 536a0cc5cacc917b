"use client";

import * as React from "react";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { BellIcon, CheckCheckIcon } from "lucide-react";
import { useCurrentWorkspace } from "@/components/shell/workspace-context";
import { Button } from "@/components/ui/button";
import { Popover, PopoverContent, PopoverTrigger } from "@/components/ui/popover";
import { Skeleton } from "@/components/ui/skeleton";
import { errorMessage } from "@/lib/client/api";
import { formatDateTime, formatRelative } from "@/lib/client/format";
import { cn } from "@/lib/client/utils";
import { workspacePath } from "@/lib/workspace-paths";
import { notificationApi, notificationKeys, type AppNotification } from "./api";

/** How often the bell asks for news: a decision shows up without a reload. */
const REFRESH_MS = 30_000;

/** Where a notification leads: its change request on the Approvals / My requests screen. */
function hrefOf(workspaceId: string, notification: AppNotification): string {
  const base = workspacePath(workspaceId, "approvals");
  return notification.changeRequestId ? `${base}#change-request-${notification.changeRequestId}` : base;
}

/**
 * The bell: the viewer's own notifications in this organization (today: how their change requests
 * were decided), the unread count on it, each marked read when opened, or all at once.
 */
export function NotificationBell() {
  const { workspace } = useCurrentWorkspace();
  const queryClient = useQueryClient();
  const [open, setOpen] = React.useState(false);
  const key = notificationKeys.list(workspace.id);
  const list = useQuery({
    queryKey: key,
    queryFn: () => notificationApi.list(workspace.id),
    refetchInterval: REFRESH_MS,
    // Only organizations have change requests to be told about.
    enabled: workspace.kind === "organization",
  });
  const markRead = useMutation({
    mutationFn: (body: { ids: string[] } | { all: true }) => notificationApi.markRead(workspace.id, body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  if (workspace.kind !== "organization") return null;
  const unread = list.data?.unread ?? 0;
  return (
    <Popover open={open} onOpenChange={setOpen}>
      <PopoverTrigger asChild>
        <Button variant="ghost" size="icon" className="relative" aria-label={unread ? `Notifications, ${unread} unread` : "Notifications"}>
          <BellIcon aria-hidden />
          {unread > 0 && (
            <span
              aria-hidden
              data-testid="notifications-unread"
              className="bg-primary text-primary-foreground absolute -top-0.5 -right-0.5 inline-flex h-4 min-w-4 items-center justify-center rounded-full px-1 text-[0.65rem] font-semibold tabular-nums"
            >
              {unread > 99 ? "99+" : unread}
            </span>
          )}
        </Button>
      </PopoverTrigger>
      <PopoverContent align="start" className="w-80 p-0" aria-label="Notifications">
        <div className="flex items-center justify-between border-b px-3 py-2">
          <p className="text-sm font-semibold">Notifications</p>
          {unread > 0 && (
            <Button variant="ghost" size="sm" onClick={() => markRead.mutate({ all: true })} disabled={markRead.isPending}>
              <CheckCheckIcon aria-hidden /> Mark all read
            </Button>
          )}
        </div>
        {list.isPending ? (
          <div className="grid gap-2 p-3" role="status" aria-label="Loading notifications">
            <Skeleton className="h-10" />
            <Skeleton className="h-10" />
          </div>
        ) : list.isError ? (
          <div className="grid gap-2 p-3 text-sm" role="alert">
            <p className="text-destructive">Could not load notifications: {errorMessage(list.error)}</p>
            <Button variant="outline" size="sm" className="justify-self-start" onClick={() => list.refetch()}>
              Try again
            </Button>
          </div>
        ) : list.data.notifications.length === 0 ? (
          <p className="text-muted-foreground p-3 text-sm">Nothing yet. When an admin decides one of your change requests, you will see it here.</p>
        ) : (
          <ul className="max-h-96 overflow-y-auto" aria-label="Notifications">
            {list.data.notifications.map((n) => (
              <li key={n.id} className="border-b last:border-b-0">
                <Link
                  href={hrefOf(workspace.id, n)}
                  onClick={() => {
                    setOpen(false);
                    if (!n.readAt) markRead.mutate({ ids: [n.id] });
                  }}
                  className={cn("hover:bg-accent focus-visible:bg-accent grid gap-0.5 px-3 py-2 text-sm outline-none", !n.readAt && "bg-primary/5")}
                  data-unread={n.readAt ? undefined : "true"}
                >
                  <span className="flex items-start gap-2 font-medium">
                    {!n.readAt && <span className="bg-primary mt-1.5 size-2 shrink-0 rounded-full" aria-label="Unread" />}
                    <span className="wrap-anywhere">{n.title}</span>
                  </span>
                  {n.body && <span className="text-muted-foreground wrap-anywhere">{n.body}</span>}
                  <time className="text-muted-foreground text-xs" dateTime={n.createdAt} title={formatDateTime(n.createdAt)}>
                    {formatRelative(n.createdAt)}
                  </time>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </PopoverContent>
    </Popover>
  );
}
