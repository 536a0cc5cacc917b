"use client";

import * as React from "react";
import { MutationCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { toast } from "sonner";
import { Toaster } from "@/components/ui/sonner";
import { ApiClientError, isChangeProposed } from "@/lib/api/client";

function makeQueryClient() {
  const client: QueryClient = new QueryClient({
    // Any mutation a member's organization turns into a change request (202): one notice for all
    // screens, and the counts and pending banners refreshed.
    mutationCache: new MutationCache({
      onError: (error) => {
        if (!isChangeProposed(error)) return;
        toast.info("Proposed — awaiting approval", { description: error.message, id: `proposed-${error.changeRequest.id}` });
        void client.invalidateQueries({ predicate: (q) => q.queryKey.includes("change-requests") });
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        // A 4xx will not get better by asking again (signed out, forbidden, not found).
        retry: (failureCount, error) =>
          !(error instanceof ApiClientError && error.status >= 400 && error.status < 500) && failureCount < 2,
      },
    },
  });
  return client;
}

export function Providers({ children }: { children: React.ReactNode }) {
  // One client per browser tab, created once (not per render) so the cache survives re-renders.
  const [queryClient] = React.useState(makeQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      {children}
      <Toaster position="bottom-right" richColors closeButton />
    </QueryClientProvider>
  );
}
