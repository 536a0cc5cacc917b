-- DropIndex
DROP INDEX "Delivery_status_nextAttemptAt_idx";
