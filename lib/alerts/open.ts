// The destinations with an alert open (announced, or waiting for its announcement), as last
// evaluated by this process: after a successful delivery only these need a look. On globalThis:
// Next.js bundles instrumentation (the dispatcher) and the routes separately, so this module can be
// loaded more than once in a process.
const shared = globalThis as unknown as { __tracecastOpenAlerts?: Set<string> };
export const openAlerts: Set<string> = (shared.__tracecastOpenAlerts ??= new Set());
