// A destination's own settings as its row stores them (beside its type, config and state): what
// its view shows and what a change request's diff compares. One list, so a setting added to the
// schema reaches both. No runtime imports: the governance diff (read by the browser too) uses the type.
import type { Destination } from "@/lib/generated/prisma/client";

const SETTING_KEYS = [
  "name",
  "enabled",
  "privacyMode",
  "samplingRate",
  "apiKeyInclude",
  "apiKeyExclude",
  "filterRules",
  "regions",
  "broadcastGenerationCost",
  "broadcastGenerationIdentity",
  "broadcastGenerationRequestContext",
] as const;

/** The settings, as JSON values (filter rules stay the stored JSON). */
export type DestinationSettings = { [K in (typeof SETTING_KEYS)[number]]: K extends "filterRules" ? unknown : Destination[K] };

export function settingsOf(row: Destination): DestinationSettings {
  return Object.fromEntries(SETTING_KEYS.map((key) => [key, row[key]])) as DestinationSettings;
}
