#!/usr/bin/env bash
# One command to install and run every test (also what CI runs: .ci/run):
#   npm run test:all
# Installs the system packages the tests use (Debian chromium, PostgreSQL), the npm
# dependencies, then: type-check, migrations on both databases, Vitest on embedded PGlite and on
# PostgreSQL, production build and its first-load JS budget, Playwright end to end in chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 CI="${CI:-}"
step() { printf '\n\033[1m== %s\033[0m (%ss)\n' "$1" "$SECONDS"; }

step "system packages"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "need root to apt-get install ${missing[*]}" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

step "npm dependencies"
# npm install, not npm ci: chdb (the ClickHouse engine the tests run) lists optional builds for
# other platforms that the registry does not have at its version, so no lock file can list them
# and npm ci refuses the lock; npm install follows the lock and skips foreign-platform packages.
if [ -n "$CI" ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi

step "PostgreSQL"
export PGPORT="${PGPORT:-54329}"
bash scripts/postgres.sh start
PG_ADMIN="postgresql://postgres@127.0.0.1:$PGPORT/postgres"

step "type-check"
npx tsc --noEmit

step "migrations (Prisma CLI) on PostgreSQL and PGlite, and schema drift"
psql "$PG_ADMIN" -qc "drop database if exists tracecast_migrate_check" -c "create database tracecast_migrate_check" >/dev/null
DATABASE_URL="postgresql://postgres@127.0.0.1:$PGPORT/tracecast_migrate_check" npm run --silent db:deploy
rm -rf .data/migrate-check && PGLITE_DIR=.data/migrate-check npm run --silent db:deploy && rm -rf .data/migrate-check
drift=$(DATABASE_URL="$PG_ADMIN" npx prisma migrate diff --from-migrations prisma/migrations --to-schema-datamodel prisma/schema.prisma --script 2>/dev/null | grep -vE '^\s*(--.*)?$' || true)
if [ -n "$drift" ]; then echo "schema.prisma has changes without a migration (run scripts/new-migration.sh):"; echo "$drift"; exit 1; fi

step "vitest on embedded PGlite"
npx vitest run

step "vitest on PostgreSQL"
TEST_DATABASE_URL="$PG_ADMIN" npx vitest run

step "next build"
npx next build

step "first-load JS budget"
npm run --silent check:bundle

step "playwright (Debian chromium)"
npx playwright test

step "all tests passed"
