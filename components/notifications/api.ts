// The caller's own in-app notifications (app/api/workspaces/[workspaceId]/notifications).
import * as z from "zod/mini";
import { api } from "@/lib/client/api";
import type { NotificationView } from "@/lib/notifications";
import { workspaceApiPath } from "@/lib/workspace-paths";

type Wire<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

export const notificationSchema = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  body: z.nullable(z.string()),
  changeRequestId: z.nullable(z.string()),
  readAt: z.nullable(z.string()),
  createdAt: z.string(),
}) satisfies z.ZodMiniType<Wire<NotificationView>>;
export type AppNotification = z.infer<typeof notificationSchema>;

const page = z.object({ notifications: z.array(notificationSchema), unread: z.number(), nextCursor: z.nullable(z.string()) });
const unread = z.object({ unread: z.number() });

export const notificationKeys = { list: (ws: string) => ["workspaces", ws, "notifications"] as const };

export const notificationApi = {
  list: (ws: string) => api.get(workspaceApiPath(ws, "notifications"), page),
  markRead: (ws: string, body: { ids: string[] } | { all: true }) => api.post(workspaceApiPath(ws, "notifications", "read"), unread, body),
};
