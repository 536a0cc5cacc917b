-- AlterTable
ALTER TABLE "Destination" ADD COLUMN     "circuitOpenUntil" TIMESTAMP(3);
