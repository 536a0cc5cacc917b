// A local Amazon Data Firehose for tests: PutRecordBatch over the AWS JSON 1.1 protocol on
// 127.0.0.1 (port 0). It verifies each request's SigV4 signature with its own implementation of
// the algorithm (node:crypto, not the SDK's signer, so a signing mistake cannot cancel itself out),
// enforces the service's documented limits, and answers in the service's wire shape: records
// accepted with a RecordId, or refused one by one with an ErrorCode (partial failure), or the
// whole call refused with `__type` / `message`.
// https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
import { createHash, createHmac, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export const FIREHOSE_CREDENTIALS = { accessKeyId: "AKIAFIREHOSETEST0001", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFIREHOSE01" } as const;
export const FIREHOSE_REGION = "eu-west-1";

export type FirehoseCall = {
  stream: string;
  /** Each record's data, base64-decoded. */
  records: Buffer[];
  headers: http.IncomingHttpHeaders;
  signedHeaders: string[];
  bodyBytes: number;
};

export type FirehoseReceiver = {
  endpoint: string;
  /** Calls whose signature verified and that were answered 200, in order. */
  calls: FirehoseCall[];
  /** Every record accepted, per stream. */
  accepted(stream: string): Buffer[];
  /** Decides, per record of the next calls, an ErrorCode to refuse it with (undefined: accept). */
  refuseRecord: ((data: Buffer, index: number) => string | undefined) | undefined;
  /** Answers the next calls with this error instead (then back to normal). */
  failCalls: { status: number; type: string; message: string }[];
  close(): Promise<void>;
};

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

/** The SigV4 Authorization value for this request, as the service computes it. */
export function expectedAuthorization(
  req: { method: string; path: string; headers: http.IncomingHttpHeaders; body: Buffer },
  signedHeaders: string[],
  credential: { accessKeyId: string; secretAccessKey: string },
  scope: { date: string; region: string; service: string },
): string {
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${String(req.headers[name] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
  const [path, query = ""] = req.path.split("?");
  const canonicalQuery = query
    .split("&")
    .filter(Boolean)
    .sort()
    .join("&");
  const canonicalRequest = [req.method, path, canonicalQuery, canonicalHeaders, signedHeaders.join(";"), sha256(req.body)].join("\n");
  const amzDate = String(req.headers["x-amz-date"]);
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, credentialScope, sha256(canonicalRequest)].join("\n");
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${credential.secretAccessKey}`, scope.date), scope.region), scope.service), "aws4_request");
  const signature = createHmac("sha256", signingKey).update(stringToSign).digest("hex");
  return `AWS4-HMAC-SHA256 Credential=${credential.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`;
}

const MAX_RECORDS = 500;
const MAX_CALL_BYTES = 4 * 1024 * 1024;
const MAX_RECORD_BYTES = 1000 * 1024;

export async function startFirehoseReceiver(streams: string[], credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = FIREHOSE_CREDENTIALS): Promise<FirehoseReceiver> {
  const calls: FirehoseCall[] = [];
  const stored = new Map<string, Buffer[]>(streams.map((s) => [s, []]));
  const receiver: Omit<FirehoseReceiver, "endpoint" | "close"> = {
    calls,
    accepted: (stream) => stored.get(stream) ?? [],
    refuseRecord: undefined,
    failCalls: [],
  };

  const answer = (res: http.ServerResponse, status: number, body: unknown, errorType?: string) => {
    res.writeHead(status, {
      "content-type": "application/x-amz-json-1.1",
      "x-amzn-requestid": randomUUID(),
      ...(errorType ? { "x-amzn-errortype": errorType } : {}),
    });
    res.end(JSON.stringify(body));
  };
  const refuse = (res: http.ServerResponse, status: number, type: string, message: string) => answer(res, status, { __type: type, message }, type);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(String(req.headers.authorization ?? ""));
      if (!auth) return refuse(res, 400, "IncompleteSignatureException", "Authorization header is missing or malformed");
      const [, accessKeyId, date, region, service, signed] = auth;
      const signedHeaders = signed.split(";");
      if (accessKeyId !== credentials.accessKeyId) return refuse(res, 400, "UnrecognizedClientException", "The security token included in the request is invalid.");
      const expected = expectedAuthorization({ method: req.method ?? "", path: req.url ?? "/", headers: req.headers, body }, signedHeaders, credentials, { date, region, service });
      if (
        req.headers.authorization !== expected ||
        service !== "firehose" ||
        region !== FIREHOSE_REGION ||
        !signedHeaders.includes("host") ||
        !signedHeaders.includes("x-amz-target") ||
        (credentials.sessionToken !== undefined && (req.headers["x-amz-security-token"] !== credentials.sessionToken || !signedHeaders.includes("x-amz-security-token")))
      ) {
        return refuse(res, 400, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided.");
      }
      if (req.headers["x-amz-target"] !== "Firehose_20150804.PutRecordBatch" || req.headers["content-type"] !== "application/x-amz-json-1.1") {
        return refuse(res, 400, "UnknownOperationException", "Only PutRecordBatch is implemented here");
      }
      const injected = receiver.failCalls.shift();
      if (injected) return refuse(res, injected.status, injected.type, injected.message);

      const input = JSON.parse(body.toString("utf8")) as { DeliveryStreamName?: string; Records?: { Data?: string }[] };
      const stream = input.DeliveryStreamName ?? "";
      const target = stored.get(stream);
      if (!target) return refuse(res, 400, "ResourceNotFoundException", `Firehose ${stream} under account 123456789012 not found.`);
      const records = (input.Records ?? []).map((r) => Buffer.from(r.Data ?? "", "base64"));
      if (records.length === 0 || records.length > MAX_RECORDS) return refuse(res, 400, "InvalidArgumentException", `Records must contain 1 to ${MAX_RECORDS} items`);
      if (records.some((r) => r.byteLength > MAX_RECORD_BYTES)) return refuse(res, 400, "InvalidArgumentException", "Record size exceeds 1000 KiB");
      if (records.reduce((n, r) => n + r.byteLength, 0) > MAX_CALL_BYTES) return refuse(res, 413, "InvalidArgumentException", "Request exceeds 4 MiB");

      calls.push({ stream, records, headers: req.headers, signedHeaders, bodyBytes: body.byteLength });
      const responses = records.map((data, index) => {
        const errorCode = receiver.refuseRecord?.(data, index);
        if (errorCode) return { ErrorCode: errorCode, ErrorMessage: errorCode === "ServiceUnavailableException" ? "Slow down." : "An internal failure occurred." };
        target.push(data);
        return { RecordId: randomUUID().replaceAll("-", "") };
      });
      answer(res, 200, { FailedPutCount: responses.filter((r) => "ErrorCode" in r).length, Encrypted: false, RequestResponses: responses });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return Object.assign(receiver, {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
