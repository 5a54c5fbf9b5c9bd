#!/usr/bin/env bash
# Applications at scale (issue 5): seeds 100,000 people and about 1,000,000 applications
# with `kabinet bench seed`, then measures on SQLite and PostgreSQL:
#   - «Мои заявления» filtered by status (a page of 50 rows) and
#     GET /api/v1/applications/{id}, each at a fixed 200 requests/s for BENCH_SECONDS with
#     the open-loop generator (bench/micro/examples/load.rs): p50/p99/max;
#   - GET /api/v1/applications/{id} at full speed (wrk -t2 -c32) beside `pgbench -S`
#     (select-only) on the same PostgreSQL, the bound.
# Markdown on stdout, progress on stderr:  bash bench/applications.sh > result.md
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
users=${BENCH_USERS:-100000}
per_user=${BENCH_PER_USER:-10}
sessions=${BENCH_SESSIONS:-200}
heavy=${BENCH_HEAVY:-300}
secs=${BENCH_SECONDS:-20}
backends=${BENCH_BACKENDS:-sqlite postgres}
pg_url=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
pg_db=${BENCH_PG_DB:-kabinet_bench_apps}
log() { printf '%s\n' "$*" >&2; }

if [[ -z ${KABINET_BIN:-} ]]; then
  (cd "$root" && cargo build --release -p kabinet >&2)
  KABINET_BIN=$root/target/release/kabinet
fi
export CARGO_TARGET_DIR=${BENCH_MICRO_TARGET:-$HOME/.cache/kabinet-micro}
(cd "$root/bench/micro" && cargo build -q --release --example load >&2)
load=$CARGO_TARGET_DIR/release/examples/load
command -v wrk >/dev/null || { apt-get update -qq >&2 && apt-get install -y -qq wrk >&2; }

work=$(mktemp -d)
pid=""
cleanup() {
  [[ -z $pid ]] || { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  psql "$pg_url/postgres" -Xqc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  psql "$pg_url/postgres" -Xqc "DROP DATABASE IF EXISTS ${pg_db}_pgbench WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=18420
rows=() bound=""
for backend in $backends; do
  env=(KABINET_DATA_DIR="$work/$backend" KABINET_LOG_LEVEL=warn KABINET_LISTEN=127.0.0.1:$port KABINET_WORKER=false)
  if [[ $backend == postgres ]]; then
    psql "$pg_url/postgres" -Xqc "SELECT 1" >/dev/null 2>&1 || { log "PostgreSQL does not answer: skipped"; continue; }
    psql "$pg_url/postgres" -Xqc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" -c "CREATE DATABASE $pg_db" >/dev/null
    env+=(KABINET_DATABASE_URL="$pg_url/$pg_db")
  fi
  mkdir -p "$work/$backend"
  log "$backend: seeding $users people"
  seeded=$(env "${env[@]}" "$KABINET_BIN" bench seed --users "$users" --per-user "$per_user" --sessions "$sessions" --heavy "$heavy" --targets "$work/targets.txt")
  log "$seeded"
  if [[ $backend == postgres ]]; then psql "$pg_url/$pg_db" -Xqc "VACUUM ANALYZE" >/dev/null; fi
  env "${env[@]}" "$KABINET_BIN" serve >"$work/$backend.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.2; done
  "$load" "http://127.0.0.1:$port" get "$work/targets.txt" 100 3 >/dev/null   # warm-up
  list=$("$load" "http://127.0.0.1:$port" list "$work/targets.txt" 200 "$secs")
  get=$("$load" "http://127.0.0.1:$port" get "$work/targets.txt" 200 "$secs")
  log "$list"; log "$get"
  full=$(BENCH_TARGETS="$work/targets.txt" wrk -t2 -c32 -d"${secs}s" --latency -s "$root/bench/lua/application_get.lua" "http://127.0.0.1:$port" | awk '
    $1 == "99%" { p99 = $2 } /^Requests\/sec:/ { rps = $2 } /Non-2xx/ { err = $NF } END { printf "%.0f | %s | %s", rps, p99, err ? err : 0 }')
  log "full speed: $full"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  pick() { sed -E "s/.*$1 ([0-9.]+) ms.*/\1/" <<<"$2"; }
  rows+=("| $backend | $(pick p50 "$list") | $(pick p99 "$list") | $(pick max "$list") | $(pick p50 "$get") | $(pick p99 "$get") | $(pick max "$get") | ${full} |")
  if [[ $backend == postgres ]]; then
    log "pgbench -S on the same server"
    psql "$pg_url/postgres" -Xqc "DROP DATABASE IF EXISTS ${pg_db}_pgbench WITH (FORCE)" -c "CREATE DATABASE ${pg_db}_pgbench" >/dev/null
    pgbench -q -i -s 10 "$pg_url/${pg_db}_pgbench" >/dev/null 2>&1
    bound=$(pgbench -S -c 32 -j 2 -T "$secs" "$pg_url/${pg_db}_pgbench" 2>/dev/null | awk '/^tps/ { printf "%.0f", $3 }')
    log "pgbench -S: $bound tps"
  fi
done

echo "Seeded: $users people, $per_user applications each, $sessions signed-in people with $heavy each."
echo
echo "| backend | list p50 (ms) | list p99 | list max | get p50 (ms) | get p99 | get max | get at full speed (req/s) | its p99 | non-2xx |"
echo "|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
[[ -z $bound ]] || echo "
pgbench -S (select-only, scale 10, 32 clients, 2 threads) on the same PostgreSQL: $bound tps."
