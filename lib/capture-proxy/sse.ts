// Server-sent events split at their blank-line boundary, on the side of the bytes relayed to the
// caller: each event's exact bytes (so the relay can pass them on unchanged) and its data.
const LF = 0x0a;
const CR = 0x0d;

export type SseEvent = {
  /** The event's exact bytes, terminating blank line included. */
  raw: Buffer;
  /** The event's data (its `data:` lines joined by "\n"), or null when it has none. */
  data: string | null;
};

/** Splits a server-sent-event byte stream into events. Holds back only an unfinished event. */
export class SseSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): SseEvent[] {
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const events: SseEvent[] = [];
    let start = 0;
    // A blank line ends an event: LF LF, or CRLF CRLF (LF CR LF once the first CR is consumed).
    for (let i = buf.indexOf(LF); i !== -1 && i < buf.length - 1; i = buf.indexOf(LF, i + 1)) {
      let end = -1;
      if (buf[i + 1] === LF) end = i + 2;
      else if (buf[i + 1] === CR && buf[i + 2] === LF) end = i + 3;
      if (end === -1) continue;
      const raw = buf.subarray(start, end);
      events.push({ raw, data: dataOf(raw) });
      start = end;
      i = end - 1;
    }
    this.pending = start === 0 ? buf : buf.subarray(start);
    return events;
  }

  /** The bytes of an event the stream never finished. */
  rest(): Buffer {
    return this.pending;
  }
}

function dataOf(raw: Buffer): string | null {
  const lines: string[] = [];
  for (const line of raw.toString("utf8").split(/\r?\n/)) {
    if (line === "data" || line.startsWith("data:")) lines.push(line.slice(5).replace(/^ /, ""));
  }
  return lines.length ? lines.join("\n") : null;
}
