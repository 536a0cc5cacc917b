"use client";

import * as React from "react";
import { RadioTowerIcon } from "lucide-react";
import { API_KEY_PLACEHOLDER, otlpSettings } from "@/components/api-keys/otlp-settings";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";

const noSubscription = () => () => {};

/** This server's origin as the browser reached it (empty while rendering on the server). */
export function useOrigin(): string {
  return React.useSyncExternalStore(noSubscription, () => window.location.origin, () => "");
}

export function CopyableBlock({ label, value, copyLabel }: { label: string; value: string; copyLabel: string }) {
  return (
    <div className="grid gap-1.5">
      <div className="flex items-center justify-between gap-2">
        <span className="text-sm font-medium">{label}</span>
        <CopyButton value={value} label={copyLabel} size="sm" />
      </div>
      <pre className="bg-muted/50 overflow-x-auto rounded-md border p-2 font-mono text-xs break-all whitespace-pre-wrap">{value}</pre>
    </div>
  );
}

/**
 * Where OpenTelemetry exporters and OpenRouter's Broadcast send spans (docs/otlp.md), with the
 * settings to paste. The key stays a placeholder: its secret is shown only when it is created.
 */
export function OtlpEndpointCard() {
  const origin = useOrigin();
  const settings = otlpSettings(origin);
  return (
    <Card aria-labelledby="otlp-endpoint-title">
      <CardHeader>
        <CardTitle id="otlp-endpoint-title" className="flex items-center gap-2">
          <RadioTowerIcon className="size-4" aria-hidden />
          Send OpenTelemetry traces
        </CardTitle>
        <CardDescription>
          Apps instrumented with OpenTelemetry (GenAI instrumentations, OpenLLMetry, OpenInference, the Vercel AI SDK) can
          send spans over OTLP/HTTP, protobuf or JSON. Each LLM call becomes a trace; other spans name it and are not stored.
          Replace <code className="font-mono text-xs">{API_KEY_PLACEHOLDER}</code> with a key&apos;s secret (shown when the
          key is created).
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-5">
        <CopyableBlock label="OTLP traces endpoint" value={settings.endpoint} copyLabel="Copy endpoint" />
        <CopyableBlock label="Exporter environment variables" value={settings.env} copyLabel="Copy variables" />
        <section aria-labelledby="otlp-openrouter-title" className="grid gap-3">
          <div>
            <h3 id="otlp-openrouter-title" className="text-sm font-medium">
              From OpenRouter
            </h3>
            <p className="text-muted-foreground text-sm">
              In OpenRouter&apos;s Broadcast settings, add an OpenTelemetry Collector destination with this endpoint and
              headers. OpenRouter must be able to reach this address over the internet.
            </p>
          </div>
          <CopyableBlock label="Endpoint" value={settings.openRouter.endpoint} copyLabel="Copy endpoint" />
          <CopyableBlock label="Headers" value={settings.openRouter.headers} copyLabel="Copy headers" />
        </section>
      </CardContent>
    </Card>
  );
}
