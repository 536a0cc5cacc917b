// The Auth.js Prisma adapter, except that creating a user (first OAuth sign-in) also creates their
// personal workspace, in the same transaction — exactly what email sign-up does.
import "server-only";
import { PrismaAdapter } from "@auth/prisma-adapter";
import type { Adapter, AdapterUser } from "next-auth/adapters";
import { prisma } from "@/lib/db";
import { createUserWithPersonalWorkspace } from "@/lib/workspaces/provision";

export function authAdapter(): Adapter {
  return {
    ...PrismaAdapter(prisma),
    async createUser(profile: AdapterUser): Promise<AdapterUser> {
      const user = await prisma.$transaction((tx) =>
        createUserWithPersonalWorkspace(tx, {
          email: profile.email,
          name: profile.name ?? null,
          emailVerified: profile.emailVerified,
          image: profile.image ?? null,
        }),
      );
      return { id: user.id, email: user.email, name: user.name, image: user.image, emailVerified: user.emailVerified };
    },
  };
}
