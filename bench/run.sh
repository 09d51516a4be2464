#!/usr/bin/env bash
# bench/run.sh — build Sluice and run the shared benchmark harness with Sluice as a contender,
# interleaved with the anchors (node http2, node:http+sirv, ws, nginx, h2o), in one command.
#
#   bash bench/run.sh                          # full run (3 reps x 5 s, ~20 min on 2 cores)
#   bash bench/run.sh --reps 1 --duration 5    # reduced run
#   bash bench/run.sh --only '^h2-small' --contenders sluice,node-h2,nginx-w1
#   (every argument is passed to the harness's run.mjs; see the header of its run.mjs)
#
# Environment:
#   BENCH_HARNESS  the harness folder (default: ../shared/bench next to this repo, i.e. /work/shared/bench).
#                  It is copied to $BENCH_WORK/harness (node_modules installed there with `npm ci`), so the
#                  shared folder is never written to.
#   BENCH_WORK     scratch folder (default /tmp/sluice-bench); the docroot is $BENCH_WORK/docroot and results
#                  go to $BENCH_WORK/results/<timestamp> unless --out is given.
#   SKIP_BUILD=1   do not run `npm run build` (use the dist/ that is there; bench/ is still compiled).
#   SLUICE_WS=0|1  include the ws group (default: 1 when dist/protocols/index.js exists after the build).
#   SLUICE_CACHE_VARIANT=0    do not add the second contender "sluice-cache" (the file cache raised to 64 MiB).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
HARNESS="${BENCH_HARNESS:-$REPO/../shared/bench}"
WORK="${BENCH_WORK:-/tmp/sluice-bench}"
[ -f "$HARNESS/run.mjs" ] || { echo "no harness at $HARNESS (set BENCH_HARNESS)" >&2; exit 1; }
for t in h2load wrk nginx h2o; do
  command -v "$t" >/dev/null || echo "warning: $t missing (apt-get install -y nghttp2-client wrk nginx h2o); the harness will refuse to run" >&2
done

cd "$REPO"
[ "${SKIP_BUILD:-0}" = 1 ] || npm run build
npx tsc -p bench/tsconfig.json

mkdir -p "$WORK/harness"
# Copy the harness sources (not its node_modules); reinstall only when its lock file changed.
( cd "$HARNESS" && tar --exclude=node_modules --exclude=results -cf - . ) | tar -xf - -C "$WORK/harness"
chmod -R u+w "$WORK/harness"
# A ws run in which the server closed a client (a sender closed for sending fast, a reader for being slow)
# counts as an error, as lost messages do: the copy's parser adds ws-load's closedEarly to the errors.
if ! grep -q 'j.closedEarly' "$WORK/harness/run.mjs"; then
  sed -i 's/errors: (j.lost || 0) + (j.duplicates || 0) + (j.outOfOrder || 0),/errors: (j.lost || 0) + (j.duplicates || 0) + (j.outOfOrder || 0) + (j.closedEarly || 0),/' "$WORK/harness/run.mjs"
  grep -q 'j.closedEarly' "$WORK/harness/run.mjs" || { echo "bench/run.sh: could not make closedEarly an error in the harness copy (its run.mjs changed)" >&2; exit 1; }
fi
if ! cmp -s "$WORK/harness/package-lock.json" "$WORK/harness/node_modules/.installed-lock" 2>/dev/null; then
  if [ -f "$WORK/harness/package-lock.json" ]; then npm --prefix "$WORK/harness" ci --no-audit --no-fund
  else npm --prefix "$WORK/harness" install --no-audit --no-fund; fi
  cp "$WORK/harness/package-lock.json" "$WORK/harness/node_modules/.installed-lock" 2>/dev/null || true
fi

groups="h2,h1"
if [ "${SLUICE_WS:-auto}" = 1 ] || { [ "${SLUICE_WS:-auto}" = auto ] && [ -f "$REPO/dist/protocols/index.js" ]; }; then groups="h2,h1,ws"; fi
echo "sluice contender groups: $groups (ws needs dist/protocols/index.js)"

export DOCROOT="${DOCROOT:-$WORK/docroot}"
cd "$WORK/harness"
node gen-fixtures.mjs "$DOCROOT"
out=()
for a in "$@"; do [ "$a" = --out ] && out=(x); done
[ ${#out[@]} -gt 0 ] || set -- "$@" --out "$WORK/results/$(date -u +%Y-%m-%dT%H-%M-%S)"
# "sluice": the product path with its defaults (mounts' createMountHandler; bench/static-files.ts if mounts are not built),
#   and the lws-minimal chat with its default options (100 messages/s per sender, burst 200: fast senders are paced).
# "sluice-cache": the same product path with the file cache raised as the vhost keys allow
#   (file-cache-max-bytes 64 MiB, file-cache-max-file-bytes 16 MiB), unless SLUICE_CACHE_VARIANT=0.
contenders=(--contender "sluice|$groups|exec node $REPO/dist/bench/sluice-server.js")
if [ "${SLUICE_CACHE_VARIANT:-1}" = 1 ] && [ -f "$REPO/dist/mounts/index.js" ]; then
  contenders+=(--contender "sluice-cache|$groups|SLUICE_BENCH_FILE_CACHE=67108864 exec node $REPO/dist/bench/sluice-server.js")
fi
exec node run.mjs "${contenders[@]}" "$@"
