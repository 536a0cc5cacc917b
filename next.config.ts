import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native or wasm packages that must be loaded by Node at run time, not bundled.
  serverExternalPackages: [
    "@node-rs/argon2",
    "@prisma/client",
    "pg",
    "protobufjs",
    "@clickhouse/client",
    "@aws-sdk/client-s3",
  ],
  // The OTLP .proto definitions are read from disk by lib/destinations/otlp at run time.
  outputFileTracingIncludes: { "/api/**": ["./lib/destinations/otlp/proto/**/*"] },
  poweredByHeader: false,
  // forbidden() (lib/auth/workspace.ts requireWorkspace → app/forbidden.tsx) is still behind this flag.
  experimental: { authInterrupts: true },
};

export default nextConfig;
