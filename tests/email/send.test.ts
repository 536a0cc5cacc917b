// Outgoing email through a real SMTP server on loopback (tests/receivers/smtp.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { EmailNotConfigured, sendEmail } from "@/lib/email/send";
import { emailConfigured, SmtpConfigError, smtpSettings } from "@/lib/email/settings";
import { startSmtpReceiver, type SmtpReceiver } from "../receivers/smtp";

let smtp: SmtpReceiver;
beforeAll(async () => {
  smtp = await startSmtpReceiver();
});
afterAll(() => smtp.close());
afterEach(() => {
  vi.unstubAllEnvs();
  smtp.messages.length = 0;
});

function useEnv(env: Record<string, string>) {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
}

describe("sendEmail", () => {
  it("delivers the message to the configured SMTP server, signing in with the configured user", async () => {
    useEnv(smtp.env({ TRACECAST_SMTP_USER: "mailer", TRACECAST_SMTP_PASSWORD: "s3cret" }));
    await sendEmail({ to: ["a@example.com", "b@example.com"], subject: "Hello", text: "Line one\nhttps://tracecast.test/reset#token=abc" });
    const [mail] = await smtp.waitFor(1);
    expect(mail).toMatchObject({ from: "tracecast@example.test", to: ["a@example.com", "b@example.com"], subject: "Hello", auth: "mailer" });
    expect(mail.text).toContain("https://tracecast.test/reset#token=abc");
  });

  it("with starttls, refuses a server that cannot upgrade the connection rather than send the password in clear", async () => {
    useEnv(smtp.env({ TRACECAST_SMTP_SECURITY: "starttls", TRACECAST_SMTP_USER: "mailer", TRACECAST_SMTP_PASSWORD: "s3cret" }));
    await expect(sendEmail({ to: "a@example.com", subject: "x", text: "x" })).rejects.toThrow(/STARTTLS/i);
    expect(smtp.messages).toHaveLength(0);
  });

  it("without TRACECAST_SMTP_HOST sends nothing and says email is not configured", async () => {
    useEnv({ TRACECAST_SMTP_HOST: "" });
    expect(emailConfigured()).toBe(false);
    await expect(sendEmail({ to: "a@example.com", subject: "x", text: "x" })).rejects.toBeInstanceOf(EmailNotConfigured);
  });
});

describe("smtpSettings", () => {
  it("defaults to STARTTLS on 587, and TLS on 465", () => {
    expect(smtpSettings({ TRACECAST_SMTP_HOST: "mail.example.com", TRACECAST_SMTP_FROM: "x@example.com" })).toMatchObject({ port: 587, security: "starttls" });
    expect(smtpSettings({ TRACECAST_SMTP_HOST: "mail.example.com", TRACECAST_SMTP_PORT: "465", TRACECAST_SMTP_FROM: "x@example.com" })).toMatchObject({ port: 465, security: "tls" });
  });

  it("names the variable that is missing or wrong", () => {
    expect(() => smtpSettings({ TRACECAST_SMTP_HOST: "mail.example.com" })).toThrow(new SmtpConfigError("TRACECAST_SMTP_FROM is required when TRACECAST_SMTP_HOST is set (e.g. Tracecast <alerts@example.com>)"));
    expect(() => smtpSettings({ TRACECAST_SMTP_HOST: "h", TRACECAST_SMTP_FROM: "x@example.com", TRACECAST_SMTP_SECURITY: "ssl" })).toThrow(/TRACECAST_SMTP_SECURITY must be one of tls, starttls, none/);
    expect(() => smtpSettings({ TRACECAST_SMTP_HOST: "h", TRACECAST_SMTP_FROM: "x@example.com", TRACECAST_SMTP_USER: "u" })).toThrow(/TRACECAST_SMTP_PASSWORD is required/);
  });
});
