#!/bin/sh
# ktstr run -- CMD and ktstr shell on a real kernel (the VM tier).  The
# programs run in the guest are the host's own (sh, true, false, cat,
# sleep): ktstr packs the one program with its libraries, so the scripts
# given to sh use its builtins only.
#
#   - run: exit statuses 0, 1 and 7 come back as ktstr's; stdout and stderr
#     arrive apart and unchanged;
#   - a scheduler found by name on PATH is running while the command runs;
#   - a guest that panics (sysrq 'c' from sh) gets exit 123 and a message
#     naming the panic; one that outlives --timeout gets 124;
#   - shell, driven through tmux: a command typed at its prompt runs, the
#     shell's `exit 3` ends ktstr with 3, and no QEMU is left running.
# TAP output.  Skips (all or the scheduler part) when the fixture kernel,
# QEMU, tmux or scx_simple is missing.
set -u

top_build=${KTSTR_TOP_BUILDDIR:-.}
ktstr="$top_build/src/ktstr"
kernel=${KTSTR_TEST_KERNEL:-}

skip () {
  echo "1..0 # SKIP $1"
  exit 0
}
[ -x "$ktstr" ] || skip "$ktstr not built"
[ -n "$kernel" ] && [ -r "$kernel" ] || skip "no sched_ext kernel: set KTSTR_TEST_KERNEL"
command -v "${KTSTR_QEMU:-qemu-system-x86_64}" > /dev/null 2>&1 || skip "QEMU not found"

work=$(mktemp -d "${TMPDIR:-/tmp}/test-vm-exec-XXXXXX")
# Every VM's folder is under $work, so a QEMU left behind is found by it.
export TMPDIR="$work"
session="ktstr-exec-$$"
cleanup () {
  tmux kill-session -t "$session" 2> /dev/null
  rm -rf "$work"
}
trap cleanup EXIT
n=0
failed=0

ok () {
  n=$((n + 1))
  echo "ok $n - $1"
}
not_ok () {
  n=$((n + 1))
  failed=1
  echo "not ok $n - $1"
  for f in "$work/out" "$work/err"; do
    [ -s "$f" ] && sed 's/^/# /' "$f" | tail -20
  done
}
skip_one () {
  n=$((n + 1))
  echo "ok $n # SKIP $1"
}

# run_ktstr ARGS...: ktstr run with the fixture kernel; status in $rc.
run_ktstr () {
  rc=0
  "$ktstr" run --kernel "$kernel" "$@" > "$work/out" 2> "$work/err" || rc=$?
}

run_ktstr -- /bin/true
[ "$rc" = 0 ] && ok "run -- /bin/true exits 0" || not_ok "run -- /bin/true exits 0 (got $rc)"

run_ktstr -- /bin/false
[ "$rc" = 1 ] && ok "run -- /bin/false exits 1" || not_ok "run -- /bin/false exits 1 (got $rc)"

run_ktstr -- /bin/sh -c 'echo to-stdout; echo to-stderr >&2; echo second-line; exit 7'
if [ "$rc" = 7 ] && [ "$(cat "$work/out")" = "$(printf 'to-stdout\nsecond-line')" ] &&
  grep -qx to-stderr "$work/err"; then
  ok "run -- sh -c: status 7, stdout and stderr apart"
else
  not_ok "run -- sh -c: status 7, stdout and stderr apart (got $rc)"
fi

sched_dir=${KTSTR_TEST_SCHEDULERS:-}
if [ -n "$sched_dir" ] && [ -x "$sched_dir/scx_simple" ]; then
  PATH="$sched_dir:$PATH" run_ktstr --scheduler scx_simple -- /bin/cat /sys/kernel/sched_ext/root/ops
  if [ "$rc" = 0 ] && grep -qx simple "$work/out"; then
    ok "run --scheduler scx_simple (found on PATH): the command runs under it"
  else
    not_ok "run --scheduler scx_simple (found on PATH): the command runs under it (got $rc)"
  fi
else
  skip_one "no scx_simple: set KTSTR_TEST_SCHEDULERS"
fi

run_ktstr -- /bin/sh -c 'echo 1 > /proc/sys/kernel/sysrq; echo c > /proc/sysrq-trigger'
if [ "$rc" = 123 ] && grep -q 'kernel panic' "$work/err"; then
  ok "run: a guest panic (sysrq c) exits 123 with a panic message"
else
  not_ok "run: a guest panic (sysrq c) exits 123 with a panic message (got $rc)"
fi

run_ktstr --timeout 15 -- /bin/sleep 600
if [ "$rc" = 124 ] && grep -q 'hang' "$work/err"; then
  ok "run: a command that outlives --timeout exits 124 as a hang"
else
  not_ok "run: a command that outlives --timeout exits 124 as a hang (got $rc)"
fi

if command -v tmux > /dev/null 2>&1; then
  # The shell's prompt and what it prints appear in the pane; the exit
  # status of ktstr is written by the pane's own shell when ktstr ends.
  tmux new-session -d -s "$session" -x 120 -y 40 \
    "SHELL=/bin/sh '$ktstr' shell --kernel '$kernel'; echo \$? > '$work/shell-status'; sleep 600"
  prompt=0
  for _ in $(seq 1 240); do
    if tmux capture-pane -p -t "$session" | grep -q '^# *$\|# $'; then
      prompt=1
      break
    fi
    sleep 1
  done
  tmux send-keys -t "$session" 'echo marker-$((6 * 7)); exit 3' Enter
  for _ in $(seq 1 120); do
    [ -s "$work/shell-status" ] && break
    sleep 1
  done
  tmux capture-pane -p -S -100 -t "$session" > "$work/out"
  : > "$work/err"
  if [ "$prompt" = 1 ] && grep -q '^marker-42' "$work/out"; then
    ok "shell through tmux: a typed command runs at the guest's prompt"
  else
    grep -v '^$' "$work/out" > "$work/err"
    : > "$work/out"
    not_ok "shell through tmux: a typed command runs at the guest's prompt (prompt seen: $prompt)"
  fi
  status=$(cat "$work/shell-status" 2> /dev/null)
  [ "$status" = 3 ] && ok "shell: 'exit 3' ends ktstr shell with status 3" ||
    not_ok "shell: 'exit 3' ends ktstr shell with status 3 (got '${status:-none}')"
  tmux kill-session -t "$session" 2> /dev/null
else
  skip_one "tmux not found (.ci/install-deps.sh installs it)"
  skip_one "tmux not found"
fi

# Nothing of these runs is left: no QEMU has a path under $work.
if pgrep -f "$work" > /dev/null 2>&1; then
  not_ok "no QEMU left running: $(pgrep -af "$work" | head -3)"
else
  ok "no QEMU left running after run and shell"
fi

echo "1..$n"
exit $failed
