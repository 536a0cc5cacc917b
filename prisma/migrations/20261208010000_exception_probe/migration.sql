-- tracecast_waiting_log's check "has this trace an exception row at this destination?" as a lookup
-- of the (traceId, destinationId) unique index and nothing else. Every other index of Delivery
-- leads with destinationId; planned while a destination has no exception rows (an empty table
-- rates every index alike) the check scanned the destination's rows by one of those and filtered
-- on traceId. PostgreSQL 18 (the embedded database) keeps a SQL function's plan in the session's
-- plan cache, so that plan stayed after a replay queued 45,000 rows: each count of 1,000 waiting
-- traces then read 45 million exception rows (2–3 s per count on the one connection, every health
-- read and sweep). `|| ''` keeps destinationId out of the index conditions: the only index left for
-- the check is the unique one, by traceId.
CREATE OR REPLACE FUNCTION tracecast_waiting_log(p_workspace text, p_destination text, p_after_xid bigint, p_after_seq bigint, p_limit integer)
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
         AND NOT EXISTS (SELECT 1 FROM "Delivery" e WHERE e."traceId" = tp.id AND e."destinationId" || '' = p_destination OFFSET 0)
       ORDER BY tp.xid, tp.seq
       LIMIT p_limit) t
   WHERE c."destinationId" = p_destination
$$;
