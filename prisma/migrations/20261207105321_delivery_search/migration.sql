-- CreateIndex
CREATE INDEX "DeliveryAttempt_deliveryIds_idx" ON "DeliveryAttempt" USING GIN ("deliveryIds");

-- CreateIndex
CREATE INDEX "TracePayload_workspaceId_apiKeyId_receivedAt_idx" ON "TracePayload"("workspaceId", "apiKeyId", "receivedAt");

-- The delivery log's search (lib/delivery/stats.ts): one trace by its own id or its generation id,
-- and a workspace's traces of one trace name, session or model newest first. Expression indexes
-- on the trace document, which schema.prisma cannot state. Not partial (WHERE … IS NOT NULL): the
-- planner keeps no statistics on a partial index's expression, and without them it misjudged a
-- search for one generation id as matching hundreds of traces and read the workspace instead.
CREATE INDEX "TracePayload_search_trace_id_idx" ON "TracePayload" ("workspaceId", (data->>'id'));
CREATE INDEX "TracePayload_search_generation_id_idx" ON "TracePayload" ("workspaceId", (data->'response'->>'id'));
CREATE INDEX "TracePayload_search_trace_name_idx" ON "TracePayload" ("workspaceId", (data->'trace'->>'trace_name'), "receivedAt");
CREATE INDEX "TracePayload_search_session_idx" ON "TracePayload" ("workspaceId", (data->>'session_id'), "receivedAt");
CREATE INDEX "TracePayload_search_model_idx" ON "TracePayload" ("workspaceId", (data->>'model'), "receivedAt");
