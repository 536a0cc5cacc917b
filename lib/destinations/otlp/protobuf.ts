// OTLP/protobuf written directly: ExportTraceServiceRequest → bytes, field by field, without
// building protobufjs message objects (which cost two thirds of the encoding: ids and int64
// strings converted through Long, strings through a JavaScript UTF-8 writer). The output is the
// bytes protobufjs writes from the official .proto (tests/destinations/otlp/wire.test.ts compares them), in
// the same field order, with one deliberate difference: a lone UTF-16 surrogate becomes U+FFFD
// (valid UTF-8, what JSON.stringify and Buffer do) instead of invalid bytes a collector refuses.
//
// Field numbers: opentelemetry/proto/{collector/trace,trace,common,resource}/v1 (lib/destinations/otlp/proto).
import type { AnyValue, KeyValue, OtlpSpan } from "./shapes";

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;

/** Strings shorter than this encode to at most 126 bytes: their length fits one varint byte. */
const SHORT_STRING = 43;
/** A scratch buffer larger than this after an encode is dropped rather than kept for the next. */
const KEPT_SCRATCH_BYTES = 4 * 2 ** 20;

const varintSize = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

/**
 * A growable byte buffer with protobuf primitives. Nested messages reserve one length byte and
 * move their content when it turns out longer than 127 bytes (`begin`/`end`): one pass, and only
 * large messages pay a copy.
 */
export class ProtoWriter {
  private buf: Buffer;
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** Field numbers here are all below 16: one tag byte. */
  private tag(field: number, wireType: number): void {
    this.buf[this.pos++] = (field << 3) | wireType;
  }

  /** A non-negative integer below 2^53. */
  private varint(n: number): void {
    const buf = this.buf;
    while (n > 0x7f) {
      buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[this.pos++] = n;
  }

  /** Starts a length-delimited field; returns where its content starts, for `end`. */
  begin(field: number): number {
    this.ensure(2);
    this.tag(field, LENGTH_DELIMITED);
    this.pos++; // the length, one byte until end() knows better
    return this.pos;
  }

  end(start: number): void {
    const length = this.pos - start;
    if (length < 0x80) {
      this.buf[start - 1] = length;
      return;
    }
    const extra = varintSize(length) - 1;
    this.ensure(extra);
    this.buf.copyWithin(start + extra, start, this.pos);
    const contentEnd = this.pos + extra;
    this.pos = start - 1;
    this.varint(length);
    this.pos = contentEnd;
  }

  string(field: number, value: string): void {
    const n = value.length;
    if (n < SHORT_STRING) {
      this.ensure(2 + n * 3);
      this.tag(field, LENGTH_DELIMITED);
      const buf = this.buf;
      const start = this.pos + 1;
      let p = start;
      for (let i = 0; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) {
          p = start + buf.write(value, start, "utf8");
          break;
        }
        buf[p++] = c;
      }
      buf[start - 1] = p - start;
      this.pos = p;
      return;
    }
    const bytes = Buffer.byteLength(value, "utf8");
    this.ensure(6 + bytes);
    this.tag(field, LENGTH_DELIMITED);
    this.varint(bytes);
    this.pos += this.buf.write(value, this.pos, bytes, "utf8");
  }

  /** A bytes field given as hex (OTLP ids). */
  hexBytes(field: number, hex: string): void {
    const bytes = hex.length >>> 1;
    this.ensure(6 + bytes);
    this.tag(field, LENGTH_DELIMITED);
    this.varint(bytes);
    const written = this.buf.write(hex, this.pos, bytes, "hex");
    // Buffer stops at the first non-hex character: the length written above would then lie.
    if (written !== bytes || hex.length !== bytes * 2) throw new Error(`"${hex}" is not an even-length hex id`);
    this.pos += written;
  }

  /** An enum or uint32 field. */
  uint(field: number, value: number): void {
    this.ensure(11);
    this.tag(field, VARINT);
    this.varint(value);
  }

  bool(field: number, value: boolean): void {
    this.ensure(2);
    this.tag(field, VARINT);
    this.buf[this.pos++] = value ? 1 : 0;
  }

  /** An int64 field given as a decimal string (how OTLP/JSON carries it), exact over the whole range. */
  int64(field: number, decimal: string): void {
    this.ensure(11);
    this.tag(field, VARINT);
    const n = Number(decimal);
    if (n >= 0 && Number.isSafeInteger(n)) return this.varint(n);
    // Negative (ten bytes of two's complement) or beyond 2^53: exact with BigInt.
    let v = BigInt.asUintN(64, BigInt(decimal));
    while (v > 0x7fn) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  /** A fixed64 field given as a decimal string (OTLP timestamps in nanoseconds). */
  fixed64(field: number, decimal: string): void {
    this.ensure(9);
    this.tag(field, FIXED64);
    // The spans of a trace share their timestamps: parse each distinct one once.
    if (decimal !== this.lastFixed64) {
      this.lastFixed64 = decimal;
      this.lastFixed64Value = BigInt.asUintN(64, BigInt(decimal));
    }
    this.buf.writeBigUInt64LE(this.lastFixed64Value, this.pos);
    this.pos += 8;
  }
  private lastFixed64 = "0";
  private lastFixed64Value = 0n;

  double(field: number, value: number): void {
    this.ensure(9);
    this.tag(field, FIXED64);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** Already-encoded fields, appended as they are. */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.byteLength);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.byteLength;
  }

  /** A copy of what was written, and the writer emptied for the next message. */
  finish(): Buffer {
    const out = Buffer.allocUnsafeSlow(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    if (this.buf.length > KEPT_SCRATCH_BYTES) this.buf = Buffer.allocUnsafe(64 * 1024);
    return out;
  }
}

// AnyValue: string_value 1, bool_value 2, int_value 3, double_value 4, array_value 5 (ArrayValue: values 1).
function writeAnyValue(w: ProtoWriter, value: AnyValue): void {
  if ("stringValue" in value) w.string(1, value.stringValue);
  else if ("intValue" in value) w.int64(3, value.intValue);
  else if ("doubleValue" in value) w.double(4, value.doubleValue);
  else if ("boolValue" in value) w.bool(2, value.boolValue);
  else {
    const array = w.begin(5);
    for (const item of value.arrayValue.values) {
      const start = w.begin(1);
      writeAnyValue(w, item);
      w.end(start);
    }
    w.end(array);
  }
}

// KeyValue: key 1, value 2.
export function writeKeyValues(w: ProtoWriter, field: number, attributes: readonly KeyValue[]): void {
  for (const kv of attributes) {
    const start = w.begin(field);
    w.string(1, kv.key);
    const value = w.begin(2);
    writeAnyValue(w, kv.value);
    w.end(value);
    w.end(start);
  }
}

/**
 * One Span as ScopeSpans field 2. Span: trace_id 1, span_id 2, parent_span_id 4, name 5, kind 6,
 * start 7, end 8, attributes 9, status 15 (Status: message 2, code 3).
 */
export function writeSpan(w: ProtoWriter, span: OtlpSpan): void {
  const start = w.begin(2);
  w.hexBytes(1, span.traceId);
  w.hexBytes(2, span.spanId);
  if (span.parentSpanId) w.hexBytes(4, span.parentSpanId);
  w.string(5, span.name);
  w.uint(6, span.kind);
  w.fixed64(7, span.startTimeUnixNano);
  w.fixed64(8, span.endTimeUnixNano);
  writeKeyValues(w, 9, span.attributes);
  if (span.status) {
    const status = w.begin(15);
    if (span.status.message !== undefined) w.string(2, span.status.message);
    w.uint(3, span.status.code);
    w.end(status);
  }
  w.end(start);
}

/** The writer every encode shares (encoding is synchronous, so one at a time). */
export const protoWriter = new ProtoWriter();
