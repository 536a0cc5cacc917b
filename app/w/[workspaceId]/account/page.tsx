import type { Metadata } from "next";
import { AccountScreen } from "@/components/account/account-screen";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/accounts";
import { requireWorkspace } from "@/lib/auth/workspace";
import { prisma } from "@/lib/db";

export const metadata: Metadata = { title: "Account" };

// The account is the user's, not the workspace's: any member reaches it from any of their workspaces.
export default async function AccountPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  const { user } = await requireWorkspace((await params).workspaceId, "workspace:read");
  const { passwordHash } = await prisma.user.findUniqueOrThrow({ where: { id: user.id }, select: { passwordHash: true } });
  return <AccountScreen hasPassword={passwordHash !== null} passwordMinLength={PASSWORD_MIN_LENGTH} />;
}
