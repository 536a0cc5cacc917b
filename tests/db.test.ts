import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db";

describe("test database", () => {
  it("is migrated and writable, and each file starts empty", async () => {
    expect(await prisma.workspace.count()).toBe(0);
    const ws = await prisma.workspace.create({ data: { name: "A", kind: "personal" } });
    expect(await prisma.workspace.findUnique({ where: { id: ws.id } })).toMatchObject({ name: "A", broadcastEnabled: true });
  });
});
