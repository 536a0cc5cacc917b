// npm run db:seed — demo data, safe to run again (it only adds what is missing):
//   organization "Acme AI" with admin@demo.tracecast.dev (owner) and member@demo.tracecast.dev (member),
//   each with their personal workspace, password "tracecast-demo"; API key "Demo app" in Acme AI.
// Runs with tsx outside Next, so it opens its own client (lib/db-client.ts, the same adapter
// selection as the app) and provisions through the server-only-free modules the app itself uses.
import "dotenv/config";
import { issueApiKey } from "@/lib/api-keys/keys";
import { recordAudit } from "@/lib/audit";
import { hashPassword } from "@/lib/auth/password";
import { connectDatabase } from "@/lib/db-client";
import type { Role, User } from "@/lib/generated/prisma/client";
import { createOrganizationWorkspace, createUserWithPersonalWorkspace } from "@/lib/workspaces/provision";

const DEMO_PASSWORD = "tracecast-demo";
const ORGANIZATION = "Acme AI";
const API_KEY_NAME = "Demo app";

const database = connectDatabase();
const { prisma } = database;

async function ensureUser(email: string, name: string): Promise<User> {
  const existing = await prisma.user.findUnique({ where: { email } });
  if (existing) return existing;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const user = await prisma.$transaction((tx) => createUserWithPersonalWorkspace(tx, { email, name, passwordHash }));
  console.log(`created user ${email}`);
  return user;
}

async function ensureMembership(workspaceId: string, user: User, role: Role): Promise<void> {
  const existing = await prisma.membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId: user.id } } });
  if (existing) return;
  await prisma.$transaction(async (tx) => {
    const membership = await tx.membership.create({ data: { workspaceId, userId: user.id, role } });
    await recordAudit(tx, {
      workspaceId,
      actor: null,
      action: "member.add",
      targetType: "membership",
      targetId: membership.id,
      after: { email: user.email, role },
    });
  });
  console.log(`added ${user.email} to ${ORGANIZATION} as ${role}`);
}

async function main() {
  const admin = await ensureUser("admin@demo.tracecast.dev", "Ada Admin");
  const member = await ensureUser("member@demo.tracecast.dev", "Max Member");

  const organization =
    (await prisma.workspace.findFirst({
      where: { name: ORGANIZATION, kind: "organization", memberships: { some: { userId: admin.id } } },
    })) ?? (await prisma.$transaction((tx) => createOrganizationWorkspace(tx, admin, ORGANIZATION)));
  await ensureMembership(organization.id, member, "member");

  const key = await prisma.apiKey.findFirst({ where: { workspaceId: organization.id, name: API_KEY_NAME, revokedAt: null } });
  if (key) {
    console.log(`API key "${API_KEY_NAME}" exists (${key.prefix}…); its secret was printed when it was created`);
  } else {
    const { secret } = await prisma.$transaction((tx) =>
      issueApiKey(tx, { workspaceId: organization.id, name: API_KEY_NAME, actor: null }),
    );
    console.log(`API key "${API_KEY_NAME}" (shown only now): ${secret}`);
  }

  console.log(`\nSign in as admin@demo.tracecast.dev (owner) or member@demo.tracecast.dev (member), password: ${DEMO_PASSWORD}`);
  console.log(`${ORGANIZATION}: /w/${organization.id}`);
}

try {
  await main();
} finally {
  await database.close();
}
