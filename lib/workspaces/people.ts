// The people behind user ids stored without a relation (who created an API key or invite, who
// accepted it), looked up in one query for a whole list.
import "server-only";
import { prisma } from "@/lib/db";

export type Person = { id: string; email: string; name: string | null };

export async function peopleById(ids: (string | null)[]): Promise<Map<string, Person>> {
  const unique = [...new Set(ids.filter((id): id is string => Boolean(id)))];
  if (unique.length === 0) return new Map();
  const users = await prisma.user.findMany({ where: { id: { in: unique } }, select: { id: true, email: true, name: true } });
  return new Map(users.map((u) => [u.id, u]));
}
