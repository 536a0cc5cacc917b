// Sends one email through the SMTP server of lib/email/settings.ts with nodemailer. Callers that
// must not wait (alerts, password resets) run this after their response or off the delivery path;
// the timeouts bound how long a silent SMTP server can hold one send.
import nodemailer from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import { smtpSettings, type SmtpSettings } from "./settings";

export type Email = { to: string | string[]; subject: string; text: string };

/** No email can be sent: TRACECAST_SMTP_HOST is unset. */
export class EmailNotConfigured extends Error {
  name = "EmailNotConfigured";
  constructor() {
    super("Email is not configured on this server (TRACECAST_SMTP_HOST is unset)");
  }
}

const TIMEOUT_MS = 10_000;

function transportOptions(settings: SmtpSettings): SMTPTransport.Options {
  return {
    host: settings.host,
    port: settings.port,
    secure: settings.security === "tls",
    // starttls: upgrade or give up, so the password never crosses a plain connection.
    requireTLS: settings.security === "starttls",
    ignoreTLS: settings.security === "none",
    auth: settings.auth,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  };
}

let cached: { key: string; transport: nodemailer.Transporter<SMTPTransport.SentMessageInfo> } | undefined;

/** One transport per settings (re-created when the environment changes, as in tests). */
function transportFor(settings: SmtpSettings) {
  const key = JSON.stringify(settings);
  if (cached?.key !== key) {
    cached?.transport.close();
    cached = { key, transport: nodemailer.createTransport(transportOptions(settings)) };
  }
  return cached.transport;
}

/** Sends the email; throws EmailNotConfigured, SmtpConfigError or the SMTP server's refusal. */
export async function sendEmail(email: Email): Promise<void> {
  const settings = smtpSettings();
  if (!settings) throw new EmailNotConfigured();
  await transportFor(settings).sendMail({ from: settings.from, to: email.to, subject: email.subject, text: email.text });
}
