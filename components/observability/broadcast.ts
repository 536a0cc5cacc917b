"use client";
// The workspace's Broadcast switch as every screen reads it (the banner in the app shell, the
// switch, the destinations list): one query, one mutation. Kept apart from ./api so the shell's
// banner does not load the rest of the observability API on every page.
import * as z from "zod/mini";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCurrentWorkspace } from "@/components/shell/workspace-context";
import { api, errorMessage, isChangeProposed } from "@/lib/client/api";
import { toast } from "@/lib/client/toast";
import { workspaceApiPath } from "@/lib/workspace-paths";

const broadcastSchema = z.object({ enabled: z.boolean() });

/** Under observabilityKeys.all, so invalidating the observability screens refreshes it too. */
export const broadcastKey = (ws: string) => ["workspaces", ws, "observability", "broadcast"] as const;

/** What turning Broadcast off stops, and what it keeps (tests/broadcast/destination-states.test.ts, e2e/broadcast-status.spec.ts). */
export const BROADCAST_OFF = {
  stops: "No trace is sent to any destination, test traces included. Traces already queued wait.",
  keeps:
    "New traces are still received and stored for the retention period, but queued for no destination: a replay from a destination's page can send them once Broadcast is on again. Destinations and their settings are kept, and turning it back on sends the traces that were queued before.",
} as const;

/** Asks to set the switch; a member's request answers 202 with a change request instead (isChangeProposed). */
export const putBroadcast = (workspaceId: string, enabled: boolean) => api.put(workspaceApiPath(workspaceId, "broadcast"), broadcastSchema, { enabled });

export function useBroadcast() {
  const { workspace } = useCurrentWorkspace();
  return useQuery({
    queryKey: broadcastKey(workspace.id),
    queryFn: () => api.get(workspaceApiPath(workspace.id, "broadcast"), broadcastSchema),
  });
}

/** Sets the switch optimistically; rolled back if the server refuses (a member's proposal included). */
export function useSetBroadcast() {
  const { workspace } = useCurrentWorkspace();
  const queryClient = useQueryClient();
  const key = broadcastKey(workspace.id);
  return useMutation({
    mutationFn: (enabled: boolean) => putBroadcast(workspace.id, enabled),
    onMutate: async (enabled) => {
      await queryClient.cancelQueries({ queryKey: key });
      const previous = queryClient.getQueryData<{ enabled: boolean }>(key);
      queryClient.setQueryData(key, { enabled });
      return { previous };
    },
    onError: (error, _enabled, context) => {
      queryClient.setQueryData(key, context?.previous);
      if (!isChangeProposed(error)) toast.error(`Could not change broadcast: ${errorMessage(error)}`);
    },
    onSuccess: ({ enabled }) => toast.success(enabled ? "Broadcast is on" : "Broadcast is off: traces are stored, nothing is sent"),
    // The destinations list shows each destination's state under the switch.
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["workspaces", workspace.id, "observability"] }),
  });
}
