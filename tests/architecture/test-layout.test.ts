// Tests mirror the code (tests/README.md): a test file sits in the folder of tests/ that matches the
// folder of the code it tests, or in one of the cross-cutting folders tests/README.md declares.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const TEST_FILE = /\.test\.tsx?$/;
// tests/<root>/… mirrors <root>/… for these; every other folder of tests/ mirrors lib/.
const OTHER_CODE_ROOTS = ["app", "components", "scripts", "prisma"];

/** The folders tests/README.md declares cross-cutting: its lines "- `name/` — why". */
function declaredFolders(): string[] {
  const readme = fs.readFileSync(path.join(root, "tests/README.md"), "utf8");
  return [...readme.matchAll(/^- `([^`/]+)\/`/gm)].map((match) => match[1]);
}

function isDirectory(relative: string): boolean {
  return fs.statSync(path.join(root, relative), { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/**
 * Where the code a test file tests lives, by its place under tests/ (a path relative to the
 * repository), or null when that place matches no code: the folder of lib/ (or app/, components/,
 * scripts/, prisma/) it mirrors, or for a file at tests/'s root the module of lib's root it is named after.
 */
function codeFolderOf(testFile: string): string | null {
  const [top, ...rest] = path.posix.relative("tests", path.posix.dirname(testFile)).split("/").filter(Boolean);
  if (top === undefined) {
    const module = `lib/${path.posix.basename(testFile).replace(TEST_FILE, "")}.ts`;
    return fs.existsSync(path.join(root, module)) ? module : null;
  }
  const folder = OTHER_CODE_ROOTS.includes(top) ? path.posix.join(top, ...rest) : path.posix.join("lib", top, ...rest);
  return isDirectory(folder) ? folder : null;
}

function testFiles(dir = "tests"): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(relative);
    return TEST_FILE.test(entry.name) ? [relative] : [];
  });
}

describe("the tests' layout", () => {
  const declared = declaredFolders();

  it("declares its cross-cutting folders in tests/README.md, each of which exists", () => {
    expect(declared).toEqual(expect.arrayContaining(["architecture", "reliability", "support"]));
    expect(declared.filter((folder) => !isDirectory(`tests/${folder}`))).toEqual([]);
  });

  it("puts every other test file in the folder of the code it tests", () => {
    const files = testFiles().filter((file) => !declared.includes(file.split("/")[1]));
    expect(files.length).toBeGreaterThan(50);
    const misplaced = files.filter((file) => codeFolderOf(file) === null);
    expect(misplaced, "move each beside the code it tests, or declare its folder in tests/README.md").toEqual([]);
  });

  it("tells a misplaced test file from a placed one", () => {
    expect(codeFolderOf("tests/destinations/helicone.test.ts")).toBe("lib/destinations");
    expect(codeFolderOf("tests/destinations/otlp/wire.test.ts")).toBe("lib/destinations/otlp");
    expect(codeFolderOf("tests/components/observability/charts.test.ts")).toBe("components/observability");
    expect(codeFolderOf("tests/db.test.ts")).toBe("lib/db.ts");
    // Folders this suite once had: they match no folder of the code.
    expect(codeFolderOf("tests/native/helicone.test.ts")).toBeNull();
    expect(codeFolderOf("tests/ui/platform-icon.test.ts")).toBeNull();
    expect(codeFolderOf("tests/destinations/native/helicone.test.ts")).toBeNull();
    expect(codeFolderOf("tests/smoke.test.ts")).toBeNull();
  });
});
