#!/usr/bin/env bash
# The load and soak benchmark (RELIABILITY.md, "Load and soak"), the step of scripts/bench.sh
# after the footprint: on the million articles that step stored in OUT/million, `freewire
# serve` follows 100 feeds on a loopback feed server that keeps publishing, while
# `freewire-bench load` drives the mix (80 % anonymous pages, 15 % signed-in pages, 5 %
# updates with a file): a minute closed loop at 32 connections, then a soak at a fixed rate
# with the server's resident memory and open files sampled. Figures in OUT/load.
#
#   scripts/bench/load.sh [OUT]            OUT defaults to target/bench; binaries from target/release
#   BENCH_SKIP_SOAK=1                      the minute only
#   BENCH_SOAK_SECONDS=3600                the soak's length (the figures are for an hour)
#   BENCH_SOAK_RATE=100                    the soak's rate, requests a second (default: half the
#                                          closed loop's, a load the site keeps up with)
#   BENCH_LOAD_ACCOUNTS=100                signed-in accounts (created when missing)
#   BENCH_FEED_PORT=47811                  the loopback feed server's port
#   BENCH_LOAD_FEEDS=100                   feeds the poller follows, each every 60 to 120 s
#   BENCH_LOAD_LIST_PAGES=0                leave the front and tag pages out of the page views
#
# The million articles gain what the poller ingests and the updates posted; a later
# BENCH_REUSE_MILLION run serves them as they are. Progress of the soak: one JSON line per
# sample in OUT/load/soak-progress.jsonl.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-target/bench}"
bench="$PWD/target/release/freewire-bench"
freewire="$PWD/target/release/freewire"
million="$out/million"
load="$out/load"
[ -f "$million/freewire.db" ] && [ -d "$million/search" ] || {
  echo "no million articles in $million: run scripts/bench.sh (its footprint step stores them)" >&2
  exit 1
}
rm -rf "$load" && mkdir -p "$load"
# Articles never grouped into stories are grouped by `serve` itself as it starts, holding the
# database while it does: a million of them take the first half hour of serving. Grouped first,
# as the footprint step does.
if [ "$(sqlite3 "$million/freewire.db" "SELECT EXISTS (SELECT 1 FROM articles WHERE story_id IS NULL)")" = 1 ]; then
  "$bench" grouping --database "sqlite://$(realpath "$million")/freewire.db?mode=rwc" > "$load/grouping.json"
fi
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

# The poller follows 100 feeds (about one poll a second: as many as 900 feeds at the default
# 15-minute interval) on 20 loopback hosts; every tenth feed has a new item each time it is
# asked. A fixed port keeps the feeds' addresses the same from one run to the next.
feeds="${BENCH_LOAD_FEEDS:-100}"
feed_port="${BENCH_FEED_PORT:-47811}"
: > "$load/feed-server.addr"
"$bench" feed-server --feeds 1000 --hosts 20 --port "$feed_port" > "$load/feed-server.addr" &
pids+=($!)
for _ in $(seq 1 100); do [ "$(wc -l < "$load/feed-server.addr")" -ge 20 ] && break; sleep 0.1; done
python3 - "$load/feed-server.addr" "$feeds" > "$load/feeds.opml" <<'PY'
import sys
hosts = open(sys.argv[1]).read().split()
print('<?xml version="1.0"?><opml version="2.0"><head><title>load</title></head><body>')
for n in range(int(sys.argv[2])):
    print(f'<outline text="Wire {n}" type="rss" xmlUrl="{hosts[n % len(hosts)]}/feed/{n}.xml" htmlUrl="https://wire-{n}.example/"/>')
print('</body></opml>')
PY
site=(env FREEWIRE_DATA_DIR="$million" FREEWIRE_LOG=warn)
# Feeds followed already (an earlier run) are skipped.
"${site[@]}" "$freewire" opml import "$load/feeds.opml" --licence CC-BY-4.0 > "$load/opml-import.log"
head -1 "$load/opml-import.log"
# Only these are followed: feeds an earlier run followed beyond them are switched off.
sqlite3 "$million/freewire.db" \
  "UPDATE feeds SET enabled = (id IN (SELECT id FROM feeds WHERE url LIKE '%:$feed_port/feed/%' ORDER BY id LIMIT $feeds))"

# The signed-in readers. With 100, the soak's five updates a second come to one per account
# every 20 s, under the upload limit (20 at once, then one every 15 s per account).
accounts="${BENCH_LOAD_ACCOUNTS:-100}"
export FREEWIRE_BENCH_PASSWORD="load-and-soak-on-loopback-only"
for n in $(seq 1 "$accounts"); do
  # An account made by an earlier run is given the password again.
  printf '%s\n' "$FREEWIRE_BENCH_PASSWORD" \
    | "${site[@]}" "$freewire" user add "load$n" --role contributor > /dev/null 2>&1 \
    || printf '%s\n' "$FREEWIRE_BENCH_PASSWORD" | "${site[@]}" "$freewire" user reset-password "load$n" > /dev/null
done

# The pages: 2,000 articles spread over the ids, front pages, 30 tags, 12 searches.
{
  sqlite3 -separator ' ' "$million/freewire.db" \
    "SELECT 'article', '/' || permalink || '/', id FROM articles WHERE status = 'published' ORDER BY (id * 7919) % 1000003 LIMIT 2000"
  if [ "${BENCH_LOAD_LIST_PAGES:-1}" != 0 ]; then
    printf 'front %s\n' / '/?page=2' '/?page=3' '/?page=10'
    sqlite3 "$million/freewire.db" "SELECT DISTINCT slug FROM article_tags LIMIT 30" | sed 's|.*|tag /tag/&/|'
  fi
  printf 'search /search?q=%s\n' harbour council ferry election court police water housing school \
    'harbour+workers' 'council+housing' '%22ferry+strike%22'
} > "$load/paths.txt"

# Polling every 10 s, each feed every 60 to 120 s. No full-text fetches and no re-reading (the
# outlets' pages are not served).
export FREEWIRE_BENCH_METRICS_TOKEN="load-metrics-on-loopback-only"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
env FREEWIRE_DATA_DIR="$million" FREEWIRE_LISTEN="127.0.0.1:$port" FREEWIRE_BASE_URL="$url/" FREEWIRE_LOG=warn \
  FREEWIRE_POLL__ENABLED=true FREEWIRE_POLL__EVERY_SECS=10 FREEWIRE_POLL__MIN_INTERVAL_SECS=60 \
  FREEWIRE_POLL__MAX_INTERVAL_SECS=120 FREEWIRE_POLL__FULL_TEXT=false FREEWIRE_POLL__RECHECK_SCHEDULE_SECS='[]' \
  FREEWIRE_FETCH__ALLOW_PRIVATE=true FREEWIRE_METRICS__TOKEN="$FREEWIRE_BENCH_METRICS_TOKEN" \
  "$freewire" serve > "$load/serve.log" 2>&1 &
server=$!
pids+=("$server")
until curl -fso /dev/null "$url/"; do
  kill -0 "$server" 2>/dev/null || { cat "$load/serve.log" >&2; exit 1; }
  sleep 0.1
done
# The first cycle reads every feed whole (three new articles each); the figures are for the
# steady state after it, so the load starts once every feed has been polled.
polls() {
  curl -fs -H "Authorization: Bearer $FREEWIRE_BENCH_METRICS_TOKEN" "$url/metrics" \
    | awk '/^freewire_polls_total/ { n += $NF } END { print n + 0 }'
}
for _ in $(seq 1 600); do [ "$(polls)" -ge "$feeds" ] && break; sleep 1; done

"$bench" load --url "$url" --paths "$load/paths.txt" --accounts "$accounts" \
  --duration 60s --connections 32 --sample-every 5s --pid "$server" \
  --summary "$load/closed.md" > "$load/closed.json"
cat "$load/closed.md"
if [ -z "${BENCH_SKIP_SOAK:-}" ]; then
  # A soak is a load the site keeps up with: by default half what the closed loop reached.
  rate="${BENCH_SOAK_RATE:-$(python3 -c 'import json, sys; print(max(0.1, round(json.load(open(sys.argv[1]))["overall"]["per_second"] / 2, 1)))' "$load/closed.json")}"
  echo "soak: $rate requests a second for ${BENCH_SOAK_SECONDS:-3600} s (progress in $load/soak-progress.jsonl)"
  "$bench" load --url "$url" --paths "$load/paths.txt" --accounts "$accounts" \
    --rate "$rate" --duration "${BENCH_SOAK_SECONDS:-3600}s" --sample-every 30s \
    --pid "$server" --progress "$load/soak-progress.jsonl" \
    --summary "$load/soak.md" > "$load/soak.json"
  cat "$load/soak.md"
fi
kill "$server"
wait "$server" 2>/dev/null || true
