// Inngest's serve endpoint. Not a defineRoute route on purpose: it is called by Inngest, not by a
// user or an API key, and the SDK itself verifies Inngest's request signature (INNGEST_SIGNING_KEY).
import { serve } from "inngest/next";
import { inngest } from "@/lib/inngest/client";
import { functions } from "@/lib/inngest/functions";

export const { GET, POST, PUT } = serve({ client: inngest, functions });
