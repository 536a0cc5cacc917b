-- The delivery log's read (lib/delivery/log.ts readLog) as a function whose plan does not depend
-- on the planner's statistics. The read wants the (workspaceId, xid, seq) index walked in order
-- from the cursor and stopped after `lim` rows. When the statistics are stale (the embedded
-- database runs no autovacuum; on PostgreSQL a new workspace's first burst, or rows past the
-- last ANALYZE's histogram) the planner believes few rows lie past the cursor and picks a bitmap
-- scan of every one of them plus a sort: a read of 100 traces then cost a read of the whole
-- backlog, and draining a backlog of n traces cost n²/100 row reads. The function's SET clauses
-- hold only while it runs: bitmap scans, sequential scans and sorts are off, so the ordered index
-- scan is the plan.
CREATE FUNCTION tracecast_read_log(p_workspace text, p_destination text, p_after_xid bigint, p_after_seq bigint, p_limit integer)
RETURNS TABLE (horizon text, id text, xid text, seq text, rate double precision, "receivedAt" timestamptz)
LANGUAGE sql STABLE
SET enable_bitmapscan = off
SET enable_seqscan = off
SET enable_sort = off
AS $$
  SELECT h.horizon::text, t.id, t.xid::text, t.seq::text, t.rate, t."receivedAt"
    FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon) h
    LEFT JOIN LATERAL (
      SELECT tp.id, tp.xid, tp.seq, (tp.routes->>p_destination)::float8 AS rate, tp."receivedAt" AT TIME ZONE 'UTC' AS "receivedAt"
        FROM "TracePayload" tp
       WHERE tp."workspaceId" = p_workspace AND (tp.xid, tp.seq) > (p_after_xid, p_after_seq) AND tp.xid < h.horizon AND tp.routes ? p_destination
       ORDER BY tp.xid, tp.seq
       LIMIT p_limit) t ON true
$$;
