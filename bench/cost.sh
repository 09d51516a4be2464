#!/usr/bin/env bash
# bench/cost.sh — server CPU cost of one load against the Sluice contender: requests per CPU-second of the
# server process (user+sys from /proc), which is steadier than req/s on a shared, busy machine.
#
#   bash bench/cost.sh h2|h1|h2-large|h2-large-w16 [N]     (same loads as bench/profile.sh, without the profiler)
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
kind="${1:-h2}"
DOCROOT="${DOCROOT:-/tmp/sluice-bench/docroot}"
PORT="${PORT:-9180}"
SERVER="${SERVER:-node $REPO/dist/bench/sluice-server.js}"
DOCROOT="$DOCROOT" H2_PORT="$PORT" H1_PORT="$((PORT + 1))" $SERVER >/dev/null 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$((PORT + 1))) 2>/dev/null && break; sleep 0.1; done
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
c0=$(cpu)
case "$kind" in
  h2) out=$(h2load -c16 -m32 -n "${2:-200000}" "http://127.0.0.1:$PORT/small.txt" 2>&1); n=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' <<<"$out") ;;
  h2-large-w16) out=$(h2load -c4 -m4 -w16 -W16 -n "${2:-40}" "http://127.0.0.1:$PORT/large.bin" 2>&1); n=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' <<<"$out") ;;
  h2-large) out=$(h2load -c4 -m4 -n "${2:-400}" "http://127.0.0.1:$PORT/large.bin" 2>&1); n=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' <<<"$out") ;;
  h1) out=$(wrk -t1 -c64 -d "${2:-8}" "http://127.0.0.1:$((PORT + 1))/small.txt" 2>&1); n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$out") ;;
  *) echo "unknown kind $kind" >&2; exit 2 ;;
esac
c1=$(cpu)
grep -E 'finished in|Requests/sec|failed|errors' <<<"$out" || true
awk -v n="$n" -v c="$((c1 - c0))" 'BEGIN { printf "server CPU %.2f s for %d requests: %.0f requests per CPU-second\n", c / 100, n, n / (c / 100) }'
