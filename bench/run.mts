// `npm run bench [-- name… --flag…]`: runs every bench/<name>.bench.mts in turn (or only the named ones),
// each in its own Node process so one benchmark's heap, JIT state and servers cannot colour the
// next, and writes its result to bench/results/<name>.json.
//
// A benchmark file's default export is `async () => result`, where result is any JSON value
// (include the figures, the settings they were measured with, and whatever the reader needs to
// judge them). Progress goes to stderr/stdout as the benchmark likes; the return value is the record.
// Arguments starting with "--" (e.g. `--quick`) are passed on to each benchmark's process.argv.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { machine } from "./harness.mjs";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(benchDir, "results");
const SUFFIX = ".bench.mts";

async function runOne(file: string): Promise<void> {
  const name = path.basename(file, SUFFIX);
  const mod = (await import(pathToFileURL(file).href)) as { default?: () => Promise<unknown> };
  if (typeof mod.default !== "function") throw new Error(`${file} has no default export function`);
  const startedAt = new Date().toISOString();
  const result = await mod.default();
  fs.mkdirSync(resultsDir, { recursive: true });
  const out = path.join(resultsDir, `${name}.json`);
  fs.writeFileSync(out, JSON.stringify({ name, startedAt, machine: machine(), result }, null, 2) + "\n");
  console.log(`[bench] ${name}: wrote ${path.relative(process.cwd(), out)}`);
}

const [, , ...args] = process.argv;
if (args[0] === "--one") {
  // Child mode: run one file in this process.
  await runOne(args[1]);
} else {
  const flags = args.filter((a) => a.startsWith("--"));
  const names = args.filter((a) => !a.startsWith("--"));
  const all = fs.readdirSync(benchDir).filter((f) => f.endsWith(SUFFIX)).sort();
  const wanted = names.length ? all.filter((f) => names.includes(path.basename(f, SUFFIX))) : all;
  const unknown = names.filter((a) => !all.includes(a + SUFFIX));
  if (unknown.length) throw new Error(`no such benchmark: ${unknown.join(", ")} (have: ${all.map((f) => path.basename(f, SUFFIX)).join(", ")})`);
  let failed = 0;
  for (const f of wanted) {
    console.log(`[bench] ${path.basename(f, SUFFIX)}`);
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--one", path.join(benchDir, f), ...flags], {
      stdio: "inherit",
    });
    if (child.status !== 0) {
      failed++;
      console.error(`[bench] ${f} failed (exit ${child.status ?? child.signal})`);
    }
  }
  process.exitCode = failed ? 1 : 0;
}
