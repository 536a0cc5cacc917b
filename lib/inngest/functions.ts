// Inngest functions: thin wrappers that decide *when* lib/delivery runs. The Delivery rows hold
// the state, so a failed or lost run only delays delivery until the next sweep.
import { NonRetriableError } from "inngest";
import { z } from "zod";
import { drainDestination } from "@/lib/delivery/drain";
import { sweep } from "@/lib/delivery/sweep";
import { DESTINATION_PENDING_EVENT, inngest } from "./client";

const pendingEventData = z.object({ destinationId: z.string().min(1).max(64) });
/** Claims per run; a destination with more due work gets a follow-up event (keeps runs short). */
const BATCHES_PER_RUN = 20;

export const drainDestinationFunction = inngest.createFunction(
  {
    id: "drain-destination",
    triggers: [{ event: DESTINATION_PENDING_EVENT }],
    // One drain per destination at a time (claims are lease-safe anyway; this avoids wasted runs).
    concurrency: { limit: 1, key: "event.data.destinationId" },
    // A burst of ingests becomes one drain a second later.
    debounce: { period: "1s", key: "event.data.destinationId", timeout: "10s" },
  },
  async ({ event, step }) => {
    const parsed = pendingEventData.safeParse(event.data);
    if (!parsed.success) throw new NonRetriableError(`Invalid ${DESTINATION_PENDING_EVENT} event: ${parsed.error.message}`);
    const { destinationId } = parsed.data;
    const result = await step.run("drain", () => drainDestination(destinationId, { maxBatches: BATCHES_PER_RUN }));
    if (result.more) await step.sendEvent("continue", { name: DESTINATION_PENDING_EVENT, data: { destinationId } });
    return result;
  },
);

export const sweepFunction = inngest.createFunction(
  { id: "sweep", triggers: [{ cron: "* * * * *" }] },
  async ({ step }) => {
    const result = await step.run("sweep", () => sweep());
    if (result.due.length) {
      await step.sendEvent(
        "kick-due",
        result.due.map((destinationId) => ({ name: DESTINATION_PENDING_EVENT, data: { destinationId } })),
      );
    }
    return { autoPaused: result.autoPaused, expiredTraces: result.expiredTraces, kicked: result.due.length };
  },
);

export const functions = [drainDestinationFunction, sweepFunction];
