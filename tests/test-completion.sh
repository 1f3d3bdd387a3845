#!/bin/bash
# The bash completion (data/completion/ktstr): loaded, it registers
# itself for ktstr and ktstr-stats (complete -p); its functions, run with
# COMP_WORDS as bash sets them, complete commands, options, test names,
# presets, a definition's flags, metrics, run directories and the pool's
# values, all asked of the programs in the build tree; and in an
# interactive bash driven through tmux, Tab completes a command line.
srcdir=${KTSTR_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${KTSTR_TOP_BUILDDIR:-.}
builddir=$(cd "$builddir" && pwd)
pool=$srcdir/tests/data/stats/pool
sched=$srcdir/tests/data/cli/sched-checks.ini

n=0
fails=0
ok () {
  n=$((n + 1))
  if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fails=$((fails + 1)); fi
}

# The words bash would complete for "$@" (the last word is the one being
# completed), one per line, sorted.
complete_words () {
  env -u KTSTR_SIDECAR_DIR CARGO_TARGET_DIR=/nonexistent bash --norc --noprofile -c '
    . "$0"
    prog=$1; shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="${COMP_WORDS[*]}"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    case ${COMP_WORDS[0]} in
      *ktstr-stats) _ktstr_stats ;;
      *) _ktstr ;;
    esac
    printf "%s\n" "${COMPREPLY[@]}" | sort' \
    "$srcdir/data/completion/ktstr" x "$@"
}

ktstr=$builddir/src/ktstr
stats=$builddir/src/stats/ktstr-stats

# expect DESCRIPTION WANT WORDS…: the completions are exactly WANT (one
# per line; "" for none).
expect () {
  desc=$1 want=$2
  shift 2
  got=$(complete_words "$@")
  if [ "$got" = "$want" ]; then ok 0 "$desc"; else
    ok 1 "$desc"
    printf '# want: %s\n# got:  %s\n' "$(echo $want)" "$(echo $got)"
  fi
}
# expect_has DESCRIPTION WORD WORDS…: WORD is among the completions.
expect_has () {
  desc=$1 want=$2
  shift 2
  got=$(complete_words "$@")
  if printf '%s\n' "$got" | grep -qx -- "$want"; then ok 0 "$desc"; else
    ok 1 "$desc"
    printf '# want %s among: %s\n' "$want" "$(echo $got)"
  fi
}

echo "1..32"

out=$(bash --norc --noprofile -c ". '$srcdir/data/completion/ktstr'; complete -p ktstr; complete -p ktstr-stats")
[ "$out" = "complete -F _ktstr ktstr
complete -F _ktstr_stats ktstr-stats" ]
ok $? "complete -p ktstr and ktstr-stats after loading the file"
out=$(bash --norc --noprofile -c ". '$srcdir/data/completion/ktstr-stats'; complete -p ktstr-stats")
[ "$out" = "complete -F _ktstr_stats ktstr-stats" ]
ok $? "the ktstr-stats file (what bash-completion loads for it) registers it"

expect "ktstr commands" "cleanup
kernel
list
locks
run
shell
show-host
show-thresholds
stats
test
verifier" "$ktstr" ""
expect "ktstr te<Tab>" "test" "$ktstr" te
expect "ktstr test --sh<Tab>: a new option" "--shard" "$ktstr" test --sh
expect "ktstr test --list-<Tab>" "--list-variants" "$ktstr" test --list-
expect_has "ktstr test --j<Tab>" "--json" "$ktstr" test --j
expect "test names: ktstr test steady_l<Tab>" "steady_llc" "$ktstr" test steady_l
expect "presets, after a comma" "tiny-1llc,tiny-1llc
tiny-1llc,tiny-2llc" "$ktstr" test --gauntlet --preset tiny-1llc,tiny
expect "--flags of the --scheduler-file definition" "fast" "$ktstr" test --scheduler-file "$sched" --flags f
expect "--flags after --scheduler-file=FILE, with =" "slow" "$ktstr" test "--scheduler-file=$sched" --flags = s
expect "ktstr verifier --all-<Tab>" "--all-profiles" "$ktstr" verifier --all-
expect "verifier --profiles: the definition's flags, after a comma" "default,slow" "$ktstr" verifier --scheduler-file "$sched" --profiles default,s
expect "verifier --profiles: default" "default" "$ktstr" verifier --scheduler-file "$sched" --profiles d
expect "--work-type values" "PipeIo" "$ktstr" test --work-type Pip
expect "--backend values" "auto
kvm
qemu" "$ktstr" test --backend ""
expect "ktstr kernel subcommands" "build
clean
list" "$ktstr" kernel ""
expect "ktstr kernel list --j<Tab>" "--json" "$ktstr" kernel list --j
expect "ktstr locks --<Tab>" "--help
--json
--watch" "$ktstr" locks --
expect "ktstr test --no-p<Tab>" "--no-perf-mode" "$ktstr" test --no-p
expect "ktstr test --cpu-cap <Tab>: a number of the user's" "" "$ktstr" test --cpu-cap ""
expect "ktstr kernel list --r<Tab>" "--range" "$ktstr" kernel list --r
expect "ktstr cleanup --d<Tab>" "--dry-run" "$ktstr" cleanup --d
expect "ktstr test --budget takes the user's own value" "" "$ktstr" test --budget ""
expect "show-thresholds takes a test" "perf_wake_latency" "$ktstr" show-thresholds perf_w
expect "ktstr stats is ktstr-stats: commands" "compare" "$ktstr" stats comp
expect "ktstr-stats commands" "list
list-metrics
list-values" "$stats" lis
expect "ktstr-stats compare --a-ker<Tab>" "--a-kernel
--a-kernel-commit" "$stats" compare --a-ker
expect_has "metrics from list-metrics" "worst_spread" "$stats" noise --metric worst
expect "kernels of the pool under --dir" "6.14.2
6.15.0" "$stats" compare --dir "$pool" --a-kernel 6.1
expect "runs under --dir" "6.15-9999999-dirty
6.15-abc1234
6.15-abc1234-dirty" "$stats" show-host --dir "$pool" --run 6.15

# An interactive bash under tmux: type, press Tab, read the screen.
if ! command -v tmux >/dev/null 2>&1; then
  ok 0 "# SKIP tmux not found (bash .ci/install-deps.sh installs it)"
else
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-completion-XXXXXX")
  ln -s "$ktstr" "$tmp/ktstr"
  sock=$tmp/tmux.sock
  tmux -S "$sock" -f /dev/null new-session -d -x 160 -y 40 \
    "env -i HOME=$tmp PATH=$tmp:/usr/bin:/bin TERM=screen PS1='$ ' bash --norc --noprofile -i"
  . "$srcdir/tests/tmux-screen.sh"
  tmux -S "$sock" send-keys ". '$srcdir/data/completion/ktstr'" Enter
  screen_shows '$' &&
    tmux -S "$sock" send-keys "ktstr te" Tab && screen_shows '$ ktstr test' &&
    tmux -S "$sock" send-keys -- "--sha" Tab && screen_shows '$ ktstr test --shard' &&
    tmux -S "$sock" send-keys "1/2 steady_l" Tab &&
    screen_shows '$ ktstr test --shard 1/2 steady_llc'
  ok $? "interactive bash (tmux): ktstr te<Tab> --sha<Tab> 1/2 steady_l<Tab>"
  tmux -S "$sock" kill-server 2>/dev/null
  rm -rf "$tmp"
fi

exit $((fails > 0))
