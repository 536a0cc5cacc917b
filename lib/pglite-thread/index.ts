// The embedded PGlite database on a thread of its own (./thread.mjs), reached by node-postgres over
// the PostgreSQL wire protocol exactly like a PostgreSQL server: `connect()` gives the stream a
// pg client reads and writes instead of a socket.
//
// Why a thread: PGlite is PostgreSQL compiled to WebAssembly and runs synchronously wherever it is
// called. On the server's own thread every statement, and every write of its WAL, stalled all the
// requests in flight (at 500 traces/s PGlite took 43 % of that thread, with stalls up to 36 ms:
// docs/benchmarks.md). Here the server's thread only encodes and parses protocol messages, as
// with PostgreSQL, and both databases share one client path (pg, adapter-pg, prepared statements).
import { Duplex } from "node:stream";
import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from "node:worker_threads";
import { inProject } from "@/lib/project-dir";

export type PgliteThreadOptions = {
  /** PGlite's data directory, or "memory://" for an in-memory database. */
  dataDir: string;
  /** A dumpDataDir() image to start from (in-memory databases of the tests). */
  seedPath?: string;
  /** Bounds of the thread's JavaScript heap (PGlite's own memory is outside it); Node's defaults when unset. */
  resourceLimits?: ResourceLimits;
  /** Statements that hold the database longer than this are logged (thread.mjs); none when unset or 0. */
  slowStatementMs?: number;
  /** With slowStatementMs: the plan of each slow statement is logged too (auto_explain). */
  slowStatementPlans?: boolean;
  /** PostgreSQL's shared_buffers ("32MB"): PGlite's page cache, inside its WebAssembly memory, which never shrinks. */
  sharedBuffers?: string;
};

export type PgliteThread = {
  /** A new connection to the database (a pg `stream` option): one at a time, as PGlite is one session. */
  connect(): Duplex;
  /** Closes the database and ends the thread; a later connect() starts it again. */
  close(): Promise<void>;
};

// Loaded at run time, so found in the project directory (lib/project-dir.ts).
const threadFile = () => inProject("lib/pglite-thread/thread.mjs");

/**
 * Starts the thread on first connect(). If the thread dies (PGlite failed), the open connection
 * ends with an error and the next connect() starts a new thread, which reopens the directory
 * (PostgreSQL's crash recovery runs; an in-memory database starts over).
 */
export function startPgliteThread(options: PgliteThreadOptions): PgliteThread {
  let worker: Worker | undefined;
  let exited: Promise<void> = Promise.resolve();
  const open = new Set<ThreadConnection>();

  function running(): Worker {
    if (worker) return worker;
    const { resourceLimits, ...workerData } = options;
    const started = new Worker(threadFile(), { workerData, resourceLimits });
    // The thread alone does not keep the process alive: its open connections do (see ThreadConnection.ref).
    started.unref();
    started.on("error", (err) => {
      console.error(`embedded database (PGlite) failed: ${err instanceof Error ? err.message : JSON.stringify(err)}`);
    });
    exited = new Promise((resolve) =>
      started.once("exit", () => {
        if (worker === started) worker = undefined;
        for (const connection of open) connection.destroy(new Error("Connection terminated: the embedded database's thread ended"));
        resolve();
      }),
    );
    worker = started;
    return started;
  }

  return {
    connect() {
      const { port1, port2 } = new MessageChannel();
      running().postMessage({ connection: port2 }, [port2]);
      const connection = new ThreadConnection(port1);
      open.add(connection);
      connection.once("close", () => open.delete(connection));
      return connection;
    },
    async close() {
      if (!worker) return;
      // Referenced again, or a process with nothing else to do would end before the database is closed.
      worker.ref();
      worker.postMessage({ close: true });
      await exited;
    },
  };
}

/**
 * One connection as the duplex stream node-postgres expects of a socket (connect, setNoDelay,
 * setKeepAlive, ref/unref and the stream itself); the bytes travel as messages on `port`.
 */
class ThreadConnection extends Duplex {
  constructor(private readonly port: MessagePort) {
    super();
    port.on("message", (answer: Uint8Array) => this.push(Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength)));
    port.on("close", () => this.push(null));
  }

  connect(): this {
    queueMicrotask(() => this.emit("connect"));
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  // pg unrefs an idle pooled connection (allowExitOnIdle) and refs it again when it is used.
  ref(): this {
    this.port.ref();
    return this;
  }

  unref(): this {
    this.port.unref();
    return this;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.send(chunk);
    done();
  }

  override _writev(chunks: { chunk: Buffer }[], done: (error?: Error | null) => void): void {
    this.send(Buffer.concat(chunks.map(({ chunk }) => chunk)));
    done();
  }

  override _read(): void {}

  override _final(done: (error?: Error | null) => void): void {
    this.port.close();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.port.close();
    done(error);
  }

  /** A copy of exactly the written bytes, handed over to the thread (posting the view would copy its whole backing buffer). */
  private send(bytes: Buffer): void {
    const copy = new Uint8Array(bytes);
    this.port.postMessage(copy, [copy.buffer]);
  }
}
