"use client";

import { CopyableBlock, useOrigin } from "@/components/api-keys/otlp-endpoint-card";
import { API_KEY_PLACEHOLDER } from "@/components/api-keys/otlp-settings";
import { sendTraceSnippets } from "@/components/api-keys/send-trace-snippets";

/**
 * This server's ingest endpoint and a first request with the key, as curl and as fetch. Without
 * the key's secret (only shown when it is created) it stands as a placeholder.
 */
export function SendTracePanel({ apiKey }: { apiKey: string | null }) {
  const origin = useOrigin();
  const snippets = sendTraceSnippets(origin, apiKey ?? API_KEY_PLACEHOLDER);
  return (
    <div className="grid gap-4">
      <CopyableBlock label="Ingest endpoint" value={snippets.endpoint} copyLabel="Copy endpoint" />
      <CopyableBlock label="Send a trace with curl" value={snippets.curl} copyLabel="Copy curl command" />
      <CopyableBlock label="…or with fetch (JavaScript)" value={snippets.fetch} copyLabel="Copy fetch code" />
      {!apiKey && (
        <p className="text-muted-foreground text-xs">
          Replace <code className="font-mono">{API_KEY_PLACEHOLDER}</code> with your key&apos;s secret (shown once, when it is created).
        </p>
      )}
    </div>
  );
}
