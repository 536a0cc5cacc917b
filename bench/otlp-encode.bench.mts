// OTLP encode throughput: traces/s on one core (the encoder is synchronous, so one loop = one core)
// for OTLP/JSON, OTLP/protobuf and protobuf + gzip, in batches of 100 traces as delivery sends them.
// Writes its section of docs/benchmarks.md ("## OTLP encode"), leaving the other sections alone,
// and returns the figures to bench/run.mts (`npm run bench -- otlp-encode`).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { encodeOtlpJson, encodeOtlpProtobuf, otlpRequests, tracesToOtlp } from "../lib/destinations/otlp";
import type { OutboundTrace } from "../lib/destinations/types";
import { outbound, sampleTrace } from "../lib/traces/fixtures";

const BATCH = 100;
const RUN_MS = Number(process.env.BENCH_MS ?? 2000);
const SECTION = "## OTLP encode";

/** Deterministic filler text, different per trace, so gzip sees realistic (not repeated) content. */
function prose(seed: number, words: number): string {
  const vocabulary = ["weather", "forecast", "rain", "city", "tomorrow", "temperature", "wind", "sunny", "cloudy", "humidity", "week", "Paris", "Berlin", "storm"];
  let x = seed * 2654435761;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(vocabulary[x % vocabulary.length] + (x % 7 === 0 ? String(x % 100) : ""));
  }
  return out.join(" ");
}

/** A batch of distinct, realistic traces (own ids, content and usage), 10 traces per shared trace_id. */
const batch: OutboundTrace[] = Array.from({ length: BATCH }, (_, i) => {
  const base = sampleTrace();
  return outbound(
    sampleTrace({
      id: `gen-bench-${i}`,
      trace: { ...base.trace, trace_id: `trace-bench-${i % 10}` },
      request: { ...base.request, messages: [base.request.messages[0], { role: "user", content: prose(i, 60) }] },
      response: { ...base.response, messages: [{ role: "assistant", content: prose(i + 1000, 120) }] },
      usage: { ...base.usage, input_tokens: 80 + i, output_tokens: 160 + i, total_tokens: 240 + 2 * i },
    }),
    1,
    `dlv-${i}`,
  );
});

type Case = { name: string; encode: () => string | Uint8Array };
const SPLIT_BYTES = 100_000;
/** The requests' bodies, end to end (what goes on the wire). */
const requestBytes = (requests: { body: string | Uint8Array }[]) => Buffer.concat(requests.map((r) => Buffer.from(r.body)));
const cases: Case[] = [
  { name: "OTLP/JSON", encode: () => encodeOtlpJson(tracesToOtlp(batch)) },
  { name: "OTLP/protobuf", encode: () => encodeOtlpProtobuf(tracesToOtlp(batch)) },
  { name: "OTLP/protobuf + gzip", encode: () => gzipSync(encodeOtlpProtobuf(tracesToOtlp(batch))) },
  // A batch larger than the platform's request limit: split into requests of at most SPLIT_BYTES.
  {
    name: `OTLP/protobuf + gzip, ${SPLIT_BYTES / 1000} KB requests`,
    encode: () => requestBytes(otlpRequests(batch, { url: "http://127.0.0.1/v1/traces", encoding: "protobuf", gzip: true, headers: {}, serviceName: undefined, limits: { maxBytes: SPLIT_BYTES } })),
  },
];

const size = (body: string | Uint8Array) => (typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);

function measure(c: Case): { tracesPerSecond: number; bytesPerTrace: number } {
  const bytes = size(c.encode()); // warm-up: loads the protos, lets the JIT settle
  for (let i = 0; i < 20; i++) c.encode();
  let batches = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < RUN_MS) {
    c.encode();
    batches++;
    elapsed = performance.now() - started;
  }
  return { tracesPerSecond: (batches * BATCH * 1000) / elapsed, bytesPerTrace: bytes / BATCH };
}

function report(results: { name: string; tracesPerSecond: number; bytesPerTrace: number }[]): string[] {
  const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
  return [
    SECTION,
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} with \`bench/otlp-encode.bench.mts\`: \`tracesToOtlp\` + encode (+ gzip) of batches of ${BATCH} sample traces`,
    "(3 spans each: trace → span → generation with 5, 5 and 32 attributes; a 60-word prompt and a 120-word answer), one synchronous loop, i.e. one core.",
    "The machine is shared (2 cores, several concurrent workloads), so treat the figures as lower bounds.",
    "",
    `Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.platform()} ${os.release()}, Node ${process.version}, load average ${os.loadavg()[0].toFixed(2)}.`,
    "",
    "| Encoding | traces/s per core | bytes per trace |",
    "|---|---:|---:|",
    ...results.map((r) => `| ${r.name} | ${Math.round(r.tracesPerSecond).toLocaleString("en-US")} | ${Math.round(r.bytesPerTrace).toLocaleString("en-US")} |`),
    "",
  ];
}

/** Replaces this benchmark's section of docs/benchmarks.md (or appends it), keeping every other section. */
function writeSection(file: string, section: string[]) {
  const existing = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Benchmarks\n\n";
  const start = existing.indexOf(`${SECTION}\n`);
  let next: string;
  if (start === -1) {
    next = `${existing.replace(/\n*$/, "\n\n")}${section.join("\n")}`;
  } else {
    const after = existing.indexOf("\n## ", start + SECTION.length);
    next = `${existing.slice(0, start)}${section.join("\n")}${after === -1 ? "" : existing.slice(after)}`;
  }
  fs.writeFileSync(file, next);
}

export default async function otlpEncodeBenchmark() {
  const results = cases.map((c) => ({ name: c.name, ...measure(c) }));
  const lines = report(results);
  console.log(lines.join("\n"));
  writeSection(path.join(process.cwd(), "docs/benchmarks.md"), lines);
  return { batchSize: BATCH, runMsPerCase: RUN_MS, results };
}
