"use client";

import { CheckCircle2Icon, ChevronRightIcon, XCircleIcon } from "lucide-react";
import { Collapsible, CollapsibleContent, CollapsibleTrigger } from "@/components/ui/collapsible";
import type { TestOutcome } from "./api";

/** A connection test's outcome: pass/fail, the platform's answer, and the request that was sent (secrets masked). */
export function TestResultPanel({ result }: { result: TestOutcome }) {
  const { ok, status, message, responseBody, request } = result;
  return (
    <div
      role="status"
      aria-label={ok ? "Connection test passed" : "Connection test failed"}
      data-outcome={ok ? "passed" : "failed"}
      className={
        ok
          ? "border-success/40 bg-success/5 grid gap-2 rounded-lg border p-3 text-sm"
          : "border-destructive/40 bg-destructive/5 grid gap-2 rounded-lg border p-3 text-sm"
      }
    >
      <div className="flex items-start gap-2">
        {ok ? (
          <CheckCircle2Icon className="text-success mt-0.5 size-4 shrink-0" aria-hidden />
        ) : (
          <XCircleIcon className="text-destructive mt-0.5 size-4 shrink-0" aria-hidden />
        )}
        <div className="grid min-w-0 gap-1">
          <p className="font-medium">
            {ok ? "Connection works" : "Connection failed"}
            {status !== undefined && <span className="text-muted-foreground font-normal"> · HTTP {status}</span>}
          </p>
          <p className="text-muted-foreground break-words">{message}</p>
        </div>
      </div>
      {responseBody && (
        <pre className="bg-background/60 max-h-40 overflow-auto rounded-md border p-2 font-mono text-xs break-all whitespace-pre-wrap">
          {responseBody}
        </pre>
      )}
      {request && (
        <Collapsible>
          <CollapsibleTrigger className="text-muted-foreground hover:text-foreground focus-visible:ring-ring/50 group flex items-center gap-1 rounded text-xs font-medium outline-none focus-visible:ring-[3px]">
            <ChevronRightIcon className="size-3.5 transition-transform group-data-[state=open]:rotate-90" aria-hidden />
            Request sent (secrets masked)
          </CollapsibleTrigger>
          <CollapsibleContent>
            <pre className="bg-background/60 mt-2 max-h-64 overflow-auto rounded-md border p-2 font-mono text-xs break-all whitespace-pre-wrap">
              {`${request.method} ${request.url}\n`}
              {Object.entries(request.headers)
                .map(([name, value]) => `${name}: ${value}`)
                .join("\n")}
              {request.body ? `\n\n${request.body}` : ""}
            </pre>
          </CollapsibleContent>
        </Collapsible>
      )}
    </div>
  );
}
