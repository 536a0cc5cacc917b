-- AlterTable
ALTER TABLE "Destination" ADD COLUMN     "resumedAt" TIMESTAMP(3);
