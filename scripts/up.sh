#!/usr/bin/env bash
# One command to install and run Tracecast on the embedded database (no external services):
#   npm run up
# Installs dependencies, writes .env with fresh secrets, applies migrations, seeds the demo
# logins, builds, and serves on http://127.0.0.1:3100 (HOST/PORT to change).
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi
bash scripts/ensure-env.sh
set -a; . ./.env; set +a
npm run --silent db:deploy
seed_output=$(npm run --silent db:seed)
echo "$seed_output"
if [ ! -f .next/BUILD_ID ] || [ -n "$(find app components lib public next.config.ts package-lock.json -newer .next/BUILD_ID -print -quit)" ]; then
  npm run build
fi
HOST="${HOST:-127.0.0.1}"; PORT="${PORT:-3100}"
echo
echo "  Tracecast is running at http://$HOST:$PORT  (Ctrl-C to stop)"
grep -E "^Sign in as" <<<"$seed_output" | sed 's/^/  /' || true
echo
exec node scripts/server.mjs -H "$HOST" -p "$PORT"
