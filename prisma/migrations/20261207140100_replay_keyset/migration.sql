-- DropIndex
DROP INDEX "TracePayload_workspaceId_receivedAt_idx";

-- CreateIndex
CREATE INDEX "TracePayload_workspaceId_receivedAt_id_idx" ON "TracePayload"("workspaceId", "receivedAt", "id");

-- One chunk of a replay (lib/delivery/requeue.ts replayCandidates): the workspace's traces after
-- (p_after_received, p_after_id) in (receivedAt, id) order, through the index above. A function
-- for the reason tracecast_read_log is one: without statistics on the newest traces the planner
-- read every trace since the replay's start and sorted them for each chunk, so a replay of n
-- traces read n²/chunk rows and held the embedded database's one connection meanwhile. Its SET
-- clauses leave the ordered index scan as the plan.
CREATE FUNCTION tracecast_replay_chunk(p_workspace text, p_after_received timestamp(3), p_after_id text, p_limit integer)
RETURNS TABLE (id text, data jsonb, "apiKeyId" text, "receivedAt" timestamp(3), routes jsonb, xid bigint, seq bigint)
LANGUAGE sql STABLE
SET enable_bitmapscan = off
SET enable_seqscan = off
SET enable_sort = off
AS $$
  SELECT tp.id, tp.data, tp."apiKeyId", tp."receivedAt", tp.routes, tp.xid, tp.seq
    FROM "TracePayload" tp
   WHERE tp."workspaceId" = p_workspace AND (tp."receivedAt", tp.id) > (p_after_received, p_after_id) AND NOT tp."isTest"
   ORDER BY tp."receivedAt", tp.id
   LIMIT p_limit
$$;
