"use client";

import * as React from "react";
import { MutationCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { announceProposal } from "@/components/governance/proposal-store";
import { lazyComponent } from "@/components/shell/lazy";
import { ApiClientError, isChangeProposed } from "@/lib/client/api";
import { loadToasts, toast, whenToastsLoad } from "@/lib/client/toast";

function makeQueryClient() {
  const client: QueryClient = new QueryClient({
    // Any mutation a member's organization turns into a change request (202): one notice for all
    // screens, and the counts and pending banners refreshed.
    mutationCache: new MutationCache({
      onError: (error, _variables, _context, mutation) => {
        if (!isChangeProposed(error)) return;
        // The dialog says what happens next and takes a comment, unless the change asked for one already.
        if (mutation.meta?.proposalCommentAsked) toast.info("Proposed — awaiting approval", { description: error.message, id: `proposed-${error.changeRequest.id}` });
        else announceProposal(error.changeRequest);
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

/** Runs `task` once the page has loaded and the browser has nothing else to do; returns the cancel. */
function afterLoadWhenIdle(task: () => void): () => void {
  let cancel = () => {};
  const schedule = () => {
    // Safari has no requestIdleCallback.
    if (typeof window.requestIdleCallback === "function") {
      const id = window.requestIdleCallback(task);
      cancel = () => window.cancelIdleCallback(id);
    } else {
      const id = window.setTimeout(task, 0);
      cancel = () => window.clearTimeout(id);
    }
  };
  if (document.readyState === "complete") schedule();
  else {
    window.addEventListener("load", schedule, { once: true });
    cancel = () => window.removeEventListener("load", schedule);
  }
  return () => cancel();
}

const Toaster = lazyComponent(() => import("@/components/ui/sonner").then((m) => m.Toaster));

/** Where toasts appear: mounted once sonner is loading (lib/client/toast.ts), which starts when the page is idle. */
function DeferredToaster() {
  const [toastsLoading, setToastsLoading] = React.useState(false);
  React.useEffect(() => whenToastsLoad(() => setToastsLoading(true)), []);
  React.useEffect(() => afterLoadWhenIdle(() => void loadToasts()), []);
  return toastsLoading ? <Toaster position="bottom-right" richColors closeButton /> : null;
}

export function Providers({ children }: { children: React.ReactNode }) {
  // One client per browser tab, created once (not per render) so the cache survives re-renders.
  const [queryClient] = React.useState(makeQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      {children}
      <DeferredToaster />
    </QueryClientProvider>
  );
}
