// The signed-in user of the current request.
import "server-only";
import { cache } from "react";
import { redirect } from "next/navigation";
import { auth } from "@/lib/auth/config";
import { SIGN_IN_PATH } from "@/lib/auth/base-config";
import { prisma } from "@/lib/db";

export type SessionUser = { id: string; email: string; name: string | null };

/**
 * The user behind the session cookie, read from the database (one query per request thanks to
 * cache()), so a deleted user's still-valid JWT authenticates nobody. null when signed out.
 */
export const getSessionUser = cache(async (): Promise<SessionUser | null> => {
  const session = await auth();
  const id = session?.user?.id;
  if (!id) return null;
  return prisma.user.findUnique({ where: { id }, select: { id: true, email: true, name: true } });
});

/** For server components and server actions: the signed-in user, or a redirect to the sign-in page. */
export async function requireUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect(SIGN_IN_PATH);
  return user;
}
