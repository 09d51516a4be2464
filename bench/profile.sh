#!/usr/bin/env bash
# bench/profile.sh — CPU profile of the Sluice contender under one load, plus a top-functions summary.
#
#   bash bench/profile.sh h2 [REQUESTS]   # h2load -c16 -m32 -n REQUESTS (default 200000) /small.txt
#   bash bench/profile.sh h1 [SECONDS]    # wrk -t1 -c64 -d SECONDS (default 10) /small.txt
#   bash bench/profile.sh h2-large [N]    # h2load -c4 -m4 -n N (default 400) /large.bin
#   bash bench/profile.sh h2-large-w16 [N] # the same with 64 KiB client windows (-w16 -W16), N default 40
#   bash bench/profile.sh ws [MESSAGES]   # harness ws-load: 200 clients, 10 senders x MESSAGES (default 250), window 8
#
# Needs a built tree (npm run build && npx tsc -p bench/tsconfig.json) and the docroot of the harness
# (bash bench/run.sh generates it; or node ../shared/bench/gen-fixtures.mjs). Output: $OUT (default
# /tmp/sluice-bench/profile/<kind>-<time>/) with the .cpuprofile (open it in Chrome DevTools or
# speedscope for a flame graph), load.txt (the load tool's report) and top.txt.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
kind="${1:-h2}"
DOCROOT="${DOCROOT:-/tmp/sluice-bench/docroot}"
OUT="${OUT:-/tmp/sluice-bench/profile/$kind-$(date -u +%H%M%S)}"
PORT="${PORT:-9190}"
mkdir -p "$OUT"
[ -f "$DOCROOT/small.txt" ] || { echo "no fixtures in $DOCROOT (run bench/run.sh once, or gen-fixtures.mjs)" >&2; exit 1; }

HARNESS="${HARNESS:-/tmp/sluice-bench/harness}"   # the copy bench/run.sh makes (ws-load.mjs and its ws dependency)
DOCROOT="$DOCROOT" H2_PORT="$PORT" H1_PORT="$((PORT + 1))" WS_PORT="$((PORT + 2))" node --cpu-prof --cpu-prof-dir="$OUT" "$REPO/dist/bench/sluice-server.js" >"$OUT/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$((PORT + 1))) 2>/dev/null && break; sleep 0.1; done

case "$kind" in
  h2) h2load -c16 -m32 -n "${2:-200000}" "http://127.0.0.1:$PORT/small.txt" >"$OUT/load.txt" 2>&1 ;;
  h2-large-w16) h2load -c4 -m4 -w16 -W16 -n "${2:-40}" "http://127.0.0.1:$PORT/large.bin" >"$OUT/load.txt" 2>&1 ;;
  h2-large) h2load -c4 -m4 -n "${2:-400}" "http://127.0.0.1:$PORT/large.bin" >"$OUT/load.txt" 2>&1 ;;
  ws) node "$HARNESS/ws-load.mjs" --url "ws://127.0.0.1:$((PORT + 2))/" --clients 200 --senders 10 --messages "${2:-250}" --window 8 >"$OUT/load.txt" 2>&1 ;;
  h1) wrk -t1 -c64 -d "${2:-10}" "http://127.0.0.1:$((PORT + 1))/small.txt" >"$OUT/load.txt" 2>&1 ;;
  *) echo "unknown kind $kind" >&2; exit 2 ;;
esac
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT
grep -E 'finished in|requests:|Requests/sec|Transfer/sec|errors|deliveriesPerSec|lost|p99' "$OUT/load.txt" || true
prof="$(ls -t "$OUT"/*.cpuprofile | head -1)"
node "$REPO/dist/bench/profile-top.js" "$prof" 30 | tee "$OUT/top.txt"
echo "profile: $prof"
