#!/usr/bin/env bash
# Run a reference pipeline (or adhere) on a simulated data set, under GNU time.
#
#   benches/reference/run.sh duckdb [DATA_DIR] [OUT_DIR]
#   benches/reference/run.sh polars [DATA_DIR] [OUT_DIR]
#   benches/reference/run.sh adhere [DATA_DIR] [OUT_DIR]    # ADHERE_BIN, default target/release/adhere
#
# DATA_DIR (default /work/wl/w1) holds activity/ (API v2 pages), schedule.csv and rules.toml,
# as `adhere simulate` writes them. OUT_DIR defaults to /tmp/ref-out; the pipelines write
# OUT_DIR/<pipeline>-shifts.parquet, adhere writes its views to OUT_DIR/adhere/.
#
# The Python side lives in a venv at $REFENV (default /work/refenv), created on first use:
#   python3 -m venv /work/refenv && /work/refenv/bin/pip install duckdb==2.0.1 polars==2.1.0
# (PIP_SPEC overrides the packages installed). The inputs are read once into the page cache
# before the timed run (PREREAD=0 skips that), as benches/workloads.sh does for adhere.
# Prints the wall time, user and system CPU time and the peak RSS.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
what="${1:?usage: run.sh duckdb|polars|adhere [DATA_DIR] [OUT_DIR]}"
data="${2:-/work/wl/w1}"
out="${3:-/tmp/ref-out}"
REFENV="${REFENV:-/work/refenv}"
PIP_SPEC="${PIP_SPEC:-duckdb==2.0.1 polars==2.1.0}"

if [ ! -x /usr/bin/time ]; then
  echo "run.sh needs GNU time at /usr/bin/time (Debian: apt-get install time)" >&2
  exit 2
fi
for f in "$data/activity" "$data/schedule.csv" "$data/rules.toml"; do
  [ -e "$f" ] || { echo "run.sh: $f not found" >&2; exit 2; }
done

case "$what" in
  duckdb|polars)
    if ! "$REFENV/bin/python" -c "import duckdb, polars" 2>/dev/null; then
      python3 -m venv "$REFENV"
      # shellcheck disable=SC2086
      "$REFENV/bin/pip" install --quiet $PIP_SPEC
    fi
    mkdir -p "$out"
    cmd=("$REFENV/bin/python" "$here/${what}_shifts.py" --activity "$data/activity"
         --schedule "$data/schedule.csv" --rules "$data/rules.toml" --out "$out/$what-shifts.parquet")
    ;;
  adhere)
    bin="${ADHERE_BIN:-$repo/target/release/adhere}"
    [ -x "$bin" ] || { echo "run.sh: $bin not found (build it, or set ADHERE_BIN)" >&2; exit 2; }
    rm -rf "$out/adhere"
    cmd=("$bin" report --activity "$data/activity" --schedule "$data/schedule.csv"
         --rules "$data/rules.toml" --format parquet --out "$out/adhere/")
    ;;
  *) echo "run.sh: unknown pipeline '$what' (duckdb, polars or adhere)" >&2; exit 2 ;;
esac

if [ "${PREREAD:-1}" != 0 ]; then
  find "$data/activity" "$data/schedule.csv" -type f -exec cat {} + >/dev/null
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
/usr/bin/time -v -o "$log" "${cmd[@]}" || status=$?
awk -v what="$what" -v data="$data" '
  /Elapsed \(wall clock\)/ { n = split($NF, p, ":"); wall = (n == 3) ? p[1] * 3600 + p[2] * 60 + p[3] : p[1] * 60 + p[2] }
  /User time \(seconds\)/ { user = $NF }
  /System time \(seconds\)/ { sys = $NF }
  /Maximum resident set size/ { rss = $NF }
  END { printf "%s on %s: wall %.2f s, user %.2f s, sys %.2f s, max RSS %.2f GiB (%d KiB)\n",
               what, data, wall, user, sys, rss / 1048576, rss }' "$log"
exit "$status"
