// V8 settings of the production server (scripts/server.mjs imports this module first, before
// Next.js loads, so they hold from the first allocation on).
//
// No allocation-site pretenuring. Under load, a request's objects (parsed body, validated trace,
// statement parameters) often outlive one young-generation GC while their group commit runs, and
// V8 then switches those allocation sites to allocate straight into the old generation. Those
// objects die a few milliseconds later, but dead old objects count as alive until the next full
// GC, so every young object they point to is copied and promoted: at 500 traces/s each scavenge
// promoted ~1.1 MB of dead request data and paused the server 3–15 ms (median 6.6 ms), the largest
// part of the p99 latency. Without pretenuring: 0.1–0.2 MB promoted, pauses 1–3 ms, throughput
// unchanged (docs/benchmarks.md, "Ingest analysis"). The flag is read at each GC, so setting it at
// run time is enough (NODE_OPTIONS does not accept it).
//
// A fixed heap growing factor of 1.6. Left to itself V8 let the old generation grow to several
// times the live heap between full collections while the server drained a backlog, most of the
// server's resident memory; with the next full collection due at 1.6× the live heap a drain ends
// with about 200 MiB less, at the same delivery rate and CPU per delivery (docs/benchmarks.md,
// "RSS: the V8 heap's growth bound"). Also read at each GC.
import v8 from "node:v8";

v8.setFlagsFromString("--no-allocation-site-pretenuring");
v8.setFlagsFromString("--heap-growing-percent=60");
