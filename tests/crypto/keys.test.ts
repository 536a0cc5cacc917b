// Credential encryption and key rotation: old-key ciphertext keeps decrypting, rotation
// re-encrypts every credential table under the active key (idempotently, audited per workspace),
// ciphertext cannot move between records, and delivery keeps working across a rotation.
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Webhook } from "standardwebhooks";
import { prisma } from "@/lib/db";
import { DecryptionError, decryptJson, encryptJson, keyIdOf, parseKeyRing } from "@/lib/crypto/keyring";
import { rotateAllSecrets } from "@/lib/crypto/rotate";
import { drainDestination } from "@/lib/delivery/drain";
import { openSecrets } from "@/lib/broadcast/stored-config";
import { generateWebhookSecret } from "@/lib/destinations/webhook";
import { createDestinationRow, createWorkspace, deliveriesOf, enqueue, startReceiver } from "../support/delivery";

const key = () => randomBytes(32).toString("base64");
const OLD = `old:${key()}`;
const NEW = `new:${key()}`;

afterEach(() => vi.unstubAllEnvs());

describe("parseKeyRing", () => {
  it.each([
    [undefined, /TRACECAST_KEYS: is not set/],
    ["", /TRACECAST_KEYS: is not set/],
    ["abc", /TRACECAST_KEYS: entry 1 has no "id:" prefix/],
    [`k1:${randomBytes(16).toString("base64")}`, /TRACECAST_KEYS: key "k1" is 16 bytes, AES-256 needs 32/],
    ["k1:not base64!", /TRACECAST_KEYS: key "k1" is not base64/],
    [`k 1:${key()}`, /TRACECAST_KEYS: key id "k 1"/],
    [`k1:${key()},k1:${key()}`, /TRACECAST_KEYS: key id "k1" appears twice/],
  ])("rejects %s with a message naming the variable", (value, message) => {
    expect(() => parseKeyRing(value)).toThrow(message);
  });

  it("takes the first key as the active one", () => {
    const ring = parseKeyRing(`${NEW},${OLD}`);
    expect(ring.activeId).toBe("new");
    expect([...ring.keys.keys()]).toEqual(["new", "old"]);
  });
});

describe("encryptJson / decryptJson", () => {
  it("round-trips, records the key id, and binds the ciphertext to its record", () => {
    const ring = parseKeyRing(`${NEW},${OLD}`);
    const owner = { kind: "destination" as const, id: "d1" };
    const sealed = encryptJson({ apiKey: "sk-123" }, owner, ring);
    expect(sealed).toMatch(/^v1:new:[\w-]+:[\w-]+:[\w-]+$/);
    expect(keyIdOf(sealed)).toBe("new");
    expect(decryptJson(sealed, owner, ring)).toEqual({ apiKey: "sk-123" });
    expect(() => decryptJson(sealed, { kind: "destination", id: "d2" }, ring)).toThrow(DecryptionError);
    expect(() => decryptJson(sealed, { kind: "proxyUpstream", id: "d1" }, ring)).toThrow(DecryptionError);
    // The ciphertext's second-to-last character changed (to one it is not: before, it was compared
    // with the last character, so 1 run in 64 "tampered" nothing and the test failed).
    const tampered = sealed.slice(0, -2) + (sealed.at(-2) === "A" ? "B" : "A") + sealed.slice(-1);
    expect(tampered).not.toBe(sealed);
    expect(() => decryptJson(tampered, owner, ring)).toThrow(DecryptionError);
    expect(() => decryptJson(sealed, owner, parseKeyRing(OLD))).toThrow(/key "new", which is not in TRACECAST_KEYS/);
    // Fresh IV each time.
    expect(encryptJson({ apiKey: "sk-123" }, owner, ring)).not.toBe(sealed);
  });
});

describe("rotation", () => {
  it("re-encrypts every credential under the new key, idempotently, and delivery keeps working", async () => {
    const receiver = await startReceiver();
    try {
      vi.stubEnv("TRACECAST_KEYS", OLD);
      const a = await createWorkspace("organization", "A");
      const b = await createWorkspace("personal", "B");
      const secret = generateWebhookSecret();
      const destination = await createDestinationRow(a.id, "webhook", { url: receiver.url, secret });
      await createDestinationRow(b.id, "webhook", { url: receiver.url, secret: generateWebhookSecret() });
      await createDestinationRow(b.id, "webhook", { url: receiver.url }); // no secrets: nothing to rotate
      const user = await prisma.user.create({ data: { email: "p@example.com" } });
      const change = await prisma.changeRequest.create({ data: { workspaceId: a.id, proposerId: user.id, action: "destination.create", payload: {} } });
      await prisma.changeRequest.update({ where: { id: change.id }, data: { secrets: encryptJson({ secret }, { kind: "changeRequest", id: change.id }) } });
      const upstream = await prisma.proxyUpstream.create({ data: { workspaceId: b.id, name: "OpenAI", baseUrl: "https://api.openai.com/v1" } });
      await prisma.proxyUpstream.update({ where: { id: upstream.id }, data: { secrets: encryptJson({ apiKey: "sk-up" }, { kind: "proxyUpstream", id: upstream.id }) } });
      const alerts = await prisma.alertSettings.create({ data: { workspaceId: a.id } });
      await prisma.alertSettings.update({ where: { id: alerts.id }, data: { secrets: encryptJson({ slackWebhookUrl: "https://hooks.example.com/x" }, { kind: "alertSettings", id: alerts.id }) } });

      // New key first, old key still listed: old ciphertext still decrypts, and delivers.
      vi.stubEnv("TRACECAST_KEYS", `${NEW},${OLD}`);
      await enqueue(a.id, [destination.id], 1);
      expect((await drainDestination(destination.id)).delivered).toBe(1);

      const report = await rotateAllSecrets(prisma);
      expect(report).toEqual({ activeKeyId: "new", reencrypted: { destination: 2, changeRequest: 1, proxyUpstream: 1, alertSettings: 1 }, movedToCiphertext: 0, workspaces: 2 });
      const all = [
        ...(await prisma.destination.findMany({ where: { secrets: { not: null } } })),
        ...(await prisma.changeRequest.findMany()),
        ...(await prisma.proxyUpstream.findMany()),
        ...(await prisma.alertSettings.findMany()),
      ];
      for (const row of all) expect(keyIdOf(row.secrets!)).toBe("new");
      const audit = await prisma.auditEvent.findMany({ where: { action: "credentials.rotate" } });
      expect(audit.map((e) => e.workspaceId).sort()).toEqual([a.id, b.id].sort());
      expect(audit.every((e) => e.actorId === null && e.actorLabel === "system")).toBe(true);
      expect(JSON.stringify(audit)).not.toContain(secret);

      // Idempotent: nothing left to do, no new audit events.
      expect((await rotateAllSecrets(prisma)).reencrypted).toEqual({ destination: 0, changeRequest: 0, proxyUpstream: 0, alertSettings: 0 });
      expect(await prisma.auditEvent.count({ where: { action: "credentials.rotate" } })).toBe(2);

      // The old key can go; delivery still signs with the same secret.
      vi.stubEnv("TRACECAST_KEYS", NEW);
      const row = await prisma.destination.findUniqueOrThrow({ where: { id: destination.id } });
      expect(openSecrets(row.id, row.secrets)).toEqual({ secret });
      await enqueue(a.id, [destination.id], 1);
      expect((await drainDestination(destination.id)).delivered).toBe(1);
      const request = receiver.requests.at(-1)!;
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
      expect(() => new Webhook(secret).verify(request.body, headers)).not.toThrow();
    } finally {
      await receiver.close();
    }
  });

  it("a ciphertext copied to another destination does not decrypt: its deliveries wait instead of using it", async () => {
    const ws = await createWorkspace();
    const receiver = await startReceiver();
    try {
      const source = await createDestinationRow(ws.id, "webhook", { url: receiver.url, secret: generateWebhookSecret() });
      const target = await createDestinationRow(ws.id, "webhook", { url: receiver.url });
      await prisma.destination.update({ where: { id: target.id }, data: { secrets: source.secrets } });
      await enqueue(ws.id, [target.id], 1);
      const result = await drainDestination(target.id);
      expect(result).toMatchObject({ delivered: 0, retrying: 1 });
      expect(receiver.requests).toHaveLength(0);
      const [row] = await deliveriesOf(target.id);
      expect(row.status).toBe("pending");
      expect(row.lastError).toMatch(/configuration cannot be used.*does not authenticate/);
    } finally {
      await receiver.close();
    }
  });
});
