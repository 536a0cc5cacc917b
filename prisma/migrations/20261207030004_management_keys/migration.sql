
-- AlterTable
ALTER TABLE "Destination" ADD COLUMN     "broadcastGenerationCost" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "broadcastGenerationIdentity" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "broadcastGenerationRequestContext" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "regions" TEXT[] DEFAULT ARRAY['global']::TEXT[];

-- CreateTable
CREATE TABLE "ManagementKey" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ManagementKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ManagementKey_hash_key" ON "ManagementKey"("hash");

-- CreateIndex
CREATE INDEX "ManagementKey_workspaceId_idx" ON "ManagementKey"("workspaceId");

-- AddForeignKey
ALTER TABLE "ManagementKey" ADD CONSTRAINT "ManagementKey_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ManagementKey" ADD CONSTRAINT "ManagementKey_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
