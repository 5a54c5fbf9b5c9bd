#!/usr/bin/env bash
# Sign-in throughput against its bound (issue 3): successful password sign-ins per second
# through the real server, next to argon2id verifications per second in a tight loop with
# the same parameters; and the latency of GET /api/v1/session while sign-ins saturate the CPU.
# Progress on stderr, Markdown on stdout:  bash bench/signin.sh > result.md
#
# Settings (environment):
#   BENCH_BACKENDS     "sqlite postgres"
#   BENCH_DURATION     20s          length of each load run
#   BENCH_CONNECTIONS  4            sign-in connections (more than cores: the hash pool stays full)
#   BENCH_PG_URL       postgres://postgres@127.0.0.1:5432
#   BENCH_PG_DB        kabinet_bench_signin (dropped and recreated)
#   KABINET_BIN        use this binary instead of building
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
backends=${BENCH_BACKENDS:-sqlite postgres}
duration=${BENCH_DURATION:-20s}
connections=${BENCH_CONNECTIONS:-4}
pg_url=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
pg_db=${BENCH_PG_DB:-kabinet_bench_signin}
log() { printf '%s\n' "$*" >&2; }

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/kabinet-target}
if [[ -z ${KABINET_BIN:-} ]]; then
  log "building the release binary in $CARGO_TARGET_DIR"
  (cd "$root" && cargo build --release -p kabinet >&2)
  KABINET_BIN=$CARGO_TARGET_DIR/release/kabinet
fi
command -v wrk >/dev/null || { apt-get update -qq >&2 && apt-get install -y -qq wrk >&2; }

# --- the bound ---------------------------------------------------------------------------------
log "measuring the argon2id bound (bench/micro/examples/argon2_bound.rs)"
secs=${duration%s}
bound_line=$(cd "$root/bench/micro" && cargo run -q --release --example argon2_bound -- "$secs" "$(nproc)")
log "$bound_line"
bound=$(sed -E 's/.*= ([0-9.]+)\/s.*/\1/' <<<"$bound_line")

# --- the server --------------------------------------------------------------------------------
work=$(mktemp -d)
pid=""
cleanup() {
  [[ -z $pid ]] || { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  psql "$pg_url/postgres" -Xqc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=18391
base=http://127.0.0.1:$port
rows=()
for backend in $backends; do
  env=(KABINET_LISTEN=127.0.0.1:$port KABINET_DATA_DIR="$work/$backend" KABINET_LOG_LEVEL=warn KABINET_DEMO=true)
  if [[ $backend == postgres ]]; then
    if ! psql "$pg_url/postgres" -Xqc "SELECT 1" >/dev/null 2>&1; then log "PostgreSQL does not answer: skipped"; continue; fi
    psql "$pg_url/postgres" -Xqc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" -c "CREATE DATABASE $pg_db" >/dev/null
    env+=(KABINET_DATABASE_URL="$pg_url/$pg_db")
  fi
  env "${env[@]}" "$KABINET_BIN" serve >"$work/$backend.out" 2>&1 &
  pid=$!
  # Ready when the demo account signs in; keep its cookie for the probe.
  cookie=""
  for _ in $(seq 100); do
    cookie=$(curl -s -o /dev/null -D - -H 'Content-Type: application/json' \
      --data-binary @<(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$root/bench/lua/signin.lua") \
      "$base/api/v1/session" 2>/dev/null | sed -n 's/^set-cookie: \([^;]*kabinet_session=[^;]*\);.*/\1/Ip' || true)
    [[ -n $cookie ]] && break
    sleep 0.2
  done
  [[ -n $cookie ]] || { log "the server never signed the demo account in"; tail "$work/$backend.out" >&2; exit 1; }
  log "$backend: signing in for $duration with $connections connections, probing GET /api/v1/session every 10 ms"
  BENCH_COOKIE=$cookie wrk -t1 -c1 -d"$duration" --latency -s "$root/bench/lua/session_probe.lua" \
    "$base/api/v1/session" >"$work/probe.txt" &
  probe=$!
  wrk -t1 -c"$connections" -d"$duration" --latency -s "$root/bench/lua/signin.lua" \
    "$base/api/v1/session" >"$work/signin.txt"
  wait "$probe"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  summary() { awk '$1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 } /^Requests\/sec:/ { rps = $2 }
      /Non-2xx/ { err = $NF " non-2xx" } /Socket errors/ { err = err " socket errors" }
      END { printf "%.1f | %s | %s | %s", rps, p50, p99, err ? err : "none" }' "$1"; }
  s=$(summary "$work/signin.txt"); p=$(summary "$work/probe.txt")
  rps=${s%% |*}
  pct=$(awk -v a="$rps" -v b="$bound" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  rows+=("| $backend | ${s} | $pct | ${p#* | } |")
done

echo "Bound: $bound_line"
echo
echo "| backend | sign-ins/s | sign-in p50 | sign-in p99 | errors | of bound | session p50 | session p99 | probe errors |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
