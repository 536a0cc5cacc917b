-- Whether a destination's log holds work (lib/delivery/log.ts): a trace routed to it past its
-- cursor (p_xid, p_seq) and below the horizon (the oldest transaction still running). The sweep
-- asks it for every destination every few seconds, and skipIdleCursors to move the cursors of
-- destinations with nothing to do. A function for the reason tracecast_read_log is one: without
-- statistics on the newest traces the plain EXISTS was planned as a bitmap scan that collects every
-- index entry past the cursor before it looks at the first (3,000 for a 3,000-trace backlog; 2.4 s
-- once at the goal's sizes on the embedded database). Its SET clauses leave the index range from
-- the cursor, stopped at the first trace routed to the destination.
CREATE FUNCTION tracecast_log_has_work(p_workspace text, p_destination text, p_xid bigint, p_seq bigint)
RETURNS boolean
LANGUAGE sql STABLE
SET enable_bitmapscan = off
SET enable_seqscan = off
AS $$
  SELECT EXISTS (
    SELECT 1 FROM "TracePayload" t
     WHERE t."workspaceId" = p_workspace AND (t.xid, t.seq) > (p_xid, p_seq)
       AND t.xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint AND t.routes ? p_destination)
$$;
