// Route params of /api/workspaces/:workspaceId/destinations/:destinationId/deliveries/:deliveryId/…
import { z } from "zod";
import { destinationParams } from "../../params";

/** A delivery as the log names it: `dlv_<traceId>_<destinationId>` or an exception row's id. */
export const deliveryParams = destinationParams.extend({ deliveryId: z.string().min(1).max(400) });
