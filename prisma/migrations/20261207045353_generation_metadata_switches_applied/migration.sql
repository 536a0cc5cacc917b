-- The generation-metadata switches now decide what a destination receives (lib/traces/generation-metadata.ts).
-- Until now they were only stored and every destination received every field: switch them on for the
-- destinations that exist, so an upgrade changes nothing they receive. New destinations start with them off.
UPDATE "Destination" SET "broadcastGenerationCost" = true, "broadcastGenerationIdentity" = true, "broadcastGenerationRequestContext" = true;
