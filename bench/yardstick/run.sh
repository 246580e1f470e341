#!/usr/bin/env bash
# Curbside's gateway on the peer yardstick (../shared/yardsticks/gateways-benchmark, see its README), beside bare
# @apollo/gateway and Hive Gateway without in-flight dedup: RUNS interleaved rounds, every gateway on Node 24, then
# the medians and Curbside's ratios to the others.
#
#   bench/yardstick/run.sh                                   # apollo, hive, curbside (this checkout), 3 rounds
#   GATEWAYS="apollo hive hive-dedup curbside curbside-dedup" bench/yardstick/run.sh   # the issue-18 comparison
#   GATEWAYS="apollo curbside curbside:/work/wt-perf" RUNS=2 bench/yardstick/run.sh
#
# `curbside` runs Curbside's gateway with its own plan executor and no in-flight sharing at all (like `hive`,
# Hive Gateway without its inbound dedup); `curbside-dedup` with both kinds of sharing on (identical subgraph
# fetches, the default, and identical inbound queries, SHARE_IN_FLIGHT_OPERATIONS=on), to compare with
# `hive-dedup` (Hive Gateway as configured by default, inbound dedup on); a `curbside:<dir>` entry runs the
# gateway (as `curbside`) of another checkout (a worktree), labelled after the folder.
# Environment: RUNS (3), GATEWAYS, YARDSTICK (the shared folder), YARDSTICK_WORKDIR (a writable copy of it,
# default $TMPDIR/curbside-yardstick), RESULTS (default <workdir>/results/<date>), WARMUP_SECONDS and
# MEASURE_SECONDS (run-bench.sh's 15 and 60), CURBSIDE_NODE_FLAGS (extra Node flags for Curbside's gateway, none by
# default: to try V8 settings such as --max-semi-space-size).
#
# The shared folder is read-only: the yardstick is copied once to the work folder and installed there (npm
# install, as its README says), so nothing is written into the shared copy.
# Curbside runs as in production: its build (`pnpm build`, run first in each checkout measured) started with
# `node gateway/dist/main.js` as the image does, not through tsx; NODE_ENV=production, every protection on, with
# its rate limits raised to
# 2^53-1 points a minute: every request is still charged in Redis, none is ever refused. The yardstick's query
# is estimated at 23,315 cost points (lists sized by default), above the default limit of 5,000: the limit is
# raised to 100,000 so it is still measured and checked on every request, and passes.
set -Eeuo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
YARDSTICK="${YARDSTICK:-$(cd "$REPO/.." && pwd)/shared/yardsticks/gateways-benchmark}"
WORK="${YARDSTICK_WORKDIR:-${TMPDIR:-/tmp}/curbside-yardstick}"
RUNS="${RUNS:-3}"
GATEWAYS="${GATEWAYS:-apollo hive curbside}"
RESULTS="${RESULTS:-$WORK/results/$(date +%Y%m%d-%H%M%S)}"
CURBSIDE_NODE_FLAGS="${CURBSIDE_NODE_FLAGS:-}"
UNLIMITED=9007199254740991

# The repository's Node 24 (the `node` devDependency) first on PATH, for the gateways, npm and check.mjs alike.
export PATH="$REPO/node_modules/.bin:$PATH"
case "$(node --version)" in
  v24.*) ;;
  *) echo "expected Node 24 from $REPO/node_modules/.bin, got $(node --version): run pnpm install" >&2; exit 1 ;;
esac
# Production requires the credential the gateway signs subgraph requests with; one for this sitting.
GATEWAY_SECRET="$(node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('hex'))")"
command -v wrk > /dev/null || { echo 'wrk is missing: apt-get install -y wrk' >&2; exit 1; }

if [ ! -x "$WORK/run-bench.sh" ]; then
  mkdir -p "$WORK"
  cp -r "$YARDSTICK/." "$WORK/"
  chmod -R u+w "$WORK"
fi
[ -d "$WORK/node_modules" ] || (cd "$WORK" && npm install --no-audit --no-fund)
[ -d "$WORK/hive/node_modules" ] || (cd "$WORK/hive" && npm install --no-audit --no-fund)

port_busy() { ss -ltnH "sport = :$1" | grep -q .; }

STARTED_SUBGRAPHS=""
stop_subgraphs() {
  if [ -n "$STARTED_SUBGRAPHS" ]; then
    kill -TERM "$STARTED_SUBGRAPHS" 2>/dev/null || true
    STARTED_SUBGRAPHS=""
  fi
}
trap stop_subgraphs EXIT
if port_busy 4200; then
  [ -s "$WORK/subgraphs.pid" ] && kill -0 "$(cat "$WORK/subgraphs.pid")" 2>/dev/null ||
    { echo 'port 4200 is taken by something other than the yardstick subgraphs' >&2; exit 1; }
  echo "reusing the yardstick subgraphs (pid $(cat "$WORK/subgraphs.pid"))"
else
  # Without job control the background command is no group leader, so setsid does not fork: $! is Node's pid.
  (cd "$WORK" && { setsid taskset -c 0 node subgraphs.mjs > subgraphs.log 2>&1 & echo $! > "$WORK/subgraphs.pid"; })
  STARTED_SUBGRAPHS="$(cat "$WORK/subgraphs.pid")"
  for _ in $(seq 1 40); do port_busy 4200 && break; sleep 0.25; done
fi

label_of() {
  case "$1" in
    curbside:*)
      local folder
      folder="$(basename "${1#curbside:}")"
      case "$folder" in curbside*) echo "$folder" ;; *) echo "curbside-$folder" ;; esac ;;
    *) echo "$1" ;;
  esac
}

run_one() {
  local gateway="$1" round="$2" label out
  label="$(label_of "$gateway")"
  out="$RESULTS/$label-run$round"
  mkdir -p "$out"
  if port_busy 4000; then echo 'port 4000 is taken: stop what listens there first' >&2; exit 1; fi
  uptime > "$out/loadavg.txt"
  case "$gateway" in
    apollo)
      OUTDIR="$out" "$WORK/run-bench.sh" "$label-run$round" "$WORK" - \
        env NODE_ENV=production FORK=1 node apollo-gateway.mjs ;;
    hive | hive-dedup)
      local config=gateway.nodedup.config.ts
      [ "$gateway" = hive-dedup ] && config=gateway.config.ts
      OUTDIR="$out" "$WORK/run-bench.sh" "$label-run$round" "$WORK/hive" - \
        env NODE_ENV=production node_modules/.bin/hive-gateway supergraph ../supergraph.graphql \
        -c "$config" --jit --host 127.0.0.1 --port 4000 --fork 1 ;;
    curbside | curbside:* | curbside-dedup)
      local dir="$REPO" subgraph_sharing=off operation_sharing=off
      case "$gateway" in
        curbside:*) dir="${gateway#curbside:}" ;;
        curbside-dedup) subgraph_sharing=on operation_sharing=on ;;
      esac
      OUTDIR="$out" "$WORK/run-bench.sh" "$label-run$round" "$dir" - \
        env NODE_ENV=production SUBGRAPH_SHARE_IN_FLIGHT_QUERIES="$subgraph_sharing" \
        SHARE_IN_FLIGHT_OPERATIONS="$operation_sharing" GATEWAY_SECRET="$GATEWAY_SECRET" SUPERGRAPH_PATH="$WORK/supergraph.graphql" PORT=4000 HOST=127.0.0.1 \
        REDIS_KEY_PREFIX=curbside:yardstick: OPERATION_MAX_COST=100000 RATE_LIMIT_USER_COST=$UNLIMITED \
        RATE_LIMIT_ANONYMOUS_COST=$UNLIMITED RATE_LIMIT_AUTH_ATTEMPTS=$UNLIMITED \
        node $CURBSIDE_NODE_FLAGS gateway/dist/main.js ;;
    *) echo "unknown gateway '$gateway' (apollo, hive, hive-dedup, curbside, curbside-dedup, curbside:<dir>)" >&2; exit 1 ;;
  esac
  uptime >> "$out/loadavg.txt"
  # A gateway whose answer was wrong does not count, however fast.
  if grep -q 'deepEqual FAIL' "$out/check.txt"; then echo "$label run $round: wrong response" >&2; exit 1; fi
}

# Each Curbside checkout measured is built once, as production runs it (see above).
BUILT=" "
for gateway in $GATEWAYS; do
  case "$gateway" in
    curbside | curbside-dedup) dir="$REPO" ;;
    curbside:*) dir="${gateway#curbside:}" ;;
    *) continue ;;
  esac
  case "$BUILT" in *" $dir "*) continue ;; esac
  (cd "$dir" && pnpm build > /dev/null) || { echo "pnpm build failed in $dir" >&2; exit 1; }
  BUILT="$BUILT$dir "
done

mkdir -p "$RESULTS"
echo "results in $RESULTS; $(nproc) CPUs; $(uptime)"
for round in $(seq 1 "$RUNS"); do
  for gateway in $GATEWAYS; do run_one "$gateway" "$round"; done
done

# Curbside's keys (rate-limit windows, the queue dashboard's queue metadata) under the yardstick's own prefix.
if command -v redis-cli > /dev/null; then
  redis-cli --scan --pattern 'curbside:yardstick:*' | xargs -r redis-cli del > /dev/null
fi

LABELS="$(for gateway in $GATEWAYS; do label_of "$gateway"; done | tr '\n' ' ')"
node --input-type=module - "$RESULTS" $LABELS <<'EOF'
import { readFileSync, readdirSync } from 'node:fs';
const [results, ...labels] = process.argv.slice(2);
const median = (values) => {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const rows = new Map();
for (const label of labels) {
  const runs = readdirSync(results)
    .filter((name) => name.startsWith(`${label}-run`))
    .map((name) => {
      const summary = JSON.parse(readFileSync(`${results}/${name}/summary.json`, 'utf8'));
      const load = readFileSync(`${results}/${name}/loadavg.txt`, 'utf8').match(/load average: ([\d.]+)/g) ?? [];
      return { ...summary, load: load.map((line) => line.split(': ')[1]).join('→') };
    });
  const failed = runs.reduce((sum, run) => sum + run.wrk.non200 + run.wrk.graphql_errors, 0);
  rows.set(label, {
    runs: runs.map((run) => run.wrk.rps),
    load: runs.map((run) => run.load),
    rps: median(runs.map((run) => run.wrk.rps)),
    p50: median(runs.map((run) => run.wrk.lat_ms.p50)),
    p95: median(runs.map((run) => run.wrk.lat_ms.p95)),
    p99: median(runs.map((run) => run.wrk.lat_ms.p99)),
    cpuMsPerRequest: median(runs.map((run) => (10 * run.gateway_cpu_pct) / run.wrk.rps)),
    rssMb: median(runs.map((run) => run.gateway_max_rss_mb)),
    failed,
  });
}
console.log('\ngateway               req/s (median)  runs                       p50 ms  p95 ms  p99 ms  CPU ms/req  RSS MB  failed');
for (const [label, row] of rows) {
  console.log(
    `${label.padEnd(20)}  ${row.rps.toFixed(1).padStart(14)}  ${row.runs.map((rps) => rps.toFixed(1)).join(' / ').padEnd(25)}  ` +
      `${row.p50.toFixed(0).padStart(6)}  ${row.p95.toFixed(0).padStart(6)}  ${row.p99.toFixed(0).padStart(6)}  ` +
      `${row.cpuMsPerRequest.toFixed(2).padStart(10)}  ${String(row.rssMb).padStart(6)}  ${String(row.failed).padStart(6)}`,
  );
}
console.log('\nload average (1 min) before→after each run:');
for (const [label, row] of rows) console.log(`  ${label.padEnd(20)} ${row.load.join('   ')}`);
const ratios = [];
for (const [label, row] of rows) {
  if (!label.startsWith('curbside')) continue;
  for (const peer of ['apollo', 'hive', 'hive-dedup']) {
    const other = rows.get(peer);
    if (!other) continue;
    const ratio = row.rps / other.rps;
    ratios.push({ gateway: label, versus: peer, ratio: Math.round(ratio * 1000) / 1000 });
    console.log(`${label} / ${peer}: ${ratio.toFixed(2)}× requests per second (median to median)`);
  }
}
console.log(`RESULT ${JSON.stringify({ benchmark: 'yardstick', node: process.version, results, gateways: Object.fromEntries(rows), ratios })}`);
EOF
