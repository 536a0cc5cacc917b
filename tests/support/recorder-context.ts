// Runs a destination's `deliver` with the real DeliverContext, except that every request is
// re-pointed at the loopback recorder (path and query kept). For destinations whose host derives from
// config and cannot be a loopback URL (Snowflake: https://<account>.snowflakecomputing.com).
// Also the per-file recorder fixture of the native tests.
import { createDeliverContext } from "@/lib/destinations/http";
import type { DeliverContext } from "@/lib/destinations/types";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { startRecorder, type Recorder, type RecorderResponse } from "../receivers/recorder";

export async function viaRecorder(recorder: Recorder, run: (ctx: DeliverContext) => Promise<unknown>): Promise<string[]> {
  const ctx = createDeliverContext({ timeoutMs: 10_000 });
  const originalUrls: string[] = [];
  await run({
    ...ctx,
    send(req) {
      const url = new URL(req.url);
      originalUrls.push(req.url);
      return ctx.send({ ...req, url: `${recorder.url}${url.pathname}${url.search}` });
    },
  });
  return originalUrls;
}

/** A recorder for the whole test file, emptied and reset to `answer` before each test. */
export function useRecorder(answer: RecorderResponse): () => Recorder {
  let recorder: Recorder | undefined;
  beforeAll(async () => {
    recorder = await startRecorder();
  });
  afterAll(async () => {
    await recorder?.close();
  });
  beforeEach(() => {
    recorder!.requests.length = 0;
    recorder!.respond = () => answer;
  });
  return () => recorder!;
}
