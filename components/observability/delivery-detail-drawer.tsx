"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { DownloadIcon, HistoryIcon, Loader2Icon, RotateCcwIcon } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { FormError } from "@/components/ui/form-field";
import { Sheet, SheetContent, SheetDescription, SheetHeader, SheetTitle } from "@/components/ui/sheet";
import { Skeleton } from "@/components/ui/skeleton";
import { ApiClientError, errorMessage, isChangeProposed } from "@/lib/client/api";
import { formatDateTime, formatRelative } from "@/lib/client/format";
import { toast } from "@/lib/client/toast";
import { observabilityApi, observabilityKeys, type DeliveryDetailView } from "./api";
import { DeliveryStatusBadge, formatLatency, useBroadcastAccess } from "./status";

type SentRequest = Extract<DeliveryDetailView["sent"], { kind: "requests" }>["requests"][number];

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function When({ at }: { at: string }) {
  return (
    <time dateTime={at} title={formatDateTime(at)}>
      {formatDateTime(at)} <span className="text-muted-foreground">({formatRelative(at)})</span>
    </time>
  );
}

function saveFile(name: string, content: BlobPart, type: string) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
}

function Section({ title, children, description }: { title: string; description?: React.ReactNode; children: React.ReactNode }) {
  const id = React.useId();
  return (
    <section aria-labelledby={id} className="grid gap-2">
      <h3 id={id} className="text-sm font-semibold">
        {title}
      </h3>
      {description && <div className="text-muted-foreground text-xs">{description}</div>}
      {children}
    </section>
  );
}

function TraceSummary({ trace }: { trace: DeliveryDetailView["trace"] }) {
  const rows: [string, React.ReactNode][] = [
    ["Trace id", <code key="id" className="font-mono text-xs break-all">{trace.externalId ?? trace.id}</code>],
    ["Name", trace.name ?? "—"],
    ["Model", trace.model ?? "—"],
    ["Provider", trace.provider ?? "—"],
    ["API key", trace.apiKeyName ?? (trace.isTest ? "Test trace" : "—")],
    ["Session", trace.sessionId ?? "—"],
    ["User", trace.user ?? "—"],
    ["Generation id", trace.generationId ? <code key="gen" className="font-mono text-xs break-all">{trace.generationId}</code> : "—"],
    ["Received", <When key="at" at={trace.receivedAt} />],
    ["Stored size", formatBytes(trace.sizeBytes)],
  ];
  return (
    <dl className="grid grid-cols-[minmax(6rem,auto)_1fr] gap-x-4 gap-y-1.5 text-sm">
      {rows.map(([label, value]) => (
        <React.Fragment key={label}>
          <dt className="text-muted-foreground">{label}</dt>
          <dd className="min-w-0 break-words">{value}</dd>
        </React.Fragment>
      ))}
    </dl>
  );
}

function AttemptList({ detail }: { detail: DeliveryDetailView }) {
  if (detail.attempts.length === 0) {
    return <p className="text-muted-foreground text-sm">No request has carried this trace yet.</p>;
  }
  return (
    <ol className="grid gap-2" aria-label="Attempts">
      {detail.attempts.map((a) => (
        <li key={a.id} className="grid gap-1 rounded-md border p-3 text-sm" data-ok={a.ok}>
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <Badge variant={a.ok && !a.error ? "success" : a.ok ? "outline" : "destructive"}>{a.ok ? (a.error ? "Sent, some refused" : "Delivered") : "Failed"}</Badge>
            <When at={a.at} />
          </div>
          <div className="text-muted-foreground flex flex-wrap gap-x-4 text-xs tabular-nums">
            <span>HTTP {a.httpStatus ?? "—"}</span>
            <span>{formatLatency(a.latencyMs)}</span>
            <span>
              {a.traces} trace{a.traces === 1 ? "" : "s"} in the request
            </span>
          </div>
          {a.error && <p className="text-destructive text-xs break-words whitespace-pre-wrap">{a.error}</p>}
          {a.nextAttemptAt && (
            <p className="text-xs">
              Next attempt: <When at={a.nextAttemptAt} />
            </p>
          )}
        </li>
      ))}
    </ol>
  );
}

/** The body as shown: JSON pretty-printed when it parses (a whole body only), else as it is. */
function shownBody(request: SentRequest): string {
  if (request.truncated || request.bodyBase64 !== null) return request.body;
  try {
    return JSON.stringify(JSON.parse(request.body), null, 2);
  } catch {
    return request.body;
  }
}

function RequestView({ request, deliveryId, index }: { request: SentRequest; deliveryId: string; index: number }) {
  const contentType = Object.entries(request.headers).find(([name]) => name.toLowerCase() === "content-type")?.[1] ?? "application/octet-stream";
  const binary = request.bodyBase64 !== null;
  const fileName = `${deliveryId}${index ? `-${index + 1}` : ""}.${binary ? "bin" : contentType.includes("json") ? "json" : "txt"}`;
  const download = () =>
    saveFile(fileName, binary ? Uint8Array.from(atob(request.bodyBase64!), (c) => c.charCodeAt(0)) : request.body, contentType);
  return (
    <div className="grid gap-2">
      <p className="font-mono text-xs break-all">
        <span className="font-semibold">{request.method}</span> {request.url}
      </p>
      <dl className="bg-muted/40 grid grid-cols-[minmax(6rem,auto)_1fr] gap-x-3 gap-y-0.5 rounded-md border p-2 font-mono text-xs" aria-label="Request headers">
        {Object.entries(request.headers).map(([name, value]) => (
          <React.Fragment key={name}>
            <dt className="text-muted-foreground">{name}</dt>
            <dd className="min-w-0 break-all">{value}</dd>
          </React.Fragment>
        ))}
      </dl>
      <pre className="bg-muted/40 max-h-80 overflow-auto rounded-md border p-2 font-mono text-xs whitespace-pre-wrap break-all" aria-label="Request body" tabIndex={0}>
        {shownBody(request)}
      </pre>
      <div className="flex flex-wrap items-center gap-2">
        {(!binary || request.bodyBase64) && (
          <Button variant="outline" size="sm" onClick={download}>
            <DownloadIcon aria-hidden /> Download body
          </Button>
        )}
        <CopyButton value={request.body} label="Copy body" size="sm" />
        <span className="text-muted-foreground text-xs">
          {formatBytes(request.bodyBytes)}
          {request.truncated && ` — cut: shown and downloadable up to its first ${formatBytes(request.body.length)}`}
        </span>
      </div>
    </div>
  );
}

function WhatIsSent({ detail }: { detail: DeliveryDetailView }) {
  const { sent } = detail;
  const note = (
    <>
      Re-encoded {sent.kind === "unavailable" ? "" : <>at {formatDateTime(sent.encodedAt)} </>}from the stored trace, alone, with this destination&apos;s
      current settings (privacy mode and metadata switches included), as its next delivery would send it. Batches are not stored: the request that
      carried it may have held other traces and been signed at another time. Secrets are masked.
    </>
  );
  return (
    <Section title="What is sent" description={note}>
      {sent.kind === "unavailable" ? (
        <p className="text-sm">{sent.reason}</p>
      ) : (
        <>
          {sent.refused && <p className="text-destructive text-sm">The platform would refuse this trace: {sent.refused}</p>}
          {sent.kind === "requests" ? (
            <>
              {sent.requests.map((request, i) => (
                <RequestView key={i} request={request} deliveryId={detail.id} index={i} />
              ))}
              {sent.more > 0 && <p className="text-muted-foreground text-xs">and {sent.more} more requests</p>}
            </>
          ) : (
            <>
              <p className="text-sm">This destination is written to through its SDK; this is the trace its transport receives.</p>
              <pre className="bg-muted/40 max-h-80 overflow-auto rounded-md border p-2 font-mono text-xs whitespace-pre-wrap break-all" tabIndex={0} aria-label="Trace sent">
                {sent.trace}
              </pre>
              <Button variant="outline" size="sm" className="justify-self-start" onClick={() => saveFile(`${detail.id}.json`, sent.trace, "application/json")}>
                <DownloadIcon aria-hidden /> Download
              </Button>
            </>
          )}
        </>
      )}
    </Section>
  );
}

function SendAgain({ detail, destinationId }: { detail: DeliveryDetailView; destinationId: string }) {
  const { workspaceId, canChange, proposes } = useBroadcastAccess();
  const queryClient = useQueryClient();
  const requeue = useMutation({
    mutationFn: () => observabilityApi.requeueDelivery(workspaceId, destinationId, detail.id),
    onSuccess: () => {
      toast.success("Trace queued again");
      return queryClient.invalidateQueries({ queryKey: observabilityKeys.all(workspaceId) });
    },
  });
  if (detail.status === "pending" || detail.status === "in_flight") {
    return <p className="text-muted-foreground text-sm">Waiting to be delivered: nothing to send again.</p>;
  }
  if (!canChange) return <p className="text-muted-foreground text-sm">Only members who may change broadcast settings can send a trace again.</p>;
  const retry = detail.status === "failed";
  const label = `${proposes ? "Propose " : ""}${retry ? (proposes ? "retry" : "Retry") : proposes ? "replaying this trace" : "Replay this trace"}`;
  return (
    <div className="grid gap-2">
      <div className="flex flex-wrap items-center gap-2">
        <Button onClick={() => requeue.mutate()} disabled={requeue.isPending} variant={retry ? "default" : "outline"}>
          {requeue.isPending ? <Loader2Icon className="animate-spin" aria-hidden /> : retry ? <RotateCcwIcon aria-hidden /> : <HistoryIcon aria-hidden />}
          {label}
        </Button>
        <span className="text-muted-foreground text-xs">
          {retry ? "Queues it for another attempt now" : "Sends it to this destination again"}, with the destination&apos;s current settings
          {proposes ? ", once an admin approves" : ""}.
        </span>
      </div>
      <FormError message={requeue.error && !isChangeProposed(requeue.error) ? errorMessage(requeue.error) : null} />
    </div>
  );
}

function DetailBody({ detail, destinationId }: { detail: DeliveryDetailView; destinationId: string }) {
  const failedAttempts = detail.attempts.filter((a) => !a.ok).length;
  return (
    <div className="grid gap-6 px-4 pb-6">
      <Section title="Status">
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <DeliveryStatusBadge status={detail.status} attempts={failedAttempts} />
          {detail.deliveredAt && (
            <span>
              Delivered <When at={detail.deliveredAt} />
            </span>
          )}
        </div>
        {detail.lastError && (
          <p className="text-sm break-words">
            <span className="text-muted-foreground">{detail.status === "failed" ? "Why it failed: " : "Last failure: "}</span>
            <span className="text-destructive">{detail.lastError}</span>
          </p>
        )}
        {detail.nextAttemptAt && (
          <p className="text-sm">
            <span className="text-muted-foreground">Next attempt: </span>
            <When at={detail.nextAttemptAt} />
          </p>
        )}
        <SendAgain detail={detail} destinationId={destinationId} />
      </Section>
      <Section title="Trace">
        <TraceSummary trace={detail.trace} />
      </Section>
      <Section title={`Attempts (${detail.attempts.length}${detail.moreAttempts ? "+, newest shown" : ""})`} description="Every request that carried this trace to the destination, newest first.">
        <AttemptList detail={detail} />
      </Section>
      <WhatIsSent detail={detail} />
    </div>
  );
}

/** One delivery of the log, in a drawer with a URL of its own (delivery-log.tsx opens and closes it). */
export function DeliveryDrawer({ destinationId, deliveryId, onClose }: { destinationId: string; deliveryId: string; onClose: () => void }) {
  const { workspaceId } = useBroadcastAccess();
  const detail = useQuery({
    queryKey: observabilityKeys.delivery(workspaceId, destinationId, deliveryId),
    queryFn: () => observabilityApi.delivery(workspaceId, destinationId, deliveryId),
    retry: (count, error) => !(error instanceof ApiClientError && error.status === 404) && count < 2,
    // While it waits, its next attempt settles it within seconds.
    refetchInterval: (q) => (q.state.data?.status === "pending" || q.state.data?.status === "in_flight" ? 3000 : false),
  });
  const notFound = detail.error instanceof ApiClientError && detail.error.status === 404;
  const trace = detail.data?.trace;
  return (
    <Sheet open onOpenChange={(open) => !open && onClose()}>
      <SheetContent className="w-full gap-0 overflow-y-auto sm:max-w-2xl">
        <SheetHeader className="pr-10">
          <SheetTitle>Delivery{trace?.name ? ` · ${trace.name}` : ""}</SheetTitle>
          <SheetDescription className="flex flex-wrap items-center gap-2 break-all">
            {trace ? (
              <>
                <code className="font-mono text-xs">{trace.externalId ?? trace.id}</code>
                {trace.isTest && <Badge variant="outline">test</Badge>}
              </>
            ) : (
              "The trace, every attempt, and what is sent"
            )}
          </SheetDescription>
        </SheetHeader>
        {detail.isPending ? (
          <div className="grid gap-4 px-4" role="status" aria-label="Loading delivery">
            <Skeleton className="h-16" />
            <Skeleton className="h-48" />
            <Skeleton className="h-32" />
          </div>
        ) : notFound ? (
          <div className="px-4">
            <EmptyState title="Delivery not found" description="This delivery does not exist here: its trace may have been deleted by retention, or the link belongs to another destination." />
          </div>
        ) : detail.isError ? (
          <div className="px-4">
            <ErrorState title="Could not load this delivery" message={errorMessage(detail.error)} onRetry={() => detail.refetch()} retrying={detail.isFetching} />
          </div>
        ) : (
          <DetailBody detail={detail.data} destinationId={destinationId} />
        )}
      </SheetContent>
    </Sheet>
  );
}
