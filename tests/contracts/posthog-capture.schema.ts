// PostHog publishes no machine-readable schema for its capture API, so this one is written from its
// docs: the batch endpoint (https://posthog.com/docs/api/capture: `api_key`, `batch[]` of events with
// `event`, `distinct_id`, optional `properties`, ISO-8601 `timestamp`, `uuid`) and the LLM analytics
// events (https://posthog.com/docs/llm-analytics/installation/manual-capture,
// https://posthog.com/docs/llm-analytics/traces): required and typed `$ai_*` properties per event.
const traceId = { type: "string", pattern: "^[A-Za-z0-9\\-_~.@()!':|]+$" };
const seconds = { type: "number", minimum: 0 };
const tokens = { type: "integer", minimum: 0 };
const usd = { type: "number", minimum: 0 };
const messages = { type: "array", items: { type: "object", required: ["role"], properties: { role: { type: "string" } } } };

const common = {
  $ai_trace_id: traceId,
  $ai_session_id: { type: "string" },
  $ai_span_id: { type: "string" },
  $ai_span_name: { type: "string" },
  $ai_parent_id: { type: "string" },
  $ai_latency: seconds,
  $ai_is_error: { type: "boolean" },
  $ai_error: {},
  $process_person_profile: { type: "boolean" },
};

const generation = {
  type: "object",
  required: ["$ai_trace_id", "$ai_model", "$ai_provider", "$ai_input_tokens", "$ai_output_tokens"],
  properties: {
    ...common,
    $ai_model: { type: "string", minLength: 1 },
    $ai_provider: { type: "string", minLength: 1 },
    $ai_input: messages,
    $ai_output_choices: messages,
    $ai_input_tokens: tokens,
    $ai_output_tokens: tokens,
    $ai_cache_read_input_tokens: tokens,
    $ai_reasoning_tokens: tokens,
    $ai_input_cost_usd: usd,
    $ai_output_cost_usd: usd,
    $ai_total_cost_usd: usd,
    $ai_time_to_first_token: seconds,
    $ai_stream: { type: "boolean" },
    $ai_tools: { type: "array" },
    $ai_temperature: { type: "number" },
    $ai_max_tokens: { type: "integer" },
    $ai_http_status: { type: "integer" },
  },
};

const traceOrSpan = {
  type: "object",
  required: ["$ai_trace_id"],
  properties: { ...common, $ai_input_state: {}, $ai_output_state: {} },
};

export const POSTHOG_BATCH_SCHEMA = {
  type: "object",
  required: ["api_key", "batch"],
  properties: {
    api_key: { type: "string", minLength: 1 },
    batch: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["event", "distinct_id", "properties"],
        properties: {
          event: { enum: ["$ai_generation", "$ai_trace", "$ai_span"] },
          distinct_id: { type: "string", minLength: 1 },
          uuid: { type: "string", format: "uuid" },
          timestamp: { type: "string", format: "date-time" },
          properties: { type: "object" },
        },
        allOf: [
          { if: { properties: { event: { const: "$ai_generation" } } }, then: { properties: { properties: generation } } },
          { if: { properties: { event: { enum: ["$ai_trace", "$ai_span"] } } }, then: { properties: { properties: traceOrSpan } } },
        ],
      },
    },
  },
} as const;
