#!/usr/bin/env bash
# freewire's benchmarks, side by side in one run, with their anchors measured in the same run.
# Builds what it needs, generates every input locally, and writes a Markdown report with the
# date and the machine to target/bench/report.md (and prints it). Measurements, not tests:
# nothing fails on a number.
#
#   scripts/bench.sh                      everything (the search run takes a few minutes)
#   BENCH_SKIP_SEARCH=1 scripts/bench.sh  without the 1,000,000-article search run
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
cargo build --release --locked -p freewire-bench
bench="target/release/freewire-bench"

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

step "ingest into SQLite"
rm -f "$out"/ingest.db*
"$bench" ingest "$out/corpus" --database "sqlite://$PWD/$out/ingest.db?mode=rwc" > "$out/ingest-sqlite.json"

step "ingest into PostgreSQL"
admin="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
db="freewire_bench_$$"
psql -q "$admin" -c "CREATE DATABASE $db"
trap 'psql -q "$admin" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
"$bench" ingest "$out/corpus" --database "${admin%/*}/$db" > "$out/ingest-postgres.json"

if [ -z "${BENCH_SKIP_SEARCH:-}" ]; then
  step "search over 1,000,000 generated articles"
  "$bench" search > "$out/search.md"
else
  rm -f "$out/search.md"
fi

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
          f"index {r['index_items_per_second']:,.0f}/s) | parse + sanitise: {rate(clean)} | "
          f"{r['items_per_second'] / clean['items_per_second']:.2f}× |")
search = os.path.join(out, "search.md")
if os.path.exists(search):
    print()
    print(open(search).read().replace("## ", "### ", 1))
PY
cat "$out/report.md"
