#!/usr/bin/env bash
# The federation gateway audit (graphql-hive/federation-gateway-audit, MIT) against Curbside's gateway: every test
# suite's supergraph served by gateway/src/main.ts, as the audit's README says to add a gateway.
#
#   bench/audit/run.sh                              # every suite
#   TEST_SUITE=requires-with-argument bench/audit/run.sh
#
# Environment: AUDIT_SOURCE (a git repository or directory holding the audit; default its GitHub URL),
# AUDIT_WORKDIR (a writable copy, default $TMPDIR/curbside-audit), TEST_SUITE (all),
# GATEWAY_TIMEOUT (60000 ms).
# Ports: AUDIT_SUBGRAPHS_PORT (4391) for the audit's subgraphs, AUDIT_GATEWAY_PORT (4381) for the gateway, not the
# audit's 4200 and 4000, which the yardstick uses too: before each suite the audit kills whatever listens on the
# gateway port. The gateway runs as in development (NODE_ENV=development: introspection on), with Redis for its
# rate limits under a key prefix of its own.
set -Eeuo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
AUDIT_SOURCE="${AUDIT_SOURCE:-https://github.com/graphql-hive/federation-gateway-audit.git}"
WORK="${AUDIT_WORKDIR:-${TMPDIR:-/tmp}/curbside-audit}"
# How long the audit waits for the gateway's health check (its default, 5 s, is short for a start through tsx).
export GATEWAY_TIMEOUT="${GATEWAY_TIMEOUT:-60000}"
SUBGRAPHS_PORT="${AUDIT_SUBGRAPHS_PORT:-4391}"
GATEWAY_PORT="${AUDIT_GATEWAY_PORT:-4381}"
for port in "$SUBGRAPHS_PORT" "$GATEWAY_PORT"; do
  if ss -ltnH "sport = :$port" | grep -q .; then echo "port $port is taken: set AUDIT_*_PORT" >&2; exit 1; fi
done

# The repository's Node 24 and tsx first on PATH, for the audit's CLI and the gateway alike.
export PATH="$REPO/node_modules/.bin:$PATH"

if [ ! -f "$WORK/package.json" ]; then
  mkdir -p "$WORK"
  if [ -d "$AUDIT_SOURCE" ] && git --git-dir="$AUDIT_SOURCE" rev-parse --git-dir > /dev/null 2>&1; then
    git --git-dir="$AUDIT_SOURCE" archive HEAD | tar -x -C "$WORK"
  elif [ -d "$AUDIT_SOURCE" ]; then
    cp -r "$AUDIT_SOURCE/." "$WORK/"
  else
    git clone --depth 1 "$AUDIT_SOURCE" "$WORK"
  fi
fi
# The CLI runs with this repository's tsx; the audit's dev dependencies are the peer gateways, not needed here,
# but for graphql (its peer dependency, listed among them): this repository's graphql 16 is copied in, as
# npm cannot add one package without resolving the dev dependencies too.
[ -d "$WORK/node_modules" ] || (cd "$WORK" && npm install --no-audit --no-fund --omit=dev)
[ -d "$WORK/node_modules/graphql" ] || cp -rL "$REPO/node_modules/graphql" "$WORK/node_modules/graphql"

# The audit's way to add a gateway: gateways/<name>/ with gateway.json and run.sh (given the suite's id, it
# writes that suite's supergraph.graphql here, then starts the gateway).
mkdir -p "$WORK/gateways/curbside"
cat > "$WORK/gateways/curbside/gateway.json" << JSON
{
  "name": "Curbside",
  "repository": "https://github.com/curbside/curbside",
  "website": "https://curbside.dev",
  "graphql": "http://127.0.0.1:$GATEWAY_PORT/graphql",
  "health": "http://127.0.0.1:$GATEWAY_PORT/health"
}
JSON
cat > "$WORK/gateways/curbside/run.sh" << SH
npm start supergraph -- --cwd ./gateways/curbside --port $SUBGRAPHS_PORT --test \$1
cd "$REPO" && exec env NODE_ENV=development SUPERGRAPH_PATH="$WORK/gateways/curbside/supergraph.graphql" \\
  PORT=$GATEWAY_PORT HOST=127.0.0.1 REDIS_KEY_PREFIX="curbside:audit:\$1:" LOG_LEVEL=warn \\
  node --import tsx gateway/src/main.ts
SH

cd "$WORK"
endpoints=(--port "$SUBGRAPHS_PORT" --graphql "http://127.0.0.1:$GATEWAY_PORT/graphql"
  --healthcheck "http://127.0.0.1:$GATEWAY_PORT/health")
if [ -n "${TEST_SUITE:-}" ]; then
  npm start -- test-suite --test "$TEST_SUITE" --cwd ./gateways/curbside --run-script ./run.sh "${endpoints[@]}"
else
  npm start -- test --cwd ./gateways/curbside --run-script ./run.sh --reporter dot "${endpoints[@]}"
fi
