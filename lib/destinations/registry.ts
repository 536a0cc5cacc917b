// type → definition. Adding a destination is one file and one line here.
import type { DestinationDefinition } from "./types";

const definitions: DestinationDefinition[] = [
  // destinations are registered here, one line each, in catalog order
];

export const DESTINATIONS: ReadonlyMap<string, DestinationDefinition> = new Map(definitions.map((d) => [d.type, d]));

export function getDefinition(type: string): DestinationDefinition | undefined {
  return DESTINATIONS.get(type);
}
