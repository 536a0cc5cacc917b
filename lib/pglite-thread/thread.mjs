// The embedded database's thread (started by ./index.ts): PGlite, spoken to over the PostgreSQL
// wire protocol. Plain JavaScript loaded by worker_threads at run time, not bundled by Next.js.
//
// Each connection arrives as a MessagePort; the bytes a client writes come in as messages, are
// cut into protocol messages and run through PGlite's protocol loop (synchronously: this thread
// has nothing else to do), and the bytes PGlite answers go back on the same port. PGlite is one
// session, so the client side opens one connection at a time (a pool of one), and each new
// connection starts from a clean session, as a new backend would.
import { parentPort, workerData } from "node:worker_threads";
import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";

/** @type {{ dataDir: string; seedPath?: string; slowStatementMs?: number; slowStatementPlans?: boolean; sharedBuffers?: string }} */
const { dataDir, seedPath, slowStatementMs, slowStatementPlans, sharedBuffers } = workerData;
const explainSlow = slowStatementMs > 0 && slowStatementPlans === true;
const db = await PGlite.create(dataDir, {
  ...(explainSlow ? { extensions: { auto_explain: (await import("@electric-sql/pglite/contrib/auto_explain")).auto_explain } } : {}),
  ...(seedPath ? { loadDataDir: new Blob([fs.readFileSync(seedPath)]) } : {}),
  ...(sharedBuffers ? { startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${sharedBuffers}`] } : {}),
});

/** The protocol version 3.0 code that follows the length of a StartupMessage (which has no type byte). */
const PROTOCOL_3_0 = 196608;
/** Terminate ("X"): the client closes the connection; the session stays, for the next one. */
const TERMINATE = 0x58;

/** A simple-protocol Query message. */
function queryMessage(sql) {
  const text = Buffer.from(`${sql}\0`);
  const message = Buffer.alloc(5 + text.length);
  message[0] = 0x51; // "Q"
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return message;
}

/** What a new backend would start from: no open transaction, prepared statements, settings or temporary tables. */
const RESET_SESSION = [queryMessage("ROLLBACK"), queryMessage("DISCARD ALL")];

/**
 * With slowStatementPlans: PostgreSQL's auto_explain gives the plan of every statement slower than
 * the slow-statement log's threshold, a function's own statements included (how a plan kept by
 * the session's plan cache shows), as notices to the client; they are logged here.
 */
const EXPLAIN_SLOW = [
  "LOAD 'auto_explain'",
  `SET auto_explain.log_min_duration = ${Math.round(slowStatementMs)}`,
  "SET auto_explain.log_nested_statements = on",
  "SET auto_explain.log_parameter_max_length = 0",
  "SET client_min_messages = log",
].map(queryMessage);

const NOTICE = 0x4e;
const decoder = new TextDecoder();

/** The message fields ("M": the text) of the notices in a reply. */
function logNotices(reply) {
  const bytes = Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
  for (let offset = 0; offset + 5 <= bytes.length; offset += 1 + bytes.readInt32BE(offset + 1)) {
    if (bytes[offset] !== NOTICE) continue;
    const fields = decoder.decode(bytes.subarray(offset + 5, offset + 1 + bytes.readInt32BE(offset + 1))).split("\0");
    const text = fields.find((field) => field.startsWith("M"));
    if (text) console.warn(`[pglite-thread] ${text.slice(1)}`);
  }
}

/** The length of the complete protocol message at the start of `buffer`, or 0 if it has not all arrived. */
function completeMessageLength(buffer) {
  if (buffer.length >= 8 && buffer[0] === 0 && buffer.readInt32BE(4) === PROTOCOL_3_0) {
    const length = buffer.readInt32BE(0);
    return buffer.length >= length ? length : 0;
  }
  if (buffer.length < 5) return 0;
  const length = 1 + buffer.readInt32BE(1);
  return buffer.length >= length ? length : 0;
}

/** The chunks in one new Uint8Array (Buffer.concat may return a slice of Node's shared pool, which cannot be transferred). */
function joined(chunks) {
  const all = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

/**
 * Runs one protocol message through PGlite; its answer's bytes are appended to `into` (copies:
 * PGlite hands out views of its own memory). Through execProtocolRawStream's writer rather than
 * execProtocolRawSync's answer: the latter also parses every answer into the state of PGlite's own
 * query API, which only that API resets, so each row ever answered stayed in this thread's memory
 * (the server's RSS grew by about the size of every result read). The stream's work is
 * synchronous (syncToFs off); a failure of PGlite itself ends the thread, as a throw did.
 */
function run(message, into) {
  db.execProtocolRawStream(message, { syncToFs: false, onRawData: (chunk) => into.push(chunk.slice()) }).catch((err) => {
    console.error("[pglite-thread] the embedded database failed", err);
    process.exit(1);
  });
}

/**
 * The slow-statement log (what log_min_duration_statement is on a PostgreSQL server, which this
 * database has no log of): a statement that held the database longer than `slowStatementMs` is
 * logged with its duration and the start of its SQL. SQL comes from Query messages, and from the
 * Parse of the statement an Execute runs (named statements are parsed once per session).
 */
function slowStatementLog() {
  const cString = (message, offset) => {
    const end = message.indexOf(0, offset);
    return [decoder.decode(message.subarray(offset, end)), end + 1];
  };
  const parsed = new Map();
  let bound = "";
  return {
    /** Notes what `message` is about to run; returns its SQL if it runs one. */
    sqlOf(message) {
      const type = message[0];
      if (type === 0x51) return cString(message, 5)[0]; // Query
      if (type === 0x50) {
        // Parse: statement name, SQL.
        const [name, next] = cString(message, 5);
        parsed.set(name, cString(message, next)[0]);
      } else if (type === 0x42) {
        // Bind: portal name, statement name.
        const [, next] = cString(message, 5);
        bound = parsed.get(cString(message, next)[0]) ?? "";
      } else if (type === 0x45) return bound; // Execute
      return null;
    },
    report(sql, ms) {
      console.warn(`[pglite-thread] slow statement (${Math.round(ms)} ms): ${sql.replace(/\s+/g, " ").trim().slice(0, 300)}`);
    },
  };
}

/** Serves one client connection on `port`. */
function serve(port) {
  for (const message of RESET_SESSION) run(message, []);
  if (explainSlow) for (const message of EXPLAIN_SLOW) run(message, []);
  const slow = slowStatementMs > 0 ? slowStatementLog() : null;
  let pending = Buffer.alloc(0);
  port.on("message", (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const answers = [];
    for (let length = completeMessageLength(pending); length > 0; length = completeMessageLength(pending)) {
      const message = pending.subarray(0, length);
      pending = pending.subarray(length);
      if (message[0] === TERMINATE) {
        port.close();
        return;
      }
      // PGlite itself failing (SQL errors are ErrorResponse messages) ends the thread (run); the
      // client side reports the connection lost and starts a new thread to reopen the database, as
      // after a crashed PostgreSQL backend.
      const sql = slow?.sqlOf(message);
      const started = sql ? performance.now() : 0;
      run(message, answers);
      if (sql && performance.now() - started > slowStatementMs) slow.report(sql, performance.now() - started);
    }
    if (!answers.length) return;
    // One message (one wake-up of the client's thread) for all the answers. Each chunk is a copy of
    // its own (not a view of a shared pool), so one chunk's memory can be handed over as it is.
    const reply = answers.length === 1 ? answers[0] : joined(answers);
    if (explainSlow) logNotices(reply);
    port.postMessage(reply, [reply.buffer]);
  });
}

parentPort.on("message", async (command) => {
  if (command.connection) serve(command.connection);
  if (command.close) {
    await db.close();
    process.exit(0);
  }
});
