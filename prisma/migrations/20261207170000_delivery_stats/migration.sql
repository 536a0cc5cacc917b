-- CreateTable
CREATE TABLE "DeliveryStat" (
    "destinationId" TEXT NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "delivered" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "latency" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "waiting" INTEGER,

    CONSTRAINT "DeliveryStat_pkey" PRIMARY KEY ("destinationId","hour")
);

-- AddForeignKey
ALTER TABLE "DeliveryStat" ADD CONSTRAINT "DeliveryStat_destinationId_fkey" FOREIGN KEY ("destinationId") REFERENCES "Destination"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The counters of the last 7 days (the longest health window) from what is stored, so the health
-- views keep their history across the upgrade: deliveries settled per hour, from exception rows
-- (delivered at deliveredAt, failed at updatedAt) and from the log traces each successful request
-- delivered; latency bins as lib/delivery/latency-histogram.ts computes them (8 per doubling
-- from 1 ms, bin 0 under 1 ms, the last bin 256).
WITH settled AS (
  SELECT d."destinationId", d."workspaceId", d."deliveredAt" AS at, date_part('epoch', d."deliveredAt" - d."createdAt") * 1000 AS latency, true AS delivered
    FROM "Delivery" d
   WHERE d.status = 'delivered' AND d."deliveredAt" >= now() - interval '7 days'
  UNION ALL
  SELECT d."destinationId", d."workspaceId", d."updatedAt", NULL, false
    FROM "Delivery" d
   WHERE d.status = 'failed' AND d."updatedAt" >= now() - interval '7 days'
  UNION ALL
  SELECT a."destinationId", a."workspaceId", a.at, date_part('epoch', a.at - t."receivedAt") * 1000, true
    FROM "DeliveryAttempt" a
    JOIN "TracePayload" t ON t."workspaceId" = a."workspaceId" AND t.routes ? a."destinationId"
                         AND (t.xid, t.seq) >= (a."fromXid", a."fromSeq") AND (t.xid, t.seq) <= (a."toXid", a."toSeq")
   WHERE a.ok AND a."toXid" IS NOT NULL AND a.at >= now() - interval '7 days'
     AND NOT EXISTS (SELECT 1 FROM "Delivery" e WHERE e."traceId" = t.id AND e."destinationId" = a."destinationId")
),
binned AS (
  SELECT "destinationId", "workspaceId", date_trunc('hour', at) AS hour, delivered,
         CASE WHEN latency IS NULL THEN NULL
              WHEN latency < 1 THEN 0
              ELSE least(256, floor(ln(latency) / ln(2) * 8)::int + 1) END AS bin
    FROM settled
),
per_bin AS (
  SELECT "destinationId", "workspaceId", hour, bin, count(*) FILTER (WHERE delivered)::int AS delivered, count(*) FILTER (WHERE NOT delivered)::int AS failed
    FROM binned GROUP BY 1, 2, 3, 4
)
INSERT INTO "DeliveryStat" ("destinationId", hour, "workspaceId", delivered, failed, latency)
SELECT p."destinationId", p.hour, p."workspaceId", sum(p.delivered)::int, sum(p.failed)::int,
       coalesce((SELECT array_agg(coalesce((SELECT q.delivered FROM per_bin q
                                             WHERE q."destinationId" = p."destinationId" AND q.hour = p.hour AND q.bin = g), 0) ORDER BY g)
                   FROM generate_series(0, (SELECT max(q.bin) FROM per_bin q WHERE q."destinationId" = p."destinationId" AND q.hour = p.hour)) g),
                ARRAY[]::int[])
  FROM per_bin p
 WHERE EXISTS (SELECT 1 FROM "Destination" WHERE id = p."destinationId")
 GROUP BY p."destinationId", p.hour, p."workspaceId";
