// The project's directory: where the files read at run time live (the embedded database's thread,
// the OTLP .proto files) and what a relative PGLITE_DIR is relative to. Next.js bundles lib/ into
// .next, so a path relative to a module would point in there; scripts/server.mjs sets
// TRACECAST_PROJECT_DIR from its own location, so the server starts from any working directory.
// Tools run through npm (tests, seed, benches) start in the project directory.
import path from "node:path";

export function projectDir(): string {
  return process.env.TRACECAST_PROJECT_DIR?.trim() || process.cwd();
}

/** A path inside the project directory. */
export function inProject(relative: string): string {
  return path.resolve(/*turbopackIgnore: true*/ projectDir(), relative);
}
