// The inputs of a workspace's destination changes (zod schemas shared by the routes, the management
// API and change requests) and who makes a change.
import "server-only";
import { z } from "zod";
import type { SessionUser } from "@/lib/auth/session-user";
import { filterRulesSchema } from "@/lib/routing/filters";

export type ChangeActor = { workspaceId: string; user: Pick<SessionUser, "id" | "email"> };

/** OpenRouter's limit: at most 5 destinations of one type per workspace. */
export const MAX_DESTINATIONS_PER_TYPE = 5;

/**
 * OpenRouter's data regions, stored for API compatibility only: a self-hosted instance serves one
 * region, so they do not filter anything. `eu` is OpenRouter's alias of `europe`.
 */
const regionsSchema = z
  .array(z.enum(["global", "europe", "us", "eu"]))
  .min(1, "At least one region")
  .max(3)
  .transform((regions) => [...new Set(regions.map((r) => (r === "eu" ? "europe" : r)))]);

export const settingsShape = {
  name: z.string().trim().min(1, "Name is required").max(100, "At most 100 characters"),
  enabled: z.boolean(),
  privacyMode: z.boolean(),
  samplingRate: z.number().min(0.0001, "Sampling rate must be at least 0.0001").max(1, "Sampling rate must be at most 1"),
  apiKeyInclude: z.array(z.string().min(1).max(64)).max(100),
  apiKeyExclude: z.array(z.string().min(1).max(64)).max(100),
  filterRules: filterRulesSchema.nullable(),
  regions: regionsSchema,
  broadcastGenerationCost: z.boolean(),
  broadcastGenerationIdentity: z.boolean(),
  broadcastGenerationRequestContext: z.boolean(),
};
const configInput = z.record(z.string(), z.unknown());

export const createDestinationSchema = z
  .object({
    type: z.string().min(1).max(64),
    config: configInput,
    ...settingsShape,
    enabled: settingsShape.enabled.default(true),
    privacyMode: settingsShape.privacyMode.default(false),
    samplingRate: settingsShape.samplingRate.default(1),
    apiKeyInclude: settingsShape.apiKeyInclude.default([]),
    apiKeyExclude: settingsShape.apiKeyExclude.default([]),
    filterRules: settingsShape.filterRules.default(null),
    regions: settingsShape.regions.default(["global"]),
    broadcastGenerationCost: settingsShape.broadcastGenerationCost.default(false),
    broadcastGenerationIdentity: settingsShape.broadcastGenerationIdentity.default(false),
    broadcastGenerationRequestContext: settingsShape.broadcastGenerationRequestContext.default(false),
  })
  .strict();
export type CreateDestinationInput = z.input<typeof createDestinationSchema>;

export const updateDestinationSchema = z
  .object({
    /** Partial: omitted keys (and masked secrets) keep their stored value; null clears an optional key. */
    config: configInput.optional(),
    name: settingsShape.name.optional(),
    enabled: settingsShape.enabled.optional(),
    privacyMode: settingsShape.privacyMode.optional(),
    samplingRate: settingsShape.samplingRate.optional(),
    apiKeyInclude: settingsShape.apiKeyInclude.optional(),
    apiKeyExclude: settingsShape.apiKeyExclude.optional(),
    filterRules: settingsShape.filterRules.optional(),
    regions: settingsShape.regions.optional(),
    broadcastGenerationCost: settingsShape.broadcastGenerationCost.optional(),
    broadcastGenerationIdentity: settingsShape.broadcastGenerationIdentity.optional(),
    broadcastGenerationRequestContext: settingsShape.broadcastGenerationRequestContext.optional(),
  })
  .strict();
export type UpdateDestinationInput = z.input<typeof updateDestinationSchema>;

export const testUnsavedSchema = z
  .object({
    type: z.string().min(1).max(64),
    config: configInput,
    destinationId: z.string().min(1).max(64).optional(),
    privacyMode: z.boolean().optional(),
    broadcastGenerationCost: z.boolean().optional(),
    broadcastGenerationIdentity: z.boolean().optional(),
    broadcastGenerationRequestContext: z.boolean().optional(),
  })
  .strict();

export const broadcastSchema = z.object({ enabled: z.boolean() }).strict();
export const retryFailedSchema = z.object({ dryRun: z.boolean().default(false) }).strict();
export const requeueTraceSchema = z.object({ dryRun: z.boolean().default(false) }).strict();
export const replaySchema = z
  .object({
    since: z.coerce.date({ error: "since must be a date-time" }).refine((d) => d.getTime() <= Date.now(), "since must not be in the future"),
    dryRun: z.boolean().default(false),
  })
  .strict();
