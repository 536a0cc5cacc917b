// Outgoing email (password resets, delivery alerts) through an SMTP server of the operator's
// choosing, configured by the environment. Unset TRACECAST_SMTP_HOST = no email: the features that
// need it say so instead of pretending (emailConfigured()).
import { z } from "zod";

const SECURITY = ["tls", "starttls", "none"] as const;
export type SmtpSecurity = (typeof SECURITY)[number];

export type SmtpSettings = {
  host: string;
  port: number;
  /** tls: TLS from the first byte (port 465); starttls: plain connection upgraded, refused if the server cannot; none: no encryption (a relay on the same host). */
  security: SmtpSecurity;
  auth?: { user: string; pass: string };
  from: string;
};

const FROM_REQUIRED = "is required when TRACECAST_SMTP_HOST is set (e.g. Tracecast <alerts@example.com>)";
const envSchema = z
  .object({
    TRACECAST_SMTP_HOST: z.string().trim().min(1),
    TRACECAST_SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    TRACECAST_SMTP_SECURITY: z.enum(SECURITY, { error: `must be one of ${SECURITY.join(", ")}` }).optional(),
    TRACECAST_SMTP_USER: z.string().optional(),
    TRACECAST_SMTP_PASSWORD: z.string().optional(),
    TRACECAST_SMTP_FROM: z.string({ error: FROM_REQUIRED }).trim().min(3, FROM_REQUIRED),
  })
  .refine((env) => !env.TRACECAST_SMTP_USER || env.TRACECAST_SMTP_PASSWORD !== undefined, {
    path: ["TRACECAST_SMTP_PASSWORD"],
    message: "is required when TRACECAST_SMTP_USER is set",
  });

/** Thrown at the first send when the variables are set but wrong: the message names the variable. */
export class SmtpConfigError extends Error {
  name = "SmtpConfigError";
}

/** The SMTP settings of the environment, or null when TRACECAST_SMTP_HOST is unset. */
export function smtpSettings(env: Record<string, string | undefined> = process.env): SmtpSettings | null {
  if (!env.TRACECAST_SMTP_HOST?.trim()) return null;
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith("TRACECAST_SMTP_") && v?.trim()));
  const parsed = envSchema.safeParse(blankAsUnset);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SmtpConfigError(`${String(issue.path[0] ?? "TRACECAST_SMTP_*")} ${issue.message}`);
  }
  const e = parsed.data;
  const port = e.TRACECAST_SMTP_PORT ?? (e.TRACECAST_SMTP_SECURITY === "tls" ? 465 : 587);
  const security = e.TRACECAST_SMTP_SECURITY ?? (port === 465 ? "tls" : "starttls");
  return {
    host: e.TRACECAST_SMTP_HOST,
    port,
    security,
    ...(e.TRACECAST_SMTP_USER ? { auth: { user: e.TRACECAST_SMTP_USER, pass: e.TRACECAST_SMTP_PASSWORD ?? "" } } : {}),
    from: e.TRACECAST_SMTP_FROM,
  };
}

/** Whether this server can send email (the UI shows it before offering anything that needs it). */
export function emailConfigured(env: Record<string, string | undefined> = process.env): boolean {
  return Boolean(env.TRACECAST_SMTP_HOST?.trim());
}
