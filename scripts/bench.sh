#!/usr/bin/env bash
# freewire's benchmarks, side by side in one run, with their anchors measured in the same run.
# Builds what it needs, generates every input locally, and writes a Markdown report with the
# date and the machine to target/bench/report.md (and prints it). Measurements, not tests:
# nothing fails on a number.
#
#   scripts/bench.sh                      everything (the search run takes a few minutes)
#   BENCH_SKIP_SEARCH=1 scripts/bench.sh  without the 1,000,000-article search run
#   BENCH_SKIP_FOOTPRINT=1 scripts/bench.sh   without the 1,000,000-article serving footprint
#   BENCH_REUSE_MILLION=1 scripts/bench.sh    serve the million articles an earlier run stored
#   BENCH_SKIP_LOAD=1 scripts/bench.sh    without the mixed load and soak on the million articles
#   BENCH_SKIP_SOAK=1 scripts/bench.sh    the mixed load's minute, without the soak
#   BENCH_SOAK_SECONDS=600 scripts/bench.sh   a shorter soak (default 3600 s: the figures are for an hour)
#   BENCH_SOAK_RATE=100                   the soak's fixed rate, requests a second (default: half
#                                         what the mixed load's closed loop reached)
#   BENCH_POSTGRES_URL=postgres://USER@HOST:PORT/DB   where to create the PostgreSQL database
#                                         (default postgres://postgres@127.0.0.1:5432/test)
set -euo pipefail
cd "$(dirname "$0")/.."
out="target/bench"
mkdir -p "$out"
step() { printf '\n==> %s\n' "$*" >&2; }

step "Python feedparser (the parse anchor)"
py_env="${BENCH_PYTHON_ENV:-$HOME/.cache/freewire-bench-python}"
if ! "$py_env/bin/python" -c "import feedparser" 2>/dev/null; then
  python3 -m venv "$py_env"
  "$py_env/bin/pip" install -q "feedparser==6.0.14"
fi

step "building (release)"
cargo build --release --locked -p freewire-bench -p freewire
bench="target/release/freewire-bench"
freewire="$PWD/target/release/freewire"
command -v sqlite3 >/dev/null || { apt-get update -q && apt-get install -y -q sqlite3; }

step "generating 10,000 feed items (RSS 2.0, Atom 1.0, JSON Feed 1.1)"
rm -rf "$out/corpus"
"$bench" corpus "$out/corpus" --items 10000

step "parse: freewire"
"$bench" parse "$out/corpus" > "$out/parse.json"
"$bench" parse "$out/corpus" --sanitise > "$out/parse-sanitise.json"
"$bench" parse "$out/corpus" --xml-only > "$out/parse-xml.json"
"$bench" parse "$out/corpus" --xml-only --sanitise > "$out/parse-xml-sanitise.json"
step "parse: feedparser"
"$py_env/bin/python" scripts/bench/feedparser_parse.py "$out/corpus" > "$out/feedparser.json"

step "agreement with feedparser, field by field (shared corpus read in place, and our format documents)"
feeds_corpus="${BENCH_FEEDS:-../shared/corpus/feeds}"
if [ -d "$feeds_corpus" ]; then
  "$bench" agreement --python "$py_env/bin/python" "$feeds_corpus" crates/freewire-ingest/tests/fixtures/formats \
    > "$out/agreement.json"
else
  echo "  no feed corpus at $feeds_corpus (BENCH_FEEDS names it): agreement left out"
  rm -f "$out/agreement.json"
fi

step "ingest into SQLite"
rm -f "$out"/ingest.db*
"$bench" ingest "$out/corpus" --database "sqlite://$PWD/$out/ingest.db?mode=rwc" > "$out/ingest-sqlite.json"

step "ingest into PostgreSQL"
admin="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
db="freewire_bench_$$"
psql -q "$admin" -c "CREATE DATABASE $db"
trap 'psql -q "$admin" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
"$bench" ingest "$out/corpus" --database "${admin%/*}/$db" > "$out/ingest-postgres.json"

step "poll cycle: 10,000 feeds on a loopback server"
"$bench" feed-server --feeds 10000 --hosts 100 > "$out/feed-server.addr" &
server=$!
trap 'kill $server 2>/dev/null || true; psql -q "$admin" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 100); do [ "$(wc -l < "$out/feed-server.addr")" -ge 100 ] && break; sleep 0.1; done
rm -rf "$out/poll"
python3 - "$out/feed-server.addr" > "$out/feeds.opml" <<'PY'
import sys
hosts = open(sys.argv[1]).read().split()
print('<?xml version="1.0"?><opml version="2.0"><head><title>bench</title></head><body>')
for n in range(10000):
    print(f'<outline text="Outlet {n}" type="rss" xmlUrl="{hosts[n % len(hosts)]}/feed/{n}.xml" htmlUrl="https://outlet-{n}.example/"/>')
print('</body></opml>')
PY
poll_env=(env FREEWIRE_DATA_DIR="$out/poll" FREEWIRE_FETCH__ALLOW_PRIVATE=true FREEWIRE_POLL__FULL_TEXT=false FREEWIRE_LOG=warn)
"${poll_env[@]}" "$freewire" opml import "$out/feeds.opml" --licence CC-BY-4.0 > /dev/null
# The first cycle reads every feed whole; the second, once all are due again, is the steady
# state: nine in ten answer 304.
/usr/bin/time -f '{"seconds": %e, "max_rss_kib": %M}' -o "$out/poll-first.json" \
  "${poll_env[@]}" "$freewire" poll --once > "$out/poll-first.log"
# Every feed due again: the year set back, the stored timestamp format kept.
sqlite3 "$out/poll/freewire.db" "UPDATE feeds SET next_poll_at = '2000' || substr(next_poll_at, 5)"
/usr/bin/time -f '{"seconds": %e, "max_rss_kib": %M}' -o "$out/poll-second.json" \
  "${poll_env[@]}" "$freewire" poll --once > "$out/poll-second.log"
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
for cycle in ("first", "second"):
    lines = open(os.path.join(out, f"poll-{cycle}.log")).read().splitlines()
    figures = json.load(open(os.path.join(out, f"poll-{cycle}.json")))
    figures["feeds"] = sum(1 for l in lines if l.startswith("http"))
    figures["not_modified"] = sum(1 for l in lines if l.endswith(": not modified"))
    figures["failed"] = sum(1 for l in lines if ": FAILED" in l)
    json.dump(figures, open(os.path.join(out, f"poll-{cycle}.json"), "w"))
PY
kill $server 2>/dev/null || true

# Starts `freewire serve` on a free port with the data folder $1; sets $site_pid and $site_url
# and writes the milliseconds until the home page first answered to $2.
serve_site() {
  local port
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  site_url="http://127.0.0.1:$port"
  local started
  started="$(date +%s%N)"
  env FREEWIRE_DATA_DIR="$1" FREEWIRE_LISTEN="127.0.0.1:$port" FREEWIRE_BASE_URL="$site_url/" \
    FREEWIRE_POLL__ENABLED=false FREEWIRE_LOG=warn "$freewire" serve > "$1/serve.log" 2>&1 &
  site_pid=$!
  until curl -fso /dev/null "$site_url/"; do
    kill -0 "$site_pid" 2>/dev/null || { cat "$1/serve.log" >&2; exit 1; }
    sleep 0.01
  done
  echo $(( ($(date +%s%N) - started) / 1000000 )) > "$2"
}
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
# The part of it that is the process's own memory, not mapped files (the search index).
anon_kib() { awk '/^RssAnon/ { print $2 }' "/proc/$1/status"; }
# wrk's figures as JSON: requests per second and the 99th-percentile latency in ms.
wrk_json() {
  python3 -c '
import json, re, sys
text = sys.stdin.read()
unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(json.dumps({"rps": float(rps.group(1)), "p99_ms": float(p99.group(1)) * unit[p99.group(2)],
                  "non_2xx": int(errors.group(1)) if errors else 0}))'
}
command -v wrk >/dev/null && command -v nginx >/dev/null || {
  apt-get update -q && apt-get install -y -q wrk nginx-light
}

step "article page under keep-alive load: freewire against nginx serving the same HTML"
rm -rf "$out/site" && mkdir -p "$out/site/static"
sqlite3 "$out/ingest.db" ".backup '$out/site/freewire.db'"
FREEWIRE_DATA_DIR="$out/site" FREEWIRE_LOG=warn "$freewire" search rebuild > /dev/null
# A reader with an account, for the signed-in figures.
reader_password="bench-reader-on-loopback-only"
printf '%s\n' "$reader_password" \
  | FREEWIRE_DATA_DIR="$out/site" FREEWIRE_LOG=warn "$freewire" user add bench-reader --role contributor > /dev/null
serve_site "$out/site" "$out/site-start-ms"
page="/$(sqlite3 "$out/site/freewire.db" "SELECT permalink FROM articles WHERE status = 'published' ORDER BY id LIMIT 1 OFFSET 5000")/"
curl -fs "$site_url$page" > "$out/site/static/article.html"
wrk -t2 -c32 -d15s --latency "$site_url$page" | wrk_json > "$out/page-freewire.json"
# Signed in through the sign-in form, as a browser is; every request then carries the session.
jar="$out/site/cookies.txt"
rm -f "$jar"
csrf="$(curl -fs -c "$jar" "$site_url/login" \
  | python3 -c 'import re, sys; print(re.search(r"name=\"csrf\" value=\"([^\"]+)\"", sys.stdin.read()).group(1))')"
curl -fs -o /dev/null -b "$jar" -c "$jar" -H "Origin: $site_url" --data-urlencode "username=bench-reader" \
  --data-urlencode "password=$reader_password" --data-urlencode "csrf=$csrf" --data-urlencode "next=/" "$site_url/login"
cookie="$(awk -F '\t' 'NF >= 7 && ($1 !~ /^#/ || $1 ~ /^#HttpOnly_/) { print $6 "=" $7 }' "$jar" | paste -sd ';')"
# Read whole before the check: `grep -q` stops at the first match, and the pipe's writer then
# fails on the closed pipe, which `pipefail` would take for a failed sign-in.
signed_in_page="$(curl -fs -H "Cookie: $cookie" "$site_url$page")"
grep -q 'class="upload"' <<< "$signed_in_page" \
  || { echo "signing the bench reader in failed: the article page shows no update form" >&2; exit 1; }
wrk -t2 -c32 -d15s --latency -H "Cookie: $cookie" "$site_url$page" | wrk_json > "$out/page-freewire-signed-in.json"
kill "$site_pid"; wait "$site_pid" 2>/dev/null || true
# The same with no page kept: every request rendered, as for a signed-in reader.
FREEWIRE_PAGE_CACHE_SECONDS=0 serve_site "$out/site" "$out/site-start-ms"
wrk -t2 -c32 -d15s --latency "$site_url$page" | wrk_json > "$out/page-freewire-rendered.json"
kill "$site_pid"; wait "$site_pid" 2>/dev/null || true
nginx_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat > "$out/site/nginx.conf" <<CONF
worker_processes auto;
pid $PWD/$out/site/nginx.pid;
error_log $PWD/$out/site/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type text/html;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port;
    root $PWD/$out/site/static;
  }
}
CONF
nginx -c "$PWD/$out/site/nginx.conf" -p "$PWD/$out/site"
wrk -t2 -c32 -d15s --latency "http://127.0.0.1:$nginx_port/article.html" | wrk_json > "$out/page-nginx.json"
kill "$(cat "$out/site/nginx.pid")"

if [ -z "${BENCH_SKIP_FOOTPRINT:-}" ]; then
  step "footprint with 1,000,000 articles (stored, then indexed; the longest step)"
  if [ -n "${BENCH_REUSE_MILLION:-}" ] && [ -f "$out/million/freewire.db" ] && [ -d "$out/million/search" ]; then
    echo "  reusing the database and index an earlier run stored"
  else
    rm -rf "$out/million" && mkdir -p "$out/million"
    "$bench" populate --database "sqlite://$PWD/$out/million/freewire.db?mode=rwc" --articles 1000000
    FREEWIRE_DATA_DIR="$out/million" FREEWIRE_LOG=warn "$freewire" search rebuild > /dev/null
    # Grouping into stories, on its own, with the million stored around it.
    "$bench" grouping --database "sqlite://$PWD/$out/million/freewire.db?mode=rwc" > "$out/grouping-million.json"
  fi
  serve_site "$out/million" "$out/million-start-ms"
  sleep 5
  idle="$(rss_kib "$site_pid")"; idle_anon="$(anon_kib "$site_pid")"
  sqlite3 "$out/million/freewire.db" \
    "SELECT permalink FROM articles WHERE status = 'published' ORDER BY (id * 7919) % 1000003 LIMIT 2000" \
    | python3 -c '
import sys
paths = [f"/{line.strip()}/" for line in sys.stdin if line.strip()] + ["/", "/?page=2", "/tag/topic-1/", "/search?q=harbour"]
print("paths = {" + ",".join(f"\"{p}\"" for p in paths) + "}")
print("n = 0")
print("request = function() n = n + 1; return wrk.format(\"GET\", paths[(n % #paths) + 1]) end")' > "$out/million/paths.lua"
  peak="$idle"
  wrk -t2 -c32 -d20s --latency -s "$out/million/paths.lua" "$site_url" > "$out/million/wrk.txt" &
  load=$!
  while kill -0 "$load" 2>/dev/null; do
    now="$(rss_kib "$site_pid")"; [ "$now" -gt "$peak" ] && peak="$now"; sleep 0.2
  done
  wrk_json < "$out/million/wrk.txt" > "$out/million/wrk.json"
  after="$(rss_kib "$site_pid")"; after_anon="$(anon_kib "$site_pid")"
  kill "$site_pid"; wait "$site_pid" 2>/dev/null || true
  python3 - "$out" "$idle" "$peak" "$after" "$idle_anon" "$after_anon" <<'PY'
import json, os, sys
out, idle, peak, after, idle_anon, after_anon = sys.argv[1], *map(int, sys.argv[2:])
size = lambda p: sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(p) for f in fs)
figures = json.load(open(os.path.join(out, "million/wrk.json")))
figures.update({"start_ms": int(open(os.path.join(out, "million-start-ms")).read()),
                "idle_kib": idle, "peak_kib": peak, "after_kib": after,
                "idle_anon_kib": idle_anon, "after_anon_kib": after_anon,
                "database_bytes": os.path.getsize(os.path.join(out, "million/freewire.db")),
                "index_bytes": size(os.path.join(out, "million/search"))})
json.dump(figures, open(os.path.join(out, "footprint.json"), "w"))
PY
else
  rm -f "$out/footprint.json"
fi

if [ -z "${BENCH_SKIP_LOAD:-}" ] && [ -f "$out/million/freewire.db" ] && [ -d "$out/million/search" ]; then
  step "load and soak: 80 % anonymous pages, 15 % signed in, 5 % updates with a file, while the poller ingests"
  scripts/bench/load.sh "$out"
else
  rm -rf "$out/load"
fi

if [ -z "${BENCH_SKIP_SEARCH:-}" ]; then
  step "search over 1,000,000 generated articles"
  "$bench" search > "$out/search.md"
else
  rm -f "$out/search.md"
fi

stories="${BENCH_STORIES:-../shared/corpus/stories/dev.jsonl}"
if [ -f "$stories" ]; then
  step "story grouping against the labelled set ($stories, read in place)"
  "$bench" stories "$stories" > "$out/stories.md"
else
  echo "  no labelled story set at $stories (BENCH_STORIES names it): grouping quality left out"
  rm -f "$out/stories.md"
fi

step "dates and names: the labelled sentences, and the cost on real articles"
if [ -f "$stories" ]; then
  "$bench" facts "$stories" > "$out/facts.md"
else
  rm -f "$out/facts.md"
fi

step "uploads and downloads: 8 files of 24 MiB, 4 at a time, server memory sampled"
python3 scripts/upload_memory.py "$freewire" 8 24 4 > "$out/uploads.md"

step "report"
python3 - "$out" <<'PY' > "$out/report.md"
import json, os, platform, subprocess, sys, datetime
out = sys.argv[1]
def load(name):
    with open(os.path.join(out, name)) as f:
        return json.load(f)
def cpu():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"
mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")) / 1024 / 1024
parse, clean, anchor = load("parse.json"), load("parse-sanitise.json"), load("feedparser.json")
xml, xml_clean = load("parse-xml.json"), load("parse-xml-sanitise.json")
sqlite, postgres = load("ingest-sqlite.json"), load("ingest-postgres.json")
rate = lambda r: f"{r['items_per_second']:,.0f} items/s"
print(f"# freewire benchmarks, {datetime.date.today().isoformat()}\n")
print(f"Machine: {os.cpu_count()} cores ({cpu()}), {mem:.0f} GiB, {platform.system()} {platform.release()}; "
      f"feedparser {anchor['feedparser']}, Python {platform.python_version()}.\n")
print("| benchmark | freewire | anchor | ratio |")
print("|---|---|---|---|")
print(f"| parse, RSS and Atom documents (one thread) | {rate(xml)} | feedparser: {rate(anchor)} | "
      f"{xml['items_per_second'] / anchor['items_per_second']:.1f}× |")
print(f"| parse + sanitise, RSS and Atom (what feedparser does) | {rate(xml_clean)} | feedparser: {rate(anchor)} | "
      f"{xml_clean['items_per_second'] / anchor['items_per_second']:.1f}× |")
print(f"| parse, all 10,000 items (RSS, Atom, JSON Feed) | {rate(parse)} | — | — |")
print(f"| parse + sanitise, all 10,000 items | {rate(clean)} | — | — |")
for name, r in (("SQLite", sqlite), ("PostgreSQL", postgres)):
    print(f"| ingest into {name}, end to end | {rate(r)} (store {r['import_items_per_second']:,.0f}/s, "
          f"index {r['index_items_per_second']:,.0f}/s, stories {r['group_items_per_second']:,.0f}/s) | parse + sanitise: {rate(clean)} | "
          f"{r['items_per_second'] / clean['items_per_second']:.2f}× |")
    print(f"| grouping's share of ingest into {name} | {r['items_per_second']:,.0f} items/s with it, "
          f"{r['items_per_second_without_grouping']:,.0f} without | — | "
          f"{1 - r['items_per_second'] / r['items_per_second_without_grouping']:.1%} slower |")
    print(f"| finding dates and names inside ingest into {name} | {r['facts_us_per_article']:,.0f} µs per article "
          f"on one core | — | {r['facts_share_of_import']:.1%} of the store step's time |")
for cycle, label in (("first", "first poll, every feed new"), ("second", "poll cycle, 90 % answer 304")):
    p = load(f"poll-{cycle}.json")
    print(f"| {label}: {p['feeds']:,} feeds | {p['seconds']:.1f} s wall, peak RSS {p['max_rss_kib'] / 1024:.0f} MiB "
          f"({p['not_modified']:,} not modified, {p['failed']} failed) | — | — |")
static = load("page-nginx.json")
for name, label in (("page-freewire.json", "article page, visitor not signed in, keep-alive load (wrk, 32 connections)"),
                    ("page-freewire-signed-in.json", "article page, signed-in reader (same load)"),
                    ("page-freewire-rendered.json", "article page, rendered every request (nothing kept)")):
    ours = load(name)
    print(f"| {label} | {ours['rps']:,.0f} req/s, p99 {ours['p99_ms']:.1f} ms | "
          f"nginx, same HTML as a file: {static['rps']:,.0f} req/s, p99 {static['p99_ms']:.1f} ms | "
          f"{ours['rps'] / static['rps']:.2f}× |")
if os.path.exists(os.path.join(out, "footprint.json")):
    f = load("footprint.json")
    mib = lambda kib: f"{kib / 1024:,.0f} MiB"
    print(f"| footprint, 1,000,000 articles: resident memory | idle {mib(f['idle_kib'])} "
          f"({mib(f['idle_anon_kib'])} own, the rest mapped files), under load {mib(f['peak_kib'])} (peak), "
          f"{mib(f['after_kib'])} after ({mib(f['after_anon_kib'])} own) | — | — |")
    print(f"| footprint, 1,000,000 articles: cold start to first page | {f['start_ms']:,} ms | — | — |")
    print(f"| footprint, 1,000,000 articles: mixed pages under load | {f['rps']:,.0f} req/s, p99 {f['p99_ms']:.1f} ms "
          f"({f['non_2xx']} not 2xx/3xx) | — | — |")
    print(f"| footprint, 1,000,000 articles: on disk | database {f['database_bytes'] / 2**30:.2f} GiB, "
          f"search index {f['index_bytes'] / 2**30:.2f} GiB | — | — |")
for name in ("closed", "soak"):
    path = os.path.join(out, "load", f"{name}.json")
    if not os.path.exists(path):
        continue
    r = json.load(open(path))
    label = (f"mixed load, 1,000,000 articles, {r['connections']} connections, {r['seconds']:.0f} s" if name == "closed"
             else f"soak, 1,000,000 articles, {r['rate']:.0f} req/s for {r['seconds'] / 60:.0f} min")
    c, o = r["classes"], r["overall"]
    cell = lambda k: f"{c[k]['p50_ms']:.0f}/{c[k]['p99_ms']:.0f} ms"
    drift = ""
    if name == "soak" and r["server"]["rss"]:
        drift = (f"; resident memory drift {r['server']['rss']['drift']:+.1%}, open files "
                 f"{r['server']['fds']['drift']:+.1%}")
    print(f"| {label} (80 % anonymous, 15 % signed in, 5 % updates with a file; the poller ingesting) | "
          f"{o['per_second']:,.0f} req/s; p50/p99 anonymous {cell('anonymous')}, signed in {cell('signed_in')}, "
          f"updates {cell('update')}; {o['errors']} errors, {o['refused_by_rate_limit']} uploads refused by the rate limit{drift} | — | — |")
grouping = os.path.join(out, "grouping-million.json")
if os.path.exists(grouping):
    g = load("grouping-million.json")
    print(f"| grouping into stories on its own, {g['stored_articles']:,} stored | {g['articles_per_second']:,.0f} articles/s "
          f"({g['placed']:,} placed in {g['stories']:,} stories, {g['seconds']:.0f} s) | — | — |")
agreement = os.path.join(out, "agreement.json")
if os.path.exists(agreement):
    a = load("agreement.json")
    print(f"\n### Agreement with feedparser {a['feedparser']} ({a['documents']} documents; docs/feedparser.md)\n")
    print("| documents | fields compared | agreeing | share |\n|---|---:|---:|---:|")
    for key, label in (("well_formed", "well-formed"), ("all", "all")):
        print(f"| {label} | {a[key]['fields']:,} | {a[key]['agreeing']:,} | {a[key]['share'] * 100:.2f} % |")
stories = os.path.join(out, "stories.md")
if os.path.exists(stories):
    print("\n### Story grouping against the labelled set\n")
    print(open(stories).read())
facts = os.path.join(out, "facts.md")
if os.path.exists(facts):
    print("\n### Dates and names against the labelled sentences\n")
    print(open(facts).read())
for name, title in (("closed", "Mixed load, closed loop"), ("soak", "Soak, fixed rate")):
    path = os.path.join(out, "load", f"{name}.md")
    if os.path.exists(path):
        print(f"\n### {title}\n")
        print(open(path).read())
uploads = os.path.join(out, "uploads.md")
if os.path.exists(uploads):
    print("\n### Uploads and downloads, server resident memory\n")
    print(open(uploads).read())
search = os.path.join(out, "search.md")
if os.path.exists(search):
    print()
    print(open(search).read().replace("## ", "### ", 1))
PY
cat "$out/report.md"
