-- CreateIndex
CREATE INDEX "Delivery_destinationId_status_deliveredAt_idx" ON "Delivery"("destinationId", "status", "deliveredAt");

-- CreateIndex
CREATE INDEX "TracePayload_receivedAt_idx" ON "TracePayload"("receivedAt");
