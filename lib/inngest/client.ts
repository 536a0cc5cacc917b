// The Inngest client (TRACECAST_DISPATCHER=inngest). Configured by Inngest's own environment
// variables: INNGEST_EVENT_KEY / INNGEST_SIGNING_KEY in production, INNGEST_DEV=1 (or a URL) for
// a local dev server.
import { Inngest } from "inngest";

export const inngest = new Inngest({ id: "tracecast" });

/** "A destination has due deliveries". Data: { destinationId } — ids only, never trace content. */
export const DESTINATION_PENDING_EVENT = "tracecast/destination.pending";
