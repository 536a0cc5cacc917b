// The delivery worker that crash.test.ts kills with SIGKILL: a process doing what the app does with
// the inline dispatcher (the embedded default): the sweeper runs, and the destinations named on the
// command line are kicked, on the database of DATABASE_URL / PGLITE_DIR. It runs until killed.
// Started as `node --require ./scripts/server-only-outside-next.cjs --import tsx tests/reliability/crash-worker.mts <destinationId…>`.
import { kickDestinations, startInlineSweeper } from "@/lib/delivery/dispatcher";

startInlineSweeper();
await kickDestinations(process.argv.slice(2));
// A server stays up; the sweeper's timer is unref'ed, so hold the event loop open until the kill.
setInterval(() => {}, 60_000);
