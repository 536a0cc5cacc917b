#!/usr/bin/env bash
# The server the Playwright tests run against (playwright.config.ts starts it): the production
# build (`next build` first) on a fresh embedded database in .data/e2e/<port>, migrated and seeded,
# with throwaway secrets. E2E_PORT picks the port (default 3100); one database per port, so two
# runs on different ports never delete each other's.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f .next/BUILD_ID ]; then echo "no production build: run 'npx next build' first" >&2; exit 1; fi
export NEXT_TELEMETRY_DISABLED=1
rand() { node -e "process.stdout.write(require('crypto').randomBytes($1).toString('base64'))"; }
port="${E2E_PORT:-3100}"
export PGLITE_DIR="./.data/e2e/$port"
export AUTH_SECRET="$(rand 32)"
export AUTH_TRUST_HOST=true
export TRACECAST_KEYS="e2e:$(rand 32)"
export TRACECAST_ALLOW_PRIVATE_TARGETS=true
# Only these settings, whatever a developer's .env or shell says: the Prisma CLI, the seed (dotenv)
# and the server (scripts/server.mjs, for Next.js too) read no .env, and the database is the embedded one.
export DOTENV_CONFIG_PATH=/dev/null
unset DATABASE_URL
rm -rf "$PGLITE_DIR"
npm run --silent db:deploy
npm run --silent db:seed
exec node scripts/server.mjs -H 127.0.0.1 -p "$port"
