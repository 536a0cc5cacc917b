-- A destination's waiting exception rows (pending or in flight), oldest first, and those of them
-- being retried (lib/delivery/stats.ts countWaiting). The health views count both up to a cap and
-- find the oldest: through the status index that read every waiting row, as many as a replay
-- queued (up to 50,000), on every health read. Only waiting rows are in these indexes, so they stay
-- small; a row leaves them when it settles.
CREATE INDEX "Delivery_waiting_idx" ON "Delivery"("destinationId", "createdAt") WHERE status IN ('pending', 'in_flight');
CREATE INDEX "Delivery_retrying_idx" ON "Delivery"("destinationId") WHERE status IN ('pending', 'in_flight') AND attempts > 0;
