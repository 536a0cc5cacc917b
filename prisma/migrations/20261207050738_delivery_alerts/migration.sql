-- CreateTable
CREATE TABLE "AlertSettings" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "emailAdmins" BOOLEAN NOT NULL DEFAULT true,
    "secrets" TEXT,
    "backlogMinutes" INTEGER DEFAULT 60,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AlertSettings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DestinationAlert" (
    "destinationId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'ok',
    "notifiedState" TEXT NOT NULL DEFAULT 'ok',
    "notifiedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DestinationAlert_pkey" PRIMARY KEY ("destinationId")
);

-- CreateIndex
CREATE UNIQUE INDEX "AlertSettings_workspaceId_key" ON "AlertSettings"("workspaceId");

-- CreateIndex
CREATE INDEX "DestinationAlert_workspaceId_idx" ON "DestinationAlert"("workspaceId");

-- AddForeignKey
ALTER TABLE "AlertSettings" ADD CONSTRAINT "AlertSettings_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DestinationAlert" ADD CONSTRAINT "DestinationAlert_destinationId_fkey" FOREIGN KEY ("destinationId") REFERENCES "Destination"("id") ON DELETE CASCADE ON UPDATE CASCADE;
