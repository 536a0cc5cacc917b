-- The log traces waiting for a destination (lib/delivery/status.ts waitingInLog): its cursor's
-- position, then the first `p_limit` traces routed to it past that position (or past
-- p_after_xid/p_after_seq when given) that have no exception row, in log order. The health views
-- count a backlog and find its oldest trace with it, the sweep counts backlogs in chunks with it,
-- and the alerts find the oldest waiting trace with it. A function for the reason
-- tracecast_read_log is one: with the planner's statistics stale (always, right after a burst, on
-- the embedded database) the plain query was planned as a bitmap scan of every trace past the
-- cursor plus a sort, so "the oldest waiting trace" and "up to 1,000" read the whole backlog (1–3 s
-- a minute at 100k waiting traces). Its SET clauses leave the ordered index scan from the cursor
-- as the plan, and each trace's exception-row check an index lookup of its own.
CREATE FUNCTION tracecast_waiting_log(p_workspace text, p_destination text, p_after_xid bigint, p_after_seq bigint, p_limit integer)
RETURNS TABLE (xid bigint, seq bigint, "receivedAt" timestamp(3))
LANGUAGE sql STABLE
SET enable_bitmapscan = off
SET enable_seqscan = off
SET enable_sort = off
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
  SELECT t.xid, t.seq, t."receivedAt"
    FROM "DeliveryCursor" c
   CROSS JOIN LATERAL (
      SELECT tp.xid, tp.seq, tp."receivedAt"
        FROM "TracePayload" tp
       WHERE tp."workspaceId" = p_workspace
         AND (tp.xid, tp.seq) > (coalesce(p_after_xid, c.xid), coalesce(p_after_seq, c.seq))
         AND tp.routes ? p_destination
         AND NOT EXISTS (SELECT 1 FROM "Delivery" e WHERE e."traceId" = tp.id AND e."destinationId" = p_destination OFFSET 0)
       ORDER BY tp.xid, tp.seq
       LIMIT p_limit) t
   WHERE c."destinationId" = p_destination
$$;
