-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "changes" JSONB,
ADD COLUMN     "targetName" TEXT;
