-- AlterTable
ALTER TABLE "TracePayload" ADD COLUMN     "notSent" JSONB;
