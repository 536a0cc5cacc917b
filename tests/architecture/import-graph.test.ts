// The layout's two rules (docs/architecture.md): no import circles, and lib/ never imports
// components/ or app/ (lib is the domain and the server; the UI and the routes sit on top of it).
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
});
