-- ANALYZE of the traces table samples 300 rows per unit of the largest statistics target among its
-- columns and index expressions: 30,000 rows at the default of 100, each read from a random page
-- and, for the five search expressions, its document parsed five times. On the embedded database
-- (one connection) that held ingestion for seconds each time maintenance analyzed a large table
-- (lib/delivery/maintenance.ts). A target of 10 samples 3,000 rows, enough for what the planner
-- asks of these columns (which workspace, a time range, equality on a search field); the reads
-- whose plans matter most run as database functions with plans of their own. The documents
-- themselves (data, notSent) are never compared as a whole: no statistics.
ALTER TABLE "TracePayload"
  ALTER COLUMN "id" SET STATISTICS 10,
  ALTER COLUMN "workspaceId" SET STATISTICS 10,
  ALTER COLUMN "apiKeyId" SET STATISTICS 10,
  ALTER COLUMN "data" SET STATISTICS 0,
  ALTER COLUMN "sizeBytes" SET STATISTICS 10,
  ALTER COLUMN "isTest" SET STATISTICS 10,
  ALTER COLUMN "receivedAt" SET STATISTICS 10,
  ALTER COLUMN "xid" SET STATISTICS 10,
  ALTER COLUMN "seq" SET STATISTICS 10,
  ALTER COLUMN "routes" SET STATISTICS 10,
  ALTER COLUMN "notSent" SET STATISTICS 0;
ALTER INDEX "TracePayload_search_trace_id_idx" ALTER COLUMN 2 SET STATISTICS 10;
ALTER INDEX "TracePayload_search_generation_id_idx" ALTER COLUMN 2 SET STATISTICS 10;
ALTER INDEX "TracePayload_search_trace_name_idx" ALTER COLUMN 2 SET STATISTICS 10;
ALTER INDEX "TracePayload_search_session_idx" ALTER COLUMN 2 SET STATISTICS 10;
ALTER INDEX "TracePayload_search_model_idx" ALTER COLUMN 2 SET STATISTICS 10;
