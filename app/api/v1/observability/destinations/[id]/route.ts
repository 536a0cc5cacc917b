// OpenRouter-compatible management API (docs/api.md): GET → { data } · PATCH (only the fields sent;
// masked secrets keep their value) → { data } · DELETE (soft) → { deleted: true }. A member's key
// gets 202 { change_request } for PATCH and DELETE.
import { defineRoute } from "@/lib/api/route";
import {
  deleteObservabilityDestination,
  destinationIdParams as params,
  getObservabilityDestination,
  updateObservabilityDestination,
  updateObservabilityDestinationSchema,
} from "@/lib/broadcast/observability-api";

export const GET = defineRoute({ auth: { kind: "managementKey" }, params }, async ({ ctx, params }) => getObservabilityDestination(ctx, params.id));

export const PATCH = defineRoute({ auth: { kind: "managementKey" }, params, body: updateObservabilityDestinationSchema }, async ({ ctx, params, body }) =>
  updateObservabilityDestination(ctx, params.id, body),
);

export const DELETE = defineRoute({ auth: { kind: "managementKey" }, params }, async ({ ctx, params }) => deleteObservabilityDestination(ctx, params.id));
