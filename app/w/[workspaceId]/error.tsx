"use client";

import { ErrorState } from "@/components/ui/error-state";

// Next passes server errors to the client without their message in production; the digest is what
// an operator can look up in the server log.
export default function WorkspaceError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <ErrorState
      title="This page could not be loaded"
      message={
        error.digest
          ? `Something went wrong on our side (reference ${error.digest}). Nothing was changed.`
          : error.message || "Something went wrong. Nothing was changed."
      }
      onRetry={reset}
    />
  );
}
