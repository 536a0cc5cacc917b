-- AlterTable
ALTER TABLE "ChangeRequest" ADD COLUMN     "diff" JSONB;
