// Route params of /api/workspaces/:workspaceId/destinations/:destinationId/…
import { z } from "zod";

export const destinationParams = z.object({ workspaceId: z.string(), destinationId: z.string().min(1).max(64) });
