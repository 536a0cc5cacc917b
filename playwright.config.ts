import { defineConfig, devices } from "@playwright/test";

// No server or script the tests start reads a .env (scripts/server.mjs, Prisma, the seed: dotenv):
// what `npm run up` wrote for a developer's own server must not change what is tested.
process.env.DOTENV_CONFIG_PATH = "/dev/null";

// Debian's chromium (apt), not a Playwright browser download: the machines have no internet.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
// The SMTP server the e2e specs start (e2e/email.ts) before they send email: the app server is
// started first and must know where to send, so its port follows from E2E_PORT instead of port 0.
export const E2E_SMTP_PORT = port + 20_000;

export default defineConfig({
  testDir: "./e2e",
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "debian-chromium",
      use: {
        ...devices["Desktop Chrome"],
        viewport: { width: 1280, height: 800 },
        launchOptions: {
          executablePath: "/usr/bin/chromium",
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
          ],
        },
      },
    },
  ],
  webServer: {
    command: "bash scripts/e2e-server.sh",
    url: `${baseURL}/sign-in`,
    env: {
      E2E_PORT: String(port),
      TRACECAST_SMTP_HOST: "127.0.0.1",
      TRACECAST_SMTP_PORT: String(E2E_SMTP_PORT),
      TRACECAST_SMTP_SECURITY: "none",
      TRACECAST_SMTP_FROM: "Tracecast e2e <tracecast@e2e.test>",
    },
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
  },
});
