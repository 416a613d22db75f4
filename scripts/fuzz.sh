#!/usr/bin/env bash
# Coverage-guided fuzzing of one ingest target with AFL++ (through cargo-afl, on the stable
# toolchain), in one command: installs cargo-afl and builds its AFL++ when missing, builds the
# target, writes the seeds from the shared corpus (read in place, never copied into the repo),
# fuzzes for MINUTES, prints the figures and exits non-zero on any crash or hang.
#
#   scripts/fuzz.sh TARGET [MINUTES]        TARGET: feed, page or sanitize; MINUTES: default 30
#
#   FREEWIRE_CORPUS=DIR   the shared corpus (default: ../shared/corpus beside the repository)
#   FUZZ_FRESH=1          start from the seeds only, not also from the previous run's queue
#   CARGO_TARGET_DIR=DIR  where the build goes (default fuzz/target)
#
# Each run writes fuzz/out/TARGET/run-<UTC time>/ (AFL++'s output: default/queue, crashes,
# hangs, fuzzer_stats) and fuzz/out/TARGET/run-<UTC time>.log (its status lines); fuzz/out/ and
# fuzz/seeds/ are ignored by git. Limits per input: 1000 ms (-t 1000) and 256 MiB (-m 256).
# The fuzzer runs under `nice -n 19`: the machine has 2 cores and others build on it.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

usage() { sed -n '7p' "$repo/scripts/fuzz.sh" | sed 's/^# *//' >&2; exit 2; }
target="${1:-}"
minutes="${2:-30}"
case "$target" in feed | page | sanitize) ;; *) usage ;; esac
[[ "$minutes" =~ ^[0-9]+$ && "$minutes" -gt 0 ]] || usage
corpus="${FREEWIRE_CORPUS:-$repo/../shared/corpus}"
[[ -d "$corpus/feeds" && -d "$corpus/xss" && -d "$corpus/hostile" ]] ||
  { echo "no shared corpus at $corpus (set FREEWIRE_CORPUS)" >&2; exit 2; }

afl_version="0.18.2" # cargo-afl and the afl crate (fuzz/Cargo.toml) go together
step() { printf '\n==> %s\n' "$*" >&2; }

step "cargo-afl $afl_version and its AFL++"
if ! cargo afl --version 2>/dev/null | grep -q "cargo-afl $afl_version"; then
  cargo install cargo-afl --locked --force --version "$afl_version"
fi
# Builds AFL++ (bundled with cargo-afl) for this rustc once; says so and fails when it already is.
if ! config_log="$(cargo afl config --build 2>&1)"; then
  grep -q "already built" <<<"$config_log" || { echo "$config_log" >&2; exit 1; }
fi

step "building fuzz/ ($target) with AFL++ instrumentation"
# The fuzz crate is its own workspace; start from the main lock file so the fuzzed
# dependencies are the versions freewire ships (cargo adds afl and drops the rest).
cp Cargo.lock fuzz/Cargo.lock
(cd fuzz && nice -n 10 cargo afl build --release --bin "$target")
binary="${CARGO_TARGET_DIR:-$repo/fuzz/target}/release/$target"

step "seeds from $corpus"
seeds="fuzz/seeds/$target"
rm -rf "$seeds"
python3 fuzz/make_seeds.py "$target" "$corpus" "$seeds"
runs="fuzz/out/$target"
mkdir -p "$runs"
previous="$(find "$runs" -maxdepth 1 -name 'run-*' -type d | sort | tail -n 1)"
if [[ -z "${FUZZ_FRESH:-}" && -n "$previous" && -d "$previous/default/queue" ]]; then
  # The last run's queue goes on from where it stopped (seed names stay unique by prefix).
  for f in "$previous"/default/queue/id:*; do cp "$f" "$seeds/prev-$(basename "$f" | cut -c1-9)"; done
  echo "plus $(find "$previous/default/queue" -name 'id:*' | wc -l) inputs of $previous" >&2
fi

run="$runs/run-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$run"
# A seed that already crashes or runs past the limits is a finding of its own: AFL++ would
# refuse to start on it, so it is tried here first, kept, and the fuzzer told to skip it.
step "trying every seed once (1 s, 256 MiB each)"
seed_findings=0
mkdir -p "$run/seed-findings"
for f in "$seeds"/*; do
  rc=0
  (ulimit -v $((256 * 1024)); timeout 1 "$binary" <"$f" >/dev/null 2>"$run/seed-findings/last.err") || rc=$?
  if [[ $rc -ne 0 ]]; then
    seed_findings=$((seed_findings + 1))
    cp "$f" "$run/seed-findings/"
    mv "$run/seed-findings/last.err" "$run/seed-findings/$(basename "$f").exit-$rc.txt"
    echo "seed $(basename "$f") exits with $rc (124 = over 1 s)" >&2
  fi
done
rm -f "$run/seed-findings/last.err"

step "fuzzing $target for $minutes min (output in $run)"
dicts=(-x fuzz/dict/html.dict)
[[ "$target" == feed ]] && dicts+=(-x fuzz/dict/feed.dict)
# No CPU pinning (the cores are shared), no UI (status lines to the log), seeds that crash
# or time out were dealt with above.
AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_IGNORE_SEED_PROBLEMS=1 \
  AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SUPPRESS_ERROR_ON_MISSING_CRASHES=1 \
  nice -n 19 cargo afl fuzz -i "$seeds" -o "$run" -t 1000 -m 256 -V "$((minutes * 60))" \
  "${dicts[@]}" -- "$binary" >"$run.log" 2>&1 || { tail -n 30 "$run.log" >&2; exit 1; }

stats="$run/default/fuzzer_stats"
stat_of() { awk -F': *' -v k="$1" '$1 ~ "^"k" *$" { print $2 }' "$stats"; }
crashes="$(find "$run/default/crashes" -name 'id:*' | wc -l)"
hangs="$(find "$run/default/hangs" -name 'id:*' | wc -l)"
cat <<EOF

fuzz target         $target
minutes run         $(($(stat_of run_time) / 60)) (asked $minutes)
executions          $(stat_of execs_done)
executions/s        $(awk -v e="$(stat_of execs_done)" -v t="$(stat_of run_time)" 'BEGIN { printf "%.0f", e / (t > 0 ? t : 1) }')
corpus size         $(stat_of corpus_count) (from $(find "$seeds" -type f | wc -l) seeds)
edges covered       $(stat_of bitmap_cvg)
stability           $(stat_of stability)
crashes             $crashes
hangs               $hangs
seed findings       $seed_findings
output              $run
EOF
# AFL++ leaves its slowest-input and peak-memory figures at 0 for a persistent target, so every
# input it kept is run once more on its own to measure both.
python3 fuzz/measure.py "$binary" "$run/default/queue" "$run/default/hangs" || true
if [[ $((crashes + hangs + seed_findings)) -gt 0 ]]; then
  echo "FINDINGS: minimise each (cargo afl tmin -i FILE -o OUT -- $binary), fix it, and add it" \
    "to crates/freewire-ingest/tests/fuzz_findings.rs" >&2
  exit 1
fi
