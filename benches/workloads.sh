#!/usr/bin/env bash
# Every number of BENCHMARKS.md, with one command:
#
#   benches/workloads.sh            # all workloads, 3 runs each (about an hour on 2 cores)
#   benches/workloads.sh w1         # one workload: w1 w1-store w1-heavy scaling w93 parse
#
# Builds the release binary, simulates the data sets once into $WORK (default
# target/workloads; about 20 GB of disk; paths without spaces), then runs each measurement $RUNS times (default 3) under
# /usr/bin/time and prints the median wall time and peak memory. Release builds only here:
# CI (.ci/run) never runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="${WORK:-target/workloads}"
RUNS="${RUNS:-3}"
BIN="${ADHERE_BIN:-target/release/adhere}"
mkdir -p "$WORK"
if [ ! -x /usr/bin/time ]; then
  echo "benches/workloads.sh needs GNU time at /usr/bin/time (Debian: apt-get install time)" >&2
  exit 2
fi
if [ -z "${ADHERE_BIN:-}" ]; then cargo build --release --bin adhere; fi

# sim NAME FLAGS...: a data set with its fetch store, made once.
sim() {
  local name=$1; shift
  # The marker is written only when simulate (pages, schedule and store) has finished.
  if [ ! -f "$WORK/$name/.complete" ]; then
    "$BIN" simulate "$@" --seed 1 --store --force --out "$WORK/$name" >/dev/null
    touch "$WORK/$name/.complete"
  fi
}

# measure LABEL COMMAND...: median wall seconds and peak RSS (GiB) of RUNS runs.
measure() {
  local label=$1; shift
  local times=() mems=()
  for _ in $(seq "$RUNS"); do
    rm -rf "$WORK/out"
    # Inputs read into the page cache first: some VMs drop it between runs, and a run that
    # reads gigabytes of pages back from disk measures the disk, not adhere.
    for a in "$@"; do
      if [[ $a == "$WORK"/* && -e $a ]]; then find "$a" -type f -exec cat {} + >/dev/null; fi
    done
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/stderr.txt" || { cat "$WORK/stderr.txt"; return 1; }
    read -r t m < "$WORK/time.txt"
    times+=("$t"); mems+=("$m")
  done
  local mt mm
  mt=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  mm=$(printf '%s\n' "${mems[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1048576}')
  printf '%-58s median %6.2f s  (runs: %s)  peak %s GiB  %s\n' "$label" "$mt" "${times[*]}" "$mm" "$(grep -o 'computed in [0-9]* agent partitions\?' "$WORK/stderr.txt" || true)"
}

# report DATA ACTIVITY FORMAT [FLAGS...]: every view of DATA to $WORK/out/.
report() {
  local d="$WORK/$1" act=$2 fmt=$3; shift 3
  echo "$BIN" report --activity "$d/$act" --schedule "$d/schedule.csv" --rules "$d/rules.toml" --format "$fmt" --out "$WORK/out/" "$@"
}

run() {
  case $1 in
    w1)
      sim w1 --agents 10000 --days 31
      measure "W1 pages -> every view, parquet" $(report w1 activity parquet)
      measure "W1 pages -> every view, csv" $(report w1 activity csv)
      measure "W1 pages -> every view, json" $(report w1 activity json)
      ;;
    w1-store)
      sim w1 --agents 10000 --days 31
      measure "W1 store -> every view, parquet" $(report w1 store parquet)
      measure "W1 store -> every view, csv" $(report w1 store csv)
      measure "W1 store -> every view, json" $(report w1 store json)
      measure "W1 store -> every view, parquet, --partitions 3" $(report w1 store parquet --partitions 3)
      ;;
    w1-heavy)
      sim w1-heavy --agents 10000 --days 31 --changes-per-shift 100
      measure "W1-heavy pages -> every view, parquet" $(report w1-heavy activity parquet)
      measure "W1-heavy store -> every view, parquet (auto partitions)" $(report w1-heavy store parquet)
      measure "W1-heavy store -> every view, parquet, --partitions 1" $(report w1-heavy store parquet --partitions 1)
      ;;
    scaling)
      sim a1000 --agents 1000 --days 31
      sim w1 --agents 10000 --days 31
      measure "1,000 agents pages -> every view, parquet" $(report a1000 activity parquet)
      measure "10,000 agents pages -> every view, parquet" $(report w1 activity parquet)
      measure "1,000 agents store -> every view, parquet" $(report a1000 store parquet)
      measure "10,000 agents store -> every view, parquet" $(report w1 store parquet)
      ;;
    w93)
      sim w93 --agents 10000 --days 93
      measure "10,000 x 93 days store -> every view, parquet (auto partitions)" $(report w93 store parquet)
      measure "10,000 x 93 days store -> every view, parquet, --partitions 1" $(report w93 store parquet --partitions 1)
      ;;
    parse)
      sim w1 --agents 10000 --days 31
      local bytes secs
      bytes=$(du -sb "$WORK/w1/activity" | cut -f1)
      for _ in $(seq "$RUNS"); do
        ADHERE_TIMINGS=1 "$BIN" states --activity "$WORK/w1/activity" --format csv --out "$WORK/states.csv" 2>&1 \
          | awk -v b="$bytes" '/read and parse files/ {printf "W1 pages: %.2f GB parsed in %s s = %.0f MB/s\n", b/1e9, $(NF-1), b/1e6/$(NF-1)}'
      done
      ;;
    *) echo "unknown workload $1 (w1 w1-store w1-heavy scaling w93 parse)" >&2; exit 2 ;;
  esac
}

if [ $# -eq 0 ]; then set -- parse w1 w1-store scaling w1-heavy w93; fi
nproc; grep -m1 'model name' /proc/cpuinfo || true; { free -g | head -2; } || true
for w in "$@"; do run "$w"; done
