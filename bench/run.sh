#!/usr/bin/env bash
# Drives the real `kabinet serve` on SQLite and on PostgreSQL and prints Markdown tables:
# cold start, idle memory, and wrk throughput/latency of /healthz and /.
# Progress goes to stderr, the tables to stdout:  bash bench/run.sh > result.md
#
# Settings (environment):
#   BENCH_BACKENDS     "sqlite postgres"          which backends to measure
#   BENCH_STARTS       10                         cold starts per backend
#   BENCH_IDLE_SECS    5                          idle time before reading VmRSS
#   BENCH_THREADS      2                          wrk -t
#   BENCH_CONNECTIONS  32                         wrk -c
#   BENCH_DURATION     10s                        wrk -d, per path
#   BENCH_PATHS        "/healthz /"               paths to load
#   BENCH_PG_URL       postgres://postgres@127.0.0.1:5432   server for the scratch database
#   BENCH_PG_DB        kabinet_bench              scratch database (dropped and recreated)
#   KABINET_BIN        (unset)                    use this binary instead of building
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME and awk number formats must use a dot

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
backends=${BENCH_BACKENDS:-sqlite postgres}
starts=${BENCH_STARTS:-10}
idle_secs=${BENCH_IDLE_SECS:-5}
threads=${BENCH_THREADS:-2}
connections=${BENCH_CONNECTIONS:-32}
duration=${BENCH_DURATION:-10s}
paths=${BENCH_PATHS:-/healthz /}
pg_url=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
pg_db=${BENCH_PG_DB:-kabinet_bench}

log() { printf '%s\n' "$*" >&2; }
now_us() { echo "${EPOCHREALTIME/./}"; } # a builtin clock: no fork inside the timed region

# --- build and tools ----------------------------------------------------------------------
if [[ -z ${KABINET_BIN:-} ]]; then
  export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/kabinet-target}
  log "building the release binary in $CARGO_TARGET_DIR"
  (cd "$root" && cargo build --release -p kabinet >&2)
  KABINET_BIN=$CARGO_TARGET_DIR/release/kabinet
fi
if ! command -v wrk >/dev/null; then
  log "installing wrk"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq wrk >&2
fi

# --- server lifecycle -----------------------------------------------------------------------
work=$(mktemp -d)
pid="" drain="" pg_made=""

stop_server() {
  if [[ -n $pid ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [[ -n $drain ]]; then
    kill "$drain" 2>/dev/null || true
    wait "$drain" 2>/dev/null || true
  fi
  pid="" drain=""
}
psql_admin() { PGOPTIONS="-c client_min_messages=warning" psql "$pg_url/postgres" -X -q -v ON_ERROR_STOP=1 -c "$1" >/dev/null; }
fresh_pg_db() {
  psql_admin "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)"
  psql_admin "CREATE DATABASE $pg_db"
  pg_made=1
}
cleanup() {
  stop_server
  [[ -z $pg_made ]] || psql_admin "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # run the EXIT trap on Ctrl+C too

# Starts the server on a fresh, empty database. Sets pid, port, line_us (exec to the first
# stdout line) and ready_us (exec to the first 200 from /readyz).
start_server() { # backend
  local dir
  dir=$(mktemp -d "$work/data.XXXX")
  local -a env=(KABINET_LISTEN=127.0.0.1:0 KABINET_DATA_DIR="$dir" KABINET_LOG_LEVEL=warn)
  if [[ $1 == postgres ]]; then
    fresh_pg_db
    env+=(KABINET_DATABASE_URL="$pg_url/$pg_db")
  fi
  # stdout through a FIFO so that the first line is seen the moment it is written.
  rm -f "$work/out" && mkfifo "$work/out"
  local t0 line
  t0=$(now_us)
  env "${env[@]}" "$KABINET_BIN" serve >"$work/out" 2>>"$work/stderr.log" &
  pid=$!
  exec {out}<"$work/out"
  if ! IFS= read -r line <&$out; then
    log "the server did not start; its stderr:"; tail -n 20 "$work/stderr.log" >&2
    exit 1
  fi
  line_us=$(($(now_us) - t0))
  cat <&$out >>"$work/stdout.log" & # keep draining so the server never blocks on a pipe
  drain=$!
  exec {out}<&-
  [[ $line =~ :([0-9]+)/ ]] || { log "no port in: $line"; exit 1; }
  port=${BASH_REMATCH[1]}
  # Poll /readyz through bash's /dev/tcp: no curl fork per try, so the figure is the server's.
  local status=""
  until [[ $status == *" 200 "* ]]; do
    if { exec {tcp}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
      printf 'GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&$tcp
      IFS= read -r status <&$tcp || status=""
      exec {tcp}>&-
    fi
    (($(now_us) - t0 < 30000000)) || { log "/readyz never answered 200"; exit 1; }
  done
  ready_us=$(($(now_us) - t0))
}

# "median max" in ms of the microsecond figures given.
median_max_ms() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.1f / %.1f", m / 1000, v[NR] / 1000 }'
}
rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status"; }

# wrk --latency output -> "req/s | p50 | p99 | non-2xx and errors"
run_wrk() { # path
  wrk -t"$threads" -c"$connections" -d"$duration" --latency "http://127.0.0.1:$port$1" | awk '
    $1 == "50%" { p50 = $2 }  $1 == "99%" { p99 = $2 }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx/ { err = $NF " non-2xx" }
    /Socket errors/ { sub(/^ *Socket errors: */, ""); err = err (err ? "; " : "") "socket " $0 }
    END { printf "%.0f | %s | %s | %s", rps, p50, p99, err ? err : "none" }'
}

# --- measure ----------------------------------------------------------------------------------
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "load before measuring: $load_before"
start_rows=() load_rows=()
for backend in $backends; do
  if [[ $backend == postgres ]] && ! psql_admin "SELECT 1" 2>/dev/null; then
    log "PostgreSQL at $pg_url does not answer: skipped"
    start_rows+=("| postgres | skipped: no server at $pg_url | | | |")
    continue
  fi
  lines=() readies=()
  for ((i = 1; i <= starts; i++)); do
    start_server "$backend"
    lines+=("$line_us") readies+=("$ready_us")
    log "$backend start $i: first line $((line_us / 1000)) ms, ready $((ready_us / 1000)) ms"
    ((i == starts)) || stop_server
  done
  # The last start stays up: idle memory, then load.
  sleep "$idle_secs" & wait $! # (a trapped signal interrupts wait, not a foreground sleep)
  idle=$(rss_mb)
  for path in $paths; do
    log "$backend: wrk -t$threads -c$connections -d$duration $path"
    load_rows+=("| $backend | \`$path\` | $(run_wrk "$path") |")
  done
  loaded=$(rss_mb)
  stop_server
  start_rows+=("| $backend | $(median_max_ms "${lines[@]}") | $(median_max_ms "${readies[@]}") | $idle | $loaded |")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
log "load after measuring: $load_after"

# Other work on the machine skews every figure: the tables carry the load they saw.
echo "Load average (1, 5, 15 min) before: $load_before; after: $load_after."
echo

echo "Cold start over $starts starts on an empty database, median / max (ms); RSS from /proc/PID/status."
echo
echo "| backend | exec → first line | exec → /readyz 200 | idle RSS (MB, after ${idle_secs}s) | RSS after load (MB) |"
echo "|---|---|---|---|---|"
printf '%s\n' "${start_rows[@]}"
echo
echo "wrk -t$threads -c$connections -d$duration --latency, keep-alive, HTTP/1.1."
echo
echo "| backend | path | req/s | p50 | p99 | errors |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${load_rows[@]}"
