// OpenRouter-compatible management API (docs/api.md), authenticated with a management key:
// GET ?offset&limit → { data, total_count } · POST → 201 { data } (202 { change_request } for a member's key).
import { defineRoute } from "@/lib/api/route";
import {
  createObservabilityDestination,
  createObservabilityDestinationSchema,
  listObservabilityDestinations,
  listObservabilityDestinationsQuery,
} from "@/lib/broadcast/observability-api";

export const GET = defineRoute({ auth: { kind: "managementKey" }, query: listObservabilityDestinationsQuery }, async ({ ctx, query }) =>
  listObservabilityDestinations(ctx, query),
);

export const POST = defineRoute({ auth: { kind: "managementKey" }, body: createObservabilityDestinationSchema }, async ({ ctx, body }) =>
  createObservabilityDestination(ctx, body),
);
