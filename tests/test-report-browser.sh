#!/bin/sh
# `ktstr-stats report` in a real browser (tests/report-browser.py): three
# pages rendered by headless Chromium with no console error, nothing
# fetched, every declared chart drawn with its marks, and a screenshot that
# is not blank.  The pages: a comparison of a synthetic pool of 200
# sidecars (bench/stats-gen-pool: trials, planted regressions, failures
# and skips), the fixture pool's kernel comparison, a real monitored run
# with the monitor's runqueues in its timelines, and real sched_ext trials
# whose guest sampler missed readings (long series, broken lines).
# KTSTR_REPORT_SCREENSHOTS=DIR keeps the screenshots there for a look.
srcdir=${KTSTR_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${KTSTR_TOP_BUILDDIR:-.}

chromium=""
for c in chromium chromium-browser; do
  if command -v "$c" >/dev/null 2>&1; then
    chromium=$(command -v "$c")
    break
  fi
done
if [ -z "$chromium" ]; then
  echo "1..0 # SKIP Chromium not found (bash .ci/install-deps.sh installs Debian's chromium)"
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "1..0 # SKIP python3 not found (bash .ci/install-deps.sh installs it)"
  exit 0
fi

stats="$builddir/src/stats/ktstr-stats"
gen="$builddir/bench/stats-gen-pool"
work=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-report-browser-XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
  echo "1..1"
  echo "not ok 1 - $1"
  exit 1
}

"$gen" "$work/gen" 200 5 >/dev/null || fail "bench/stats-gen-pool wrote no pool"
"$stats" report --dir "$work/gen" --a-kernel 6.14.2 --b-kernel 6.15.0 \
  -o "$work/synthetic-ab.html" 2>"$work/err" || fail "report of the synthetic pool: $(cat "$work/err")"

cp -r "$srcdir/tests/data/stats/pool" "$work/pool"
"$stats" report --dir "$work/pool" --a-kernel 6.14 --b-kernel 6.15 --project-commit abc1234 \
  -o "$work/fixture-kernels.html" 2>"$work/err" || fail "report of the fixture pool: $(cat "$work/err")"

"$stats" report --dir "$srcdir/tests/data/stats/report" --run 6.12.117-3a196be \
  --timeline steady --timeline oversubscribed --timeline pipe_io --timeline futex_ping_pong \
  -o "$work/monitored-run.html" 2>"$work/err" || fail "report of the monitored run: $(cat "$work/err")"

"$stats" report --dir "$srcdir/tests/data/stats/report" --run 6.12.117-scx-simple-monitor \
  --timeline steady --timeline oversubscribed \
  -o "$work/guest-monitor.html" 2>"$work/err" || fail "report of the guest-sampled run: $(cat "$work/err")"

set -- --chromium "$chromium"
if [ -n "${KTSTR_REPORT_SCREENSHOTS:-}" ]; then
  mkdir -p "$KTSTR_REPORT_SCREENSHOTS"
  set -- "$@" --screenshots "$KTSTR_REPORT_SCREENSHOTS"
fi
python3 "$srcdir/tests/report-browser.py" "$@" \
  "$work/synthetic-ab.html" "$work/fixture-kernels.html" "$work/monitored-run.html" \
  "$work/guest-monitor.html"
