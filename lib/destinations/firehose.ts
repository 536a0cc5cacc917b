// Amazon Data Firehose: trace documents (trace-document.ts, the S3 destination's) written to a
// Firehose stream through the official AWS SDK's PutRecordBatch, one record per trace, each record
// one NDJSON line (the trailing newline keeps records apart once Firehose concatenates them into
// S3 objects, Redshift loads, OpenSearch bulk requests…).
//
// Firehose's limits (they cannot be raised): at most 500 records and 4 MiB per call, at most
// 1,000 KiB per record before base64. A larger batch is split into several calls; a trace whose
// record alone exceeds 1,000 KiB fails permanently, alone.
//
// PutRecordBatch is not all-or-nothing: a 200 answer may say that some records failed
// (`FailedPutCount` > 0, an `ErrorCode` at their index in `RequestResponses`). Those traces, and
// only those, are reported undelivered (retryable), so the delivery queue retries just them. When
// no record was accepted at all the batch fails as a whole, so the circuit opens on a throttled
// or broken stream instead of retrying trace by trace.
// https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html
// https://docs.aws.amazon.com/firehose/latest/dev/limits.html
import { FirehoseClient, FirehoseServiceException, PutRecordBatchCommand, type PutRecordBatchResponseEntry } from "@aws-sdk/client-firehose";
import { z } from "zod";
import { addCustomHeaders, awsClientConfig, awsDeliveryError } from "./aws";
import { packBatches } from "./batching";
import { defineDestination, field } from "./define";
import { DeliveryError } from "@/lib/outbound/errors";
import { traceDocument } from "./trace-document";
import type { DeliverContext, OutboundTrace, TraceFailures } from "./types";

export const FIREHOSE_MAX_RECORDS = 500;
/** 4 MiB of record data per PutRecordBatch call. */
export const FIREHOSE_MAX_CALL_BYTES = 4 * 1024 * 1024;
/** 1,000 KiB per record, before base64. */
export const FIREHOSE_MAX_RECORD_BYTES = 1000 * 1024;

export type FirehoseRecord = { deliveryId: string; data: Buffer };

/** Pure: one NDJSON record per trace (what deliver puts; also what tests compare against). */
export function firehoseRecords(traces: OutboundTrace[]): FirehoseRecord[] {
  return traces.map((t) => ({ deliveryId: t.delivery_id, data: Buffer.from(`${JSON.stringify(traceDocument(t))}\n`, "utf8") }));
}

const PERMANENT_FIREHOSE_CODES: Record<string, string> = {
  ResourceNotFoundException: "the Firehose stream does not exist in this region",
  AccessDeniedException: "the credentials may not write to this stream (firehose:PutRecordBatch)",
  UnrecognizedClientException: "the access key id does not exist",
  InvalidSignatureException: "the secret access key is wrong",
  ExpiredTokenException: "the session token has expired",
  InvalidKMSResourceException: "the stream's KMS key cannot be used",
};

function firehoseError(err: unknown, ctx: DeliverContext, stream: string): DeliveryError {
  return awsDeliveryError(err, ctx, {
    exception: FirehoseServiceException,
    target: `the Firehose stream "${stream}"`,
    refused: `Firehose refused the records for "${stream}"`,
    permanent: PERMANENT_FIREHOSE_CODES,
  });
}

/** A record Firehose answered with an ErrorCode: throttled or failed inside the service, worth retrying. */
const recordError = (entry: PutRecordBatchResponseEntry, stream: string) =>
  new DeliveryError("http", `Firehose did not accept the record for "${stream}" (${entry.ErrorCode}${entry.ErrorMessage ? `: ${entry.ErrorMessage}` : ""})`, {
    retryable: true,
  });

export default defineDestination({
  type: "firehose",
  name: "Amazon Data Firehose",
  category: "Data warehouse & storage",
  description: "Trace documents as NDJSON records into a Firehose stream, on to S3, Redshift, OpenSearch, Splunk or Snowflake.",
  docsUrl: "https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html",
  config: z.object({
    streamName: field.text("Stream Name", {
      help: "The Firehose stream (Direct PUT source) that receives the records.",
      pattern: /^[a-zA-Z0-9_.-]+$/,
      patternMessage: "Stream Name may only contain letters, digits, _ . and -",
      max: 64,
    }),
    region: field.text("Region", { help: "The AWS region of the stream, e.g. us-east-1.", pattern: /^[a-z0-9-]+$/, max: 64, target: true }),
    accessKeyId: field.secret("Access Key Id", { help: "An IAM identity allowed firehose:PutRecordBatch on the stream." }),
    secretAccessKey: field.secret("Secret Access Key"),
    sessionToken: field.secret("Session Token", { help: "Only for temporary credentials." }).optional(),
    endpoint: field.url("Custom Endpoint", { help: "Only for a VPC interface endpoint or a Firehose-compatible service. Leave blank for AWS." }).optional(),
    headers: field.headers(),
  }),
  maxBatch: FIREHOSE_MAX_RECORDS,
  async deliver(traces, config, ctx): Promise<TraceFailures> {
    const failures: TraceFailures = new Map();
    const records = firehoseRecords(traces).filter((record) => {
      if (record.data.byteLength <= FIREHOSE_MAX_RECORD_BYTES) return true;
      const message = `The trace encodes to a ${record.data.byteLength}-byte record, over Firehose's ${FIREHOSE_MAX_RECORD_BYTES}-byte (1,000 KiB) record limit`;
      failures.set(record.deliveryId, new DeliveryError("encode", message, { retryable: false }));
      return false;
    });
    if (records.length === 0) return failures;

    const client = new FirehoseClient({ ...awsClientConfig(ctx, config), region: config.region, endpoint: config.endpoint });
    addCustomHeaders(client, config.headers);
    let accepted = 0;
    let firstError: DeliveryError | undefined;
    try {
      for (const call of packBatches(records, { maxItems: FIREHOSE_MAX_RECORDS, maxBytes: FIREHOSE_MAX_CALL_BYTES }, (r) => r.data.byteLength).batches) {
        try {
          const answer = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: config.streamName, Records: call.map((r) => ({ Data: r.data })) }), {
            abortSignal: ctx.signal,
          });
          // RequestResponses has one entry per record, in the order sent.
          const entries = answer.RequestResponses ?? [];
          call.forEach((record, i) => {
            const entry = entries[i];
            if (entry?.ErrorCode) failures.set(record.deliveryId, recordError(entry, config.streamName));
            else if (entry?.RecordId) accepted++;
            else failures.set(record.deliveryId, new DeliveryError("http", `Firehose's answer says nothing about record ${i + 1} for "${config.streamName}"`, { retryable: true }));
          });
        } catch (err) {
          const error = firehoseError(err, ctx, config.streamName);
          firstError ??= error;
          for (const record of call) failures.set(record.deliveryId, error);
        }
      }
    } finally {
      client.destroy();
    }
    if (accepted === 0) {
      // Nothing got through: the stream (or the credentials) failed, not individual records.
      throw firstError ?? [...failures.values()].find((e) => e.kind !== "encode") ?? new DeliveryError("http", `Firehose accepted no record for "${config.streamName}"`, { retryable: true });
    }
    return failures;
  },
});
