// The layout's rules (docs/architecture.md): no import circles; lib/ never imports components/ or
// app/ (lib is the domain and the server; the UI and the routes sit on top of it); the server never
// imports the browser's helpers (lib/client); the errors domain code throws need no route framework.
// madge reads the import graph the way the TypeScript paths in tsconfig.json resolve it.
import path from "node:path";
import madge from "madge";
import { beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

async function importGraph() {
  return madge(["lib", "components", "app", "instrumentation.ts", "proxy.ts"], {
    baseDir: root,
    fileExtensions: ["ts", "tsx", "mts"],
    tsConfig: path.join(root, "tsconfig.json"),
    // Prisma's generated client has circles of its own; it is not our code.
    excludeRegExp: [/lib\/generated\//],
  });
}

describe("the import graph", () => {
  let graph: Awaited<ReturnType<typeof importGraph>>;
  beforeAll(async () => {
    graph = await importGraph();
  }, 180_000);

  it("has no circles", () => {
    expect(graph.circular()).toEqual([]);
  });

  it("has no arrow from lib/ to components/ or app/", () => {
    const imports: Record<string, string[]> = graph.obj();
    const upward = Object.entries(imports).flatMap(([file, targets]) =>
      file.startsWith("lib/") ? targets.filter((target) => /^(components|app)\//.test(target)).map((target) => `${file} → ${target}`) : [],
    );
    expect(upward).toEqual([]);
  });

  it("has no arrow from the server (lib/, app/api/) to lib/client/", () => {
    const imports: Record<string, string[]> = graph.obj();
    const toClient = Object.entries(imports).flatMap(([file, targets]) =>
      /^(lib\/(?!client\/)|app\/api\/)/.test(file) ? targets.filter((target) => target.startsWith("lib/client/")).map((target) => `${file} → ${target}`) : [],
    );
    expect(toClient).toEqual([]);
  });

  it("lib/errors.ts depends on nothing of lib/", () => {
    expect(graph.obj()["lib/errors.ts"].filter((target: string) => target.startsWith("lib/"))).toEqual([]);
  });
});
