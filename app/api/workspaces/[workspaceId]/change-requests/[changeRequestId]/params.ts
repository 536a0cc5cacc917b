// Route params of /api/workspaces/:workspaceId/change-requests/:changeRequestId/…
import { z } from "zod";

export const changeRequestParams = z.object({ workspaceId: z.string(), changeRequestId: z.string().min(1).max(64) });
