// No API route can ship without saying who may call it: every handler exported by a route file
// under app/api must come from defineRoute, and its auth must fit where the route lives.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { routeAuth } from "@/lib/api/route";
import { PERMISSIONS } from "@/lib/auth/permissions";

const API_DIR = path.resolve("app/api");

// Routes that authenticate by other means, on purpose:
const NOT_DEFINE_ROUTE = new Set([
  // Auth.js's own endpoints: the sign-in flow itself, protected by Auth.js (CSRF token, OAuth state, signed cookies).
  "auth/[...nextauth]/route.ts",
  // Inngest's serve endpoint: called by Inngest, which signs its requests; the SDK verifies the signature.
  "inngest/route.ts",
]);

// The only routes anyone may call without a session or API key.
const PUBLIC_ROUTES = new Set(["auth/sign-up/route.ts", "auth/password-reset/route.ts", "auth/password-reset/confirm/route.ts"]);

const HTTP_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
// Next's route segment config exports (not handlers).
const SEGMENT_CONFIG = new Set(["dynamic", "dynamicParams", "revalidate", "fetchCache", "runtime", "preferredRegion", "maxDuration"]);

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return /^route\.(ts|tsx|js|mjs)$/.test(entry.name) ? [path.relative(API_DIR, full).split(path.sep).join("/")] : [];
  });
}

const files = routeFiles(API_DIR).filter((f) => !NOT_DEFINE_ROUTE.has(f));

describe("app/api route files", () => {
  it("are told apart from plain functions by the defineRoute marker", () => {
    expect(routeAuth(async () => new Response("unchecked"))).toBeUndefined();
  });

  it("include the exclusions by name (a moved exclusion must not silently exempt nothing)", () => {
    const all = routeFiles(API_DIR);
    for (const excluded of NOT_DEFINE_ROUTE) expect(all).toContain(excluded);
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files)("%s exports only defineRoute handlers with a fitting auth", async (file) => {
    const mod: Record<string, unknown> = await import(path.join(API_DIR, file));
    const handlers = Object.keys(mod).filter((name) => !SEGMENT_CONFIG.has(name));
    expect(handlers.length).toBeGreaterThan(0);
    for (const name of handlers) {
      expect(HTTP_METHODS, `${file} exports ${name}, which is neither a handler nor segment config`).toContain(name);
      const auth = routeAuth(mod[name]);
      expect(auth, `${file} ${name} is not built by defineRoute`).toBeDefined();
      if (file.startsWith("workspaces/[workspaceId]/")) {
        expect(auth, `${file} ${name} must authorize against the workspace`).toMatchObject({ kind: "workspace" });
        expect(PERMISSIONS).toContain((auth as { permission: string }).permission);
      }
      if (auth?.kind === "public") expect(PUBLIC_ROUTES, `${file} ${name} is public`).toContain(file);
      // The management API takes management keys only, and only the management API takes them.
      if (file.startsWith("v1/observability/")) expect(auth, `${file} ${name} is the management API`).toMatchObject({ kind: "managementKey" });
      if (auth?.kind === "managementKey") expect(file, `${file} ${name} takes a management key`).toMatch(/^v1\/observability\//);
    }
  });
});
