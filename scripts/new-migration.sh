#!/usr/bin/env bash
# Writes prisma/migrations/<timestamp>_<name>/migration.sql with whatever schema.prisma changed
# since the last migration, then regenerates the client. The diff replays the migrations into a
# shadow database, which needs PostgreSQL (PGlite's shadow DB fails in the schema engine), so it
# starts the local test cluster. Serialized with flock so two people changing the schema at once
# cannot write overlapping migrations.
set -euo pipefail
name="${1:?usage: scripts/new-migration.sh <name>}"
cd "$(dirname "$0")/.."
exec 9>/tmp/tracecast-migrate.lock
flock 9
scripts/postgres.sh start 9>&-  # the server must not inherit (and hold) the lock
export DATABASE_URL="postgresql://postgres@127.0.0.1:${PGPORT:-54329}/postgres"
sql=$(npx prisma migrate diff --from-migrations prisma/migrations --to-schema-datamodel prisma/schema.prisma --script 2>/dev/null)
if ! grep -qvE '^\s*(--.*)?$' <<<"$sql"; then echo "schema.prisma has no changes since the last migration"; exit 0; fi
dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_${name}"
mkdir -p "$dir"
printf '%s\n' "$sql" > "$dir/migration.sql"
npx prisma generate >/dev/null
echo "wrote $dir/migration.sql"
