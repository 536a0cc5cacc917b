// Traces that arrive over OTLP go through the same pipeline as the JSON API's: per-destination
// filters, API-key include/exclude lists and privacy mode, the outbox, then delivery (real webhook
// receiver, real database).
import { afterAll, beforeAll, expect, it } from "vitest";
import { prisma } from "@/lib/db";
import { drainDestination } from "@/lib/delivery/drain";
import { createDestinationRow, startReceiver, type Receiver } from "../support/delivery";
import { createTestWorkspace, serveDirectRoutes, type RouteServer } from "../support/direct-routes";
import { asProtobuf, otlpRequest, post, type SpanSpec } from "./helpers";

let server: RouteServer;
let webhook: Receiver;

beforeAll(async () => {
  [server, webhook] = await Promise.all([serveDirectRoutes(), startReceiver()]);
});
afterAll(() => Promise.all([server?.close(), webhook?.close()]));

const chat = (spanId: string, model: string): SpanSpec => ({
  spanId,
  name: `chat ${model}`,
  attributes: {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": model,
    "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "my secret question" }] }]),
    "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "a private answer" }] }]),
  },
});

type Span = { name: string; attributes: { key: string; value: { stringValue?: string } }[] };
function spansAt(path: string): Span[] {
  return webhook.requests
    .filter((r) => r.url === path)
    .flatMap((r) => (JSON.parse(r.body) as { resourceSpans: { scopeSpans: { spans: Span[] }[] }[] }).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
}
const attr = (span: Span, key: string) => span.attributes.find((a) => a.key === key)?.value.stringValue;

it("routes each OTLP generation by the destinations' filters, key lists and privacy mode", async () => {
  const ws = await createTestWorkspace("otlp-routing");
  const workspaceId = ws.ctx.workspace.id;
  const key = await prisma.apiKey.findFirstOrThrow({ where: { workspaceId } });
  const webhookConfig = (path: string) => ({ url: `${webhook.url}${path}`, method: "POST", headers: {} });
  const gptPrivate = await createDestinationRow(workspaceId, "webhook", webhookConfig("/gpt"), {
    privacyMode: true,
    filterRules: { enabled: true, groups: [{ logic: "and", rules: [{ field: "model", operator: "contains", value: "gpt" }] }] },
  });
  const claude = await createDestinationRow(workspaceId, "webhook", webhookConfig("/claude"), {
    filterRules: { enabled: true, groups: [{ logic: "and", rules: [{ field: "model", operator: "contains", value: "claude" }] }] },
  });
  const excluded = await createDestinationRow(workspaceId, "webhook", webhookConfig("/excluded"), { apiKeyExclude: [key.id] });

  const answer = await post(`${server.url}/v1/traces`, { "content-type": "application/x-protobuf", authorization: `Bearer ${ws.apiKey}` }, asProtobuf(otlpRequest([chat("00000000000000a1", "gpt-4o"), chat("00000000000000a2", "claude-sonnet-4")])));
  expect(answer.status).toBe(200);

  expect(await prisma.delivery.count({ where: { destinationId: excluded.id } })).toBe(0);
  expect(await drainDestination(gptPrivate.id)).toMatchObject({ delivered: 1 });
  expect(await drainDestination(claude.id)).toMatchObject({ delivered: 1 });

  const [gptSpan] = spansAt("/gpt").filter((s) => attr(s, "gen_ai.request.model"));
  expect(attr(gptSpan, "gen_ai.request.model")).toBe("gpt-4o");
  expect(JSON.stringify(spansAt("/gpt"))).not.toContain("my secret question");
  // Privacy mode leaves no message content, so the OTLP encoder sends no messages attribute at all.
  expect(attr(gptSpan, "gen_ai.input.messages")).toBeUndefined();

  const [claudeSpan] = spansAt("/claude").filter((s) => attr(s, "gen_ai.request.model"));
  expect(attr(claudeSpan, "gen_ai.request.model")).toBe("claude-sonnet-4");
  expect(attr(claudeSpan, "gen_ai.input.messages")).toContain("my secret question");
});
