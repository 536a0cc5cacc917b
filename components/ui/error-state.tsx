"use client";

import * as React from "react";
import { AlertTriangleIcon, RotateCwIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/client/utils";

/** What a screen shows when its data could not be loaded, with a way to try again. */
function ErrorState({
  title = "Something went wrong",
  message,
  onRetry,
  retrying = false,
  className,
}: {
  title?: string;
  message?: string;
  onRetry?: () => void;
  retrying?: boolean;
  className?: string;
}) {
  return (
    <div
      role="alert"
      data-slot="error-state"
      className={cn(
        "border-destructive/30 bg-destructive/5 flex flex-col items-center justify-center gap-3 rounded-lg border px-6 py-10 text-center",
        className,
      )}
    >
      <AlertTriangleIcon className="text-destructive size-6" aria-hidden />
      <div className="grid max-w-md gap-1">
        <h3 className="text-base font-semibold">{title}</h3>
        {message && <p className="text-muted-foreground text-sm text-balance">{message}</p>}
      </div>
      {onRetry && (
        <Button variant="outline" size="sm" onClick={onRetry} disabled={retrying}>
          <RotateCwIcon className={cn(retrying && "animate-spin")} aria-hidden />
          Try again
        </Button>
      )}
    </div>
  );
}

export { ErrorState };
