// The CREATE TABLE a destination needs (ClickHouse, Snowflake), from the values of a form that is
// not saved yet, so the user can create the table while configuring. Only the fields the SQL reads
// must be valid: each field is validated on its own (defaults applied), and reading one that is
// missing or invalid is a 400 naming it. Nothing is stored and no secret is read.
import { z } from "zod";
import { ApiError, type FieldIssue } from "@/lib/errors";
import { fieldsOf } from "@/lib/destinations/define";
import { getDefinition } from "@/lib/destinations/registry";

export const setupSqlPreviewSchema = z.object({
  type: z.string().min(1).max(64),
  config: z.record(z.string().max(64), z.unknown()).refine((c) => Object.keys(c).length <= 64, "Too many config keys"),
});

export function previewSetupSql(input: z.infer<typeof setupSqlPreviewSchema>): string {
  const def = getDefinition(input.type);
  if (!def?.setupSql) {
    throw new ApiError(400, "invalid_request", `"${input.type}" destinations have no setup SQL`, [{ path: "type", message: "Has no setup SQL" }]);
  }
  const secret = new Set(fieldsOf(def).filter((f) => f.secret).map((f) => f.key));
  const valid: Record<string, unknown> = {};
  const invalid = new Map<string, FieldIssue>();
  for (const [key, schema] of Object.entries(def.config.shape)) {
    if (secret.has(key)) continue;
    const parsed = (schema as z.ZodType).safeParse(input.config[key] ?? undefined);
    if (parsed.success) valid[key] = parsed.data;
    else invalid.set(key, { path: `config.${key}`, message: parsed.error.issues[0]?.message ?? "Invalid value" });
  }
  const config = new Proxy(valid, {
    get(target, key) {
      if (typeof key === "string" && invalid.has(key)) {
        const issue = invalid.get(key)!;
        throw new ApiError(400, "invalid_request", `Invalid body: ${issue.path}: ${issue.message}`, [issue]);
      }
      return target[key as string];
    },
  });
  return def.setupSql(config as never);
}
