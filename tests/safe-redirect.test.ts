import { describe, expect, it } from "vitest";
import { safeCallbackPath, withCallback } from "@/lib/safe-redirect";

describe("safeCallbackPath", () => {
  it("keeps paths on this site, with query and hash", () => {
    expect(safeCallbackPath("/invite/abc?x=1#y")).toBe("/invite/abc?x=1#y");
    expect(safeCallbackPath("/w/ws_1/members")).toBe("/w/ws_1/members");
  });

  it("reduces absolute URLs to their path so the redirect stays on this site", () => {
    expect(safeCallbackPath("http://127.0.0.1:3100/w/ws_1/members?tab=2")).toBe("/w/ws_1/members?tab=2");
    expect(safeCallbackPath("https://evil.example/phish")).toBe("/phish");
  });

  it.each([
    ["protocol-relative", "//evil.example/x"],
    ["backslash protocol-relative", "/\\evil.example"],
    ["tab smuggling", "/\t/evil.example"],
    ["javascript URL", "javascript:alert(1)"],
    ["relative path", "w/ws_1"],
    ["empty", ""],
    ["absolute URL whose path is protocol-relative", "https://a.example//evil.example"],
  ])("falls back for %s", (_, value) => {
    expect(safeCallbackPath(value)).toBe("/");
    expect(safeCallbackPath(value, "/sign-in")).toBe("/sign-in");
  });

  it("falls back for values that are not one string", () => {
    expect(safeCallbackPath(undefined)).toBe("/");
    expect(safeCallbackPath(["/a", "/b"])).toBe("/");
    expect(safeCallbackPath("/" + "a".repeat(3000))).toBe("/");
  });
});

describe("withCallback", () => {
  it("adds an encoded callbackUrl only when it is not the default", () => {
    expect(withCallback("/sign-in", "/")).toBe("/sign-in");
    expect(withCallback("/sign-in", "/invite/a b")).toBe("/sign-in?callbackUrl=%2Finvite%2Fa%20b");
  });
});
