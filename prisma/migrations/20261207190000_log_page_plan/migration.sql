-- The delivery log's page reads a destination's exception rows newest first by (createdAt, id)
-- (lib/delivery/stats.ts deliveryPageStatement). A replay queues up to 50,000 rows with one
-- createdAt, so an index on (destinationId, createdAt) alone left the tie to a sort of them all.
DROP INDEX "Delivery_destinationId_createdAt_idx";
CREATE INDEX "Delivery_destinationId_createdAt_id_idx" ON "Delivery"("destinationId", "createdAt", "id");
