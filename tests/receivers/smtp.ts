// A real SMTP server on 127.0.0.1 (port 0) for the email tests: the `smtp-server` package, with every
// accepted message parsed by `mailparser` (both from the nodemailer project), so tests read the
// subject, recipients and text as a mail client would. `setEnv` points TRACECAST_SMTP_* at it.
import type { AddressInfo } from "node:net";
import { simpleParser, type AddressObject } from "mailparser";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

export type ReceivedEmail = { from: string; to: string[]; subject: string; text: string; auth?: string };

export type SmtpReceiver = {
  port: number;
  messages: ReceivedEmail[];
  /** Resolves when `count` messages have arrived (polling; rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedEmail[]>;
  /** TRACECAST_SMTP_* for this server (plain SMTP on loopback unless overridden). */
  env(overrides?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
};

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address ?? ""));

/** `listenPort` 0 (a free port) unless the sender was configured with a port before this started (e2e). */
export async function startSmtpReceiver(options: Partial<SMTPServerOptions> = {}, listenPort = 0): Promise<SmtpReceiver> {
  const messages: ReceivedEmail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push({
            from: addresses(mail.from)[0] ?? "",
            to: addresses(mail.to),
            subject: mail.subject ?? "",
            text: mail.text ?? "",
            auth: typeof session.user === "string" ? session.user : undefined,
          });
          callback();
        })
        .catch(callback);
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(listenPort, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} emails, got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return messages;
    },
    env: (overrides = {}) => ({
      TRACECAST_SMTP_HOST: "127.0.0.1",
      TRACECAST_SMTP_PORT: String(port),
      TRACECAST_SMTP_SECURITY: "none",
      TRACECAST_SMTP_FROM: "Tracecast <tracecast@example.test>",
      ...overrides,
    }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
