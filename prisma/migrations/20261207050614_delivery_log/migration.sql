-- AlterTable
ALTER TABLE "TracePayload" ADD COLUMN     "routes" JSONB,
ADD COLUMN     "seq" BIGSERIAL NOT NULL,
ADD COLUMN     "xid" BIGINT NOT NULL DEFAULT (pg_current_xact_id())::text::bigint;

-- CreateTable
CREATE TABLE "DeliveryCursor" (
    "destinationId" TEXT NOT NULL,
    "xid" BIGINT NOT NULL DEFAULT (pg_snapshot_xmin(pg_current_snapshot()))::text::bigint,
    "seq" BIGINT NOT NULL DEFAULT 0,
    "leaseToken" TEXT,
    "leaseUntil" TIMESTAMP(3),

    CONSTRAINT "DeliveryCursor_pkey" PRIMARY KEY ("destinationId")
);

-- CreateTable
CREATE TABLE "DeliveryAttempt" (
    "id" TEXT NOT NULL,
    "destinationId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "httpStatus" INTEGER,
    "latencyMs" INTEGER NOT NULL,
    "traces" INTEGER NOT NULL,
    "fromXid" BIGINT,
    "fromSeq" BIGINT,
    "toXid" BIGINT,
    "toSeq" BIGINT,
    "deliveryIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "error" TEXT,
    "nextAttemptAt" TIMESTAMP(3),

    CONSTRAINT "DeliveryAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DeliveryAttempt_destinationId_at_idx" ON "DeliveryAttempt"("destinationId", "at");

-- CreateIndex
CREATE INDEX "DeliveryAttempt_destinationId_toXid_toSeq_idx" ON "DeliveryAttempt"("destinationId", "toXid", "toSeq");

-- CreateIndex
CREATE INDEX "DeliveryAttempt_at_idx" ON "DeliveryAttempt"("at");

-- CreateIndex
CREATE INDEX "TracePayload_workspaceId_xid_seq_idx" ON "TracePayload"("workspaceId", "xid", "seq");

-- AddForeignKey
ALTER TABLE "DeliveryCursor" ADD CONSTRAINT "DeliveryCursor_destinationId_fkey" FOREIGN KEY ("destinationId") REFERENCES "Destination"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeliveryAttempt" ADD CONSTRAINT "DeliveryAttempt_destinationId_fkey" FOREIGN KEY ("destinationId") REFERENCES "Destination"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every destination has its cursor (lib/delivery/log.ts), inserted with it, at the log's head.
CREATE FUNCTION "tracecast_insert_delivery_cursor"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "DeliveryCursor" ("destinationId") VALUES (NEW.id);
  RETURN NEW;
END
$$;
CREATE TRIGGER "Destination_insert_delivery_cursor" AFTER INSERT ON "Destination"
  FOR EACH ROW EXECUTE FUNCTION "tracecast_insert_delivery_cursor"();

-- Traces stored before the log existed were queued as Delivery rows (still drained, as exceptions)
-- and carry no routes: every existing destination's cursor starts past them.
INSERT INTO "DeliveryCursor" ("destinationId", "xid", "seq")
SELECT id, COALESCE((SELECT max("xid") FROM "TracePayload"), 0), 9223372036854775807 FROM "Destination";
