"use client";

import { useQuery } from "@tanstack/react-query";
import { observabilityApi, observabilityKeys } from "./api";
import { useBroadcastAccess } from "./status";

/** The platforms a destination can be created for (the catalog), fetched once per session. */
export function useDestinationTypes() {
  const { workspaceId } = useBroadcastAccess();
  return useQuery({
    queryKey: observabilityKeys.types(workspaceId),
    queryFn: () => observabilityApi.types(workspaceId),
    staleTime: Infinity, // the catalog only changes with a new release
  });
}
