"use client";

import * as React from "react";
import Link from "next/link";
import { CheckCircle2Icon, CircleIcon } from "lucide-react";
import { INGEST_KEYS } from "@/components/api-keys/api";
import { CreateApiKeyDialog } from "@/components/api-keys/create-api-key-dialog";
import { SendTracePanel } from "@/components/api-keys/send-trace-panel";
import { useCan, useCurrentWorkspace } from "@/components/shell/workspace-context";
import { cn } from "@/lib/client/utils";
import { workspacePath } from "@/lib/workspace-paths";
import type { FirstRunProgress } from "./api";
import { AddDestinationButton } from "./catalog-dialog";
import { useBroadcastAccess } from "./status";

type Step = { id: keyof FirstRunProgress; title: string; done: boolean; body: React.ReactNode };

/**
 * The first-run path on the Observability page, until a trace from an app has been delivered:
 * API key → send a trace → add a destination → see it delivered. Each step's state comes from the
 * workspace's data (lib/workspaces/first-run.ts); the first step not done is the current one, and
 * only its instructions are open.
 */
export function FirstRunGuide({ progress, broadcastOff }: { progress: FirstRunProgress; broadcastOff: boolean }) {
  const { workspace } = useCurrentWorkspace();
  const { canChange } = useBroadcastAccess();
  const canCreateKey = useCan("apiKeys:manage");
  // The secret of a key created here, for the snippets (it is shown only once: not after a reload).
  const [newKey, setNewKey] = React.useState<string | null>(null);
  // The step is done as soon as the key exists, but its dialog (with the secret) must stay until closed.
  const [showingNewKey, setShowingNewKey] = React.useState(false);
  const askAdmin = (what: string) => <p className="text-muted-foreground text-sm">Ask an admin or owner of this workspace to {what}.</p>;

  const steps: Step[] = [
    {
      id: "apiKey",
      title: "Create an API key",
      done: progress.apiKey,
      body: (
        <div className="grid justify-items-start gap-2">
          <p className="text-muted-foreground text-sm">Your app sends its traces with it. Its secret is shown once, with the code to send a first trace.</p>
          {canCreateKey ? (
            <CreateApiKeyDialog
              workspaceId={workspace.id}
              kind={INGEST_KEYS}
              purpose="Your apps send traces with this key. Name it after where it will be used."
              usage="Use it as Authorization: Bearer <key> when sending traces."
              placeholder="Production backend"
              onCreated={(secret) => {
                setNewKey(secret);
                setShowingNewKey(true);
              }}
              onClosed={() => setShowingNewKey(false)}
              shownWith={(secret) => <SendTracePanel apiKey={secret} />}
            />
          ) : (
            askAdmin("create an API key for you")
          )}
        </div>
      ),
    },
    {
      id: "traceReceived",
      title: "Send a trace",
      done: progress.traceReceived,
      body: (
        <div className="grid gap-3">
          <p className="text-muted-foreground text-sm">
            Run this from your app&apos;s machine, or send from your code the same way. This step completes when Tracecast
            receives the trace. OpenTelemetry and the OpenAI-compatible capture proxy work too: see{" "}
            <Link href={workspacePath(workspace.id, "apiKeys")} className="underline underline-offset-4">
              API keys
            </Link>
            .
          </p>
          <SendTracePanel apiKey={newKey} />
        </div>
      ),
    },
    {
      id: "destination",
      title: "Add a destination",
      done: progress.destination,
      body: (
        <div className="grid justify-items-start gap-2">
          <p className="text-muted-foreground text-sm">Pick the platform that should receive your traces: Langfuse, Datadog, a webhook and more.</p>
          {canChange ? <AddDestinationButton /> : askAdmin("add a destination")}
        </div>
      ),
    },
    {
      id: "traceDelivered",
      title: "See it delivered",
      done: progress.traceDelivered,
      body: (
        <div className="grid gap-3">
          <p className="text-muted-foreground text-sm">
            {broadcastOff
              ? "Broadcast is off, so nothing is sent: turn it on below, then send a trace."
              : "Send a trace now: a trace goes to the destinations that exist when it arrives. This step completes when one is delivered; the destination's delivery log shows each attempt."}
          </p>
          {!broadcastOff && <SendTracePanel apiKey={newKey} />}
        </div>
      ),
    },
  ];
  const current = steps.findIndex((s) => !s.done);

  return (
    <section aria-labelledby="first-run-title" className="grid gap-4 rounded-lg border p-4">
      <div className="grid gap-1">
        <h2 id="first-run-title" className="text-base font-semibold">
          Get started
        </h2>
        <p className="text-muted-foreground text-sm">
          {steps.filter((s) => s.done).length} of {steps.length} done. Each step is checked off when it has happened.
        </p>
      </div>
      <ol className="grid gap-3">
        {steps.map((step, i) => (
          <li key={step.id} aria-current={i === current ? "step" : undefined} data-state={step.done ? "done" : i === current ? "current" : "upcoming"} className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-2">
            {step.done ? (
              <CheckCircle2Icon className="text-success mt-0.5 size-5" aria-hidden />
            ) : (
              <CircleIcon className={cn("mt-0.5 size-5", i === current ? "text-foreground" : "text-muted-foreground/50")} aria-hidden />
            )}
            <h3 className={cn("text-sm font-medium", step.done && "text-muted-foreground line-through", i > current && "text-muted-foreground")}>
              {i + 1}. {step.title}
              <span className="sr-only">{step.done ? " (done)" : i === current ? " (next)" : " (to do)"}</span>
            </h3>
            {(i === current || (step.id === "apiKey" && showingNewKey)) && <div className="col-start-2">{step.body}</div>}
          </li>
        ))}
      </ol>
    </section>
  );
}
