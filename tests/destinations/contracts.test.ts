// Every request body the HTTP-based native destinations send, validated against the platform's
// official spec (Opik OpenAPI 3.1 excerpts, Braintrust OpenAPI, Snowflake SQL API OpenAPI, the derived
// Datadog schema) or, for PostHog, a schema written from its docs. Bodies are captured on the real
// delivery path (deliverBatch → loopback recorder). Each validator is also shown to reject a broken body.
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import braintrust from "@/lib/destinations/braintrust";
import datadog from "@/lib/destinations/datadog";
import opik from "@/lib/destinations/opik";
import posthog from "@/lib/destinations/posthog";
import snowflake from "@/lib/destinations/snowflake";
import { deliverBatch } from "@/lib/destinations/http";
import type { DestinationDefinition } from "@/lib/destinations/types";
import { errorsOf, jsonSchemaValidator, openApiValidator, operationBodyValidator, SPECS_AVAILABLE, SPECS_MISSING_REASON } from "../contracts/openapi";
import { POSTHOG_BATCH_SCHEMA } from "../contracts/posthog-capture.schema";
import { useRecorder, viaRecorder } from "../support/recorder-context";
import { variants } from "./fixtures";

const recorderOf = useRecorder({ status: 200, body: "{}" });

const traces = () => Object.values(variants());

async function captured(def: DestinationDefinition, config: Record<string, unknown>) {
  await deliverBatch(def, traces(), def.config.parse(config));
  return recorderOf().requests;
}

if (!SPECS_AVAILABLE) console.warn(`Skipping native contract tests: ${SPECS_MISSING_REASON}`);

describe.skipIf(!SPECS_AVAILABLE)("native destinations against the official specs", () => {
  it("Opik: traces then spans batches validate against TraceBatch_Write / SpanBatch_Write", async () => {
    const requests = await captured(opik, { apiKey: "opik_key", workspace: "acme", projectName: "prod", baseUrl: `${recorderOf().url}/opik/api` });
    expect(requests.map((r) => r.path)).toEqual(["/opik/api/v1/private/traces/batch", "/opik/api/v1/private/spans/batch"]);
    for (const r of requests) expect(r.headers).toMatchObject({ authorization: "opik_key", "comet-workspace": "acme", "content-type": "application/json" });
    const validateTraces = openApiValidator("opik-traces-batch.openapi.yaml")("TraceBatch_Write");
    const validateSpans = openApiValidator("opik-spans-batch.openapi.yaml")("SpanBatch_Write");
    const tracesBody = requests[0].json<{ traces: Record<string, unknown>[] }>();
    const spansBody = requests[1].json<{ spans: Record<string, unknown>[] }>();
    expect(validateTraces(tracesBody), errorsOf(validateTraces)).toBe(true);
    expect(validateSpans(spansBody), errorsOf(validateSpans)).toBe(true);
    expect(tracesBody.traces).toHaveLength(5);
    expect(spansBody.spans).toHaveLength(8); // nested, error and privacy carry a named span: span + generation each

    expect(validateSpans({ spans: [{ ...spansBody.spans[0], type: "chain" }] })).toBe(false);
    expect(validateTraces({ traces: [{ ...tracesBody.traces[0], id: "gen-nested" }] })).toBe(false);
  });

  it("Braintrust: the insert body validates against InsertProjectLogsEventRequest", async () => {
    const requests = await captured(braintrust, { apiKey: "bt-key", projectId: "11111111-2222-3333-4444-555555555555", baseUrl: recorderOf().url });
    expect(requests).toHaveLength(1);
    expect(requests[0].path).toBe("/v1/project_logs/11111111-2222-3333-4444-555555555555/insert");
    expect(requests[0].headers.authorization).toBe("Bearer bt-key");
    const validate = openApiValidator("braintrust-openapi.json")("InsertProjectLogsEventRequest");
    const body = requests[0].json<{ events: Record<string, unknown>[] }>();
    expect(validate(body), errorsOf(validate)).toBe(true);
    expect(validate({ events: [{ ...body.events[0], metrics: { start: "yesterday" } }] })).toBe(false);
    expect(validate({ events: [{ ...body.events[0], span_attributes: { type: "generation" } }] })).toBe(false);
  });

  it("Snowflake: the statement body validates against the SQL API SubmitStatement request body", async () => {
    const config = snowflake.config.parse({ account: "eac52885.us-east-1", token: "pat-secret" });
    await viaRecorder(recorderOf(), (ctx) => snowflake.deliver!(traces(), config, ctx));
    expect(recorderOf().requests).toHaveLength(1);
    const validate = operationBodyValidator("snowflake-sqlapi.yaml", "/api/v2/statements", "post");
    const body = recorderOf().requests[0].json<Record<string, unknown>>();
    expect(validate(body), errorsOf(validate)).toBe(true);
    expect(validate({ ...body, statement: 42 })).toBe(false);
    expect(validate({ ...body, timeout: -1 })).toBe(false);
  });

  it("Datadog: the spans payload validates against the schema derived from Datadog's API docs", async () => {
    const requests = await captured(datadog, { apiKey: "0123456789abcdef0123456789abcdef", mlApp: "support-bot", url: recorderOf().url });
    expect(requests).toHaveLength(1);
    expect(requests[0].path).toBe("/api/intake/llm-obs/v1/trace/spans");
    expect(requests[0].headers["dd-api-key"]).toBe("0123456789abcdef0123456789abcdef");
    const validate = jsonSchemaValidator("datadog-llmobs-spans.derived.schema.json");
    const body = requests[0].json<{ data: { attributes: { spans: Record<string, unknown>[] } } }>();
    expect(validate(body), errorsOf(validate)).toBe(true);
    const span = body.data.attributes.spans[0];
    const { parent_id: _dropped, ...orphan } = span;
    expect(validate({ data: { type: "span", attributes: { ...body.data.attributes, spans: [orphan] } } })).toBe(false);
    expect(validate({ data: { type: "span", attributes: { ...body.data.attributes, spans: [{ ...span, start_ns: "now" }] } } })).toBe(false);
  });
});

describe("PostHog against its documented capture format", () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(POSTHOG_BATCH_SCHEMA);

  it("the /batch/ body validates; broken events are rejected", async () => {
    const requests = await captured(posthog, { apiKey: "phc_project", endpoint: recorderOf().url });
    expect(requests).toHaveLength(1);
    expect(requests[0].path).toBe("/batch/");
    const body = requests[0].json<{ api_key: string; batch: { event: string; distinct_id: string; properties: Record<string, unknown> }[] }>();
    expect(validate(body), errorsOf(validate)).toBe(true);
    expect(body.api_key).toBe("phc_project");
    const generation = body.batch.find((e) => e.event === "$ai_generation")!;
    const { distinct_id: _dropped, ...anonymous } = generation;
    expect(validate({ ...body, batch: [anonymous] })).toBe(false);
    expect(validate({ ...body, batch: [{ ...generation, properties: { ...generation.properties, $ai_trace_id: "has spaces" } }] })).toBe(false);
    expect(validate({ ...body, batch: [{ ...generation, properties: { ...generation.properties, $ai_input_tokens: "42" } }] })).toBe(false);
  });
});
