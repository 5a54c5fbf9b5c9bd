#!/usr/bin/env bash
# Broadcast at scale (issue 7): seeds people with `kabinet bench seed`, turns news by
# e-mail on for everyone, sends one broadcast and processes it in one process
# (`kabinet bench broadcast`): notifications per second into the inbox and the
# process's peak memory at two sizes (flat means it does not grow with the number of
# recipients); then e-mails per second to an SMTP sink on loopback (bench/smtp_sink.py).
# Markdown on stdout, progress on stderr:  bash bench/broadcast.sh > result.md
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sizes=${BENCH_SIZES:-10000 100000}
deliver_size=${BENCH_DELIVER_SIZE:-10000}
backends=${BENCH_BACKENDS:-sqlite postgres}
pg_url=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
pg_db=${BENCH_PG_DB:-kabinet_bench_broadcast}
log() { printf '%s\n' "$*" >&2; }

if [[ -z ${KABINET_BIN:-} ]]; then
  (cd "$root" && cargo build --release -p kabinet >&2)
  KABINET_BIN=$root/target/release/kabinet
fi
work=$(mktemp -d)
sink=""
cleanup() {
  [[ -z $sink ]] || kill "$sink" 2>/dev/null || true
  psql "$pg_url/postgres" -Xqc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
python3 "$root/bench/smtp_sink.py" 18525 &
sink=$!

echo "| backend | recipients | inbox notifications/s | peak RSS (MiB) | e-mails/s to SMTP |"
echo "|---|---|---|---|---|"
for backend in $backends; do
  for size in $sizes; do
    env=(KABINET_DATA_DIR="$work/$backend-$size" KABINET_LOG_LEVEL=warn KABINET_SMTP_URL=smtp://127.0.0.1:18525 KABINET_PUBLIC_URL=https://kabinet.example.ru)
    if [[ $backend == postgres ]]; then
      psql "$pg_url/postgres" -Xqc "SELECT 1" >/dev/null 2>&1 || { log "PostgreSQL does not answer: skipped"; continue; }
      psql "$pg_url/postgres" -Xqc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" -c "CREATE DATABASE $pg_db" >/dev/null
      env+=(KABINET_DATABASE_URL="$pg_url/$pg_db")
    fi
    mkdir -p "$work/$backend-$size"
    log "$backend: seeding $size people"
    env "${env[@]}" "$KABINET_BIN" bench seed --users "$size" --per-user 0 --sessions 0 --heavy 0 --targets "$work/targets.txt" >&2
    args=(bench broadcast --news-email)
    [[ $size != "$deliver_size" ]] || args+=(--deliver)
    out=$(env "${env[@]}" "$KABINET_BIN" "${args[@]}")
    log "$out"
    rate=$(sed -E 's/.* = ([0-9]+)\/s into the inbox.*/\1/' <<<"$out")
    rss=$(sed -E 's/.*MiB before, ([0-9.]+) MiB after.*/\1/' <<<"$out")
    mail=$(grep -oE '= [0-9]+/s to SMTP' <<<"$out" | grep -oE '[0-9]+' || echo "—")
    echo "| $backend | $size | $rate | $rss | $mail |"
  done
done
