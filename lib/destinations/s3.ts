// S3 and S3-compatible storage (AWS, Cloudflare R2, MinIO, …) through the official AWS SDK PutObject.
// Each object holds the trace document of trace-document.ts (Langfuse-like trace + observations).
//
// Formats:
//   ndjson (default) one object per delivery batch and path, one trace per line:
//                    <path>/<unix seconds of the earliest trace>-<batch id>.ndjson
//   json             one object per trace, OpenRouter's layout: <path>/<trace id>-<unix seconds>.json
// <path> is `pathTemplate` with {prefix} {date} {year} {month} {day} {apiKeyName} filled from the
// trace's start (UTC); every path segment is sanitized to [A-Za-z0-9._-]. Keys are deterministic (the
// batch id hashes the delivery ids), so a retry overwrites the same object instead of adding one.
//
// Default prefix: `tracecast-traces`, not OpenRouter's `openrouter-traces` — objects written by
// Tracecast should not claim to come from OpenRouter; users moving an existing OpenRouter layout over
// set `prefix` explicitly (every other key and the template variables are OpenRouter's).
import { PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { z } from "zod";
import { addCustomHeaders, awsClientConfig, awsDeliveryError } from "./aws";
import { defineDestination, field } from "./define";
import { DeliveryError } from "@/lib/outbound/errors";
import { sha256Hex } from "@/lib/hash";
import { transportError } from "@/lib/outbound/sdk-errors";
import { traceDocument } from "./trace-document";
import type { OutboundTrace } from "./types";

const MAX_BATCH = 100;
/** PutObject calls in flight at once for the `json` format. */
const PUT_CONCURRENCY = 8;
const TEMPLATE_VARIABLES = ["prefix", "date", "year", "month", "day", "apiKeyName"] as const;

export type S3Object = { key: string; body: string; contentType: string; traceCount: number };

/** A path segment safe in any S3-compatible store and in Hive/Athena-style partition layouts. */
function sanitizeSegment(segment: string): string {
  return segment.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+$/, "_");
}

export function resolvePath(template: string, vars: Record<(typeof TEMPLATE_VARIABLES)[number], string>): string {
  const filled = template.replace(/\{(\w+)\}/g, (_, name: string) => vars[name as keyof typeof vars]);
  return filled
    .split("/")
    .filter((s) => s.length > 0)
    .map(sanitizeSegment)
    .join("/");
}

function pathFor(t: OutboundTrace, config: { prefix: string; pathTemplate: string }): string {
  const iso = t.timing.start; // ISO-8601 UTC
  const [year, month, day] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  return resolvePath(config.pathTemplate, { prefix: config.prefix, date: `${year}-${month}-${day}`, year, month, day, apiKeyName: t.api_key_name ?? "unknown" });
}

const unixSeconds = (t: OutboundTrace) => Math.floor(Date.parse(t.timing.start) / 1000);

/** Pure: the objects a batch becomes (what deliver PUTs; also what tests compare against). */
export function s3Objects(traces: OutboundTrace[], config: { prefix: string; pathTemplate: string; format: "ndjson" | "json" }): S3Object[] {
  if (config.format === "json") {
    return traces.map((t) => ({
      key: `${pathFor(t, config)}/${sanitizeSegment(t.id)}-${unixSeconds(t)}.json`,
      body: JSON.stringify(traceDocument(t)),
      contentType: "application/json",
      traceCount: 1,
    }));
  }
  const byPath = new Map<string, OutboundTrace[]>();
  for (const t of traces) {
    const path = pathFor(t, config);
    byPath.set(path, [...(byPath.get(path) ?? []), t]);
  }
  return [...byPath].map(([path, group]) => {
    const batchId = sha256Hex(group.map((t) => t.delivery_id).join("\n")).slice(0, 16);
    const earliest = Math.min(...group.map(unixSeconds));
    return {
      key: `${path}/${earliest}-${batchId}.ndjson`,
      body: group.map((t) => `${JSON.stringify(traceDocument(t))}\n`).join(""),
      contentType: "application/x-ndjson",
      traceCount: group.length,
    };
  });
}

const PERMANENT_S3_CODES: Record<string, string> = {
  SignatureDoesNotMatch: "the secret access key is wrong",
  InvalidAccessKeyId: "the access key id does not exist",
  AccessDenied: "the credentials may not write to this bucket (s3:PutObject)",
  NoSuchBucket: "the bucket does not exist",
  InvalidBucketName: "the bucket name is invalid",
  PermanentRedirect: "the bucket is in another region or needs another endpoint",
  AuthorizationHeaderMalformed: "the region does not match the bucket's region",
  ExpiredToken: "the session token has expired",
  InvalidToken: "the session token is invalid",
};

export function s3DeliveryError(err: unknown, ctx: Parameters<typeof awsDeliveryError>[1], bucket: string): DeliveryError {
  return awsDeliveryError(err, ctx, { exception: S3ServiceException, target: `the S3 bucket "${bucket}"`, refused: `S3 refused the upload to "${bucket}"`, permanent: PERMANENT_S3_CODES });
}

async function inParallel<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export default defineDestination({
  type: "s3",
  name: "S3 / S3-compatible",
  category: "Data warehouse & storage",
  description: "JSON trace documents in Amazon S3, Cloudflare R2, MinIO or any S3-compatible bucket.",
  docsUrl: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html",
  config: z
    .object({
      bucketName: field.text("Bucket Name", { pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, patternMessage: "Bucket Name is not a valid S3 bucket name", max: 63 }),
      region: field
        .text("Region", { help: "Leave blank for AWS (the bucket's region is detected); R2 uses auto.", pattern: /^[a-z0-9-]+$/, max: 64, target: true })
        .optional(),
      endpoint: field.url("Custom Endpoint", { help: "For R2, MinIO and other S3-compatible stores (path-style). Leave blank for AWS S3." }).optional(),
      accessKeyId: field.secret("Access Key Id"),
      secretAccessKey: field.secret("Secret Access Key"),
      sessionToken: field.secret("Session Token", { help: "Only for temporary credentials." }).optional(),
      prefix: field.text("Prefix", { help: "Fills {prefix} in the path template." }).default("tracecast-traces"),
      pathTemplate: field
        .text("Path Template", { help: "Variables: {prefix} {date} {year} {month} {day} {apiKeyName}." })
        .refine((t) => [...t.matchAll(/\{(\w*)\}/g)].every((m) => (TEMPLATE_VARIABLES as readonly string[]).includes(m[1])), {
          message: `Path Template may only use ${TEMPLATE_VARIABLES.map((v) => `{${v}}`).join(" ")}`,
        })
        .default("{prefix}/{date}"),
      format: field
        .select("Format", ["ndjson", "json"], { labels: { ndjson: "NDJSON, one object per batch", json: "JSON, one object per trace" } })
        .default("ndjson"),
      headers: field.headers(),
    }),
  maxBatch: MAX_BATCH,
  async deliver(traces, config, ctx) {
    const client = new S3Client({
      ...awsClientConfig(ctx, config),
      region: config.region ?? "us-east-1",
      endpoint: config.endpoint,
      forcePathStyle: config.endpoint !== undefined,
      followRegionRedirects: true,
      // Some S3-compatible stores reject the SDK's default CRC32 trailers.
      requestChecksumCalculation: "WHEN_REQUIRED",
    });
    addCustomHeaders(client, config.headers);
    try {
      await inParallel(s3Objects(traces, config), PUT_CONCURRENCY, async (object) => {
        try {
          await client.send(new PutObjectCommand({ Bucket: config.bucketName, Key: object.key, Body: object.body, ContentType: object.contentType }), {
            abortSignal: ctx.requestSignal(),
          });
        } catch (err) {
          throw s3DeliveryError(err, ctx, config.bucketName);
        }
      });
    } finally {
      client.destroy();
    }
  },
});
