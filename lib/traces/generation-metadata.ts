// Per-destination "additional generation metadata" switches: OpenRouter's
// broadcast_generation_cost / _identity / _request_context, off by default as there. Each names a
// group of trace fields that a destination receives only when its switch is on; with the switch
// off the fields are emptied before any encoder sees the trace (lib/traces/shape.ts), so every
// destination type honours the switches without code of its own.
// OpenRouter does not publish its lists (its UI: "Cost", "Identity: application, API key, user,
// origin, and request identity fields", "Request context"); these are Tracecast's fields in each.
// No imports: the destination form (a browser bundle) shows the same lists.

export type GenerationMetadataSwitches = {
  broadcastGenerationCost: boolean;
  broadcastGenerationIdentity: boolean;
  broadcastGenerationRequestContext: boolean;
};

export type GenerationMetadataGroup = {
  setting: keyof GenerationMetadataSwitches;
  /** The name in OpenRouter's API (the management API, docs/api.md). */
  wire: "broadcast_generation_cost" | "broadcast_generation_identity" | "broadcast_generation_request_context";
  label: string;
  /** What the destination receives with the switch on, in a user's words. */
  sends: string;
  /** The trace fields in the group (docs, tests). */
  fields: readonly string[];
};

export const GENERATION_METADATA_GROUPS: readonly GenerationMetadataGroup[] = [
  {
    setting: "broadcastGenerationCost",
    wire: "broadcast_generation_cost",
    label: "Send cost breakdown",
    sends: "The input (prompt) and output (completion) cost of each generation. The total cost is always sent.",
    fields: ["cost.input", "cost.output"],
  },
  {
    setting: "broadcastGenerationIdentity",
    wire: "broadcast_generation_identity",
    label: "Send caller identity",
    sends:
      "The user ID, the application (name and site, from the trace or the X-Title and HTTP-Referer headers) and its user agent, the name of the API key that sent the trace, and the provider's response ID. Privacy mode does not remove them.",
    fields: ["user", "app.name", "app.url", "user_agent", "api_key_name", "response.id"],
  },
  {
    setting: "broadcastGenerationRequestContext",
    wire: "broadcast_generation_request_context",
    label: "Send request context",
    sends: "Whether the response was streamed, why the generation stopped (finish reason), how the trace arrived (JSON API, OTLP or the capture proxy) and, through the capture proxy, the upstream it called.",
    fields: ["stream", "finish_reason", "source", "upstream"],
  },
];

export const NO_GENERATION_METADATA: GenerationMetadataSwitches = {
  broadcastGenerationCost: false,
  broadcastGenerationIdentity: false,
  broadcastGenerationRequestContext: false,
};
