// npm run check:bundle (after `next build`; `-- --json` prints the files per page instead): the JavaScript each app page makes the browser load
// up front, gzipped, and a budget for the pages that have one. Next 16 (Turbopack) no longer prints
// "First Load JS", so this reads the build's own manifests:
//   - .next/build-manifest.json rootMainFiles: React, the Next runtime, Turbopack's loader;
//   - .next/server/app/<page>_client-reference-manifest.js entryJSFiles: the client chunks of every
//     segment the page renders (root layout, workspace layout, error/not-found boundaries, the page).
// Their union is exactly what a browser fetches before the load event (e2e/observability.spec.ts
// compares it with the requests of a real page load). The noModule polyfill is left out: modern
// browsers skip it. Chunks loaded later (next/dynamic, lazy dialogs) are not first-load JS.
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import zlib from "node:zlib";

/** Gzipped first-load JS budgets in KiB (1024 bytes), by route. */
const BUDGETS_KIB: Record<string, number> = {
  "/w/[workspaceId]/settings/observability": 250,
};

type PageJs = { route: string; files: string[]; gzipBytes: number };

type ClientReferenceManifest = { entryJSFiles?: Record<string, string[]> };

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

/** The entry's client reference manifest: a script that assigns globalThis.__RSC_MANIFEST[entry]. */
function clientReferenceManifest(nextDir: string, entry: string): ClientReferenceManifest {
  const file = path.join(nextDir, "server", "app", `${entry}_client-reference-manifest.js`);
  const sandbox: { __RSC_MANIFEST?: Record<string, ClientReferenceManifest> } = {};
  vm.runInNewContext(fs.readFileSync(file, "utf8"), sandbox, { filename: file });
  const manifest = sandbox.__RSC_MANIFEST?.[entry];
  if (!manifest?.entryJSFiles) throw new Error(`${file} has no entryJSFiles for ${entry} (did the Next manifest format change?)`);
  return manifest;
}

const gzipSizes = new Map<string, number>();
function gzipSize(nextDir: string, file: string): number {
  let size = gzipSizes.get(file);
  if (size === undefined) {
    // Level 9, as Next's own "First Load JS" column measured it.
    size = zlib.gzipSync(fs.readFileSync(path.join(nextDir, file)), { level: 9 }).length;
    gzipSizes.set(file, size);
  }
  return size;
}

/** The chunks (paths under .next, e.g. "static/chunks/x.js") a page loads up front. */
function firstLoadFiles(nextDir: string, route: string): string[] {
  const routes = readJson<Record<string, string>>(path.join(nextDir, "app-path-routes-manifest.json"));
  const entry = Object.keys(routes).find((e) => routes[e] === route && e.endsWith("/page"));
  if (!entry) throw new Error(`no app page for ${route} in ${nextDir}/app-path-routes-manifest.json`);
  const { rootMainFiles } = readJson<{ rootMainFiles: string[] }>(path.join(nextDir, "build-manifest.json"));
  const files = new Set(rootMainFiles);
  for (const chunks of Object.values(clientReferenceManifest(nextDir, entry).entryJSFiles ?? {})) {
    for (const chunk of chunks) if (chunk.endsWith(".js")) files.add(chunk);
  }
  return [...files];
}

/** Every app page (not route handlers, not Next's own _not-found / _global-error). */
function firstLoadJs(nextDir: string): PageJs[] {
  const routes = readJson<Record<string, string>>(path.join(nextDir, "app-path-routes-manifest.json"));
  return Object.entries(routes)
    .filter(([entry, route]) => entry.endsWith("/page") && !route.startsWith("/_"))
    .map(([, route]) => {
      const files = firstLoadFiles(nextDir, route);
      return { route, files, gzipBytes: files.reduce((n, f) => n + gzipSize(nextDir, f), 0) };
    })
    .sort((a, b) => a.route.localeCompare(b.route));
}

function main(args: string[]) {
  const nextDir = path.resolve(args.find((a) => !a.startsWith("--")) ?? ".next");
  if (!fs.existsSync(path.join(nextDir, "BUILD_ID"))) {
    console.error(`no production build in ${nextDir}: run 'npx next build' first`);
    process.exit(1);
  }
  const pages = firstLoadJs(nextDir);
  if (args.includes("--json")) {
    // For e2e/observability.spec.ts, which compares the files with a real page load.
    console.log(JSON.stringify(pages));
    return;
  }
  const kib = (bytes: number) => (bytes / 1024).toFixed(1);
  const routeWidth = Math.max(...pages.map((p) => p.route.length));
  console.log("First-load JS per page, gzipped (what the browser fetches before the load event):\n");
  console.log(`${"Route".padEnd(routeWidth)}  ${"gzip".padStart(11)}  files  budget`);
  const over: string[] = [];
  for (const page of pages) {
    const budget = BUDGETS_KIB[page.route];
    const verdict = budget === undefined ? "" : page.gzipBytes <= budget * 1024 ? `${budget} KiB ok` : `${budget} KiB OVER`;
    if (budget !== undefined && page.gzipBytes > budget * 1024) over.push(page.route);
    console.log(`${page.route.padEnd(routeWidth)}  ${`${kib(page.gzipBytes)} KiB`.padStart(11)}  ${String(page.files.length).padStart(5)}  ${verdict}`);
  }
  for (const route of Object.keys(BUDGETS_KIB)) {
    if (!pages.some((p) => p.route === route)) over.push(`${route} (not in the build)`);
  }
  if (over.length) {
    console.error(
      `\nOver the first-load JS budget: ${over.join(", ")}.\n` +
        "Usual causes: a client module importing full `zod` (client schemas use `zod/mini`), or a dialog/panel that " +
        "could be loaded when opened (next/dynamic).",
    );
    process.exit(1);
  }
}

main(process.argv.slice(2));
