#!/bin/bash
# The zsh completion (data/completion/_ktstr): it parses (zsh -n), and in
# an interactive zsh driven through tmux, with the file on $fpath and
# compinit run, Tab completes commands, options, test names, gauntlet
# presets after a comma, a definition's flags after --scheduler-file=FILE,
# kernel subcommands, `ktstr stats` as ktstr-stats, and the pool's kernels
# and runs under --dir: all asked of the programs in the build tree.
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

echo "1..10"

if ! command -v zsh >/dev/null 2>&1 || ! command -v tmux >/dev/null 2>&1; then
  for _ in $(seq 10); do
    ok 0 "# SKIP zsh or tmux not found (bash .ci/install-deps.sh installs them)"
  done
  exit 0
fi

zsh -n "$srcdir/data/completion/_ktstr"
ok $? "zsh -n: the file parses"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-zsh-completion-XXXXXX")
trap 'tmux -S "$tmp/tmux.sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
ln -s "$builddir/src/ktstr" "$tmp/ktstr"
ln -s "$builddir/src/stats/ktstr-stats" "$tmp/ktstr-stats"
sock=$tmp/tmux.sock
tmux -S "$sock" -f /dev/null new-session -d -x 200 -y 40 \
  "env -i HOME=$tmp ZDOTDIR=$tmp PATH=$tmp:/usr/bin:/bin TERM=screen CARGO_TARGET_DIR=/nonexistent zsh -f -i"

. "$srcdir/tests/tmux-screen.sh"

# complete DESCRIPTION TYPED WANT: types TYPED on an empty line, presses
# Tab, and expects the line to read WANT; then empties the line.
complete () {
  tmux -S "$sock" send-keys -l "$2"
  tmux -S "$sock" send-keys Tab
  screen_shows "\$ $3"
  ok $? "$1"
  tmux -S "$sock" send-keys C-u
  screen_shows '$' >/dev/null
}

setup="PS1='$ '; fpath=('$srcdir/data/completion' \$fpath); autoload -Uz compinit"
setup="$setup; compinit -u -d '$tmp/zcompdump'; clear"
tmux -S "$sock" send-keys -l "$setup"
tmux -S "$sock" send-keys Enter
screen_shows '$'
ok $? "compinit loads the completion from \$fpath"

complete "ktstr te<Tab>" "ktstr te" "ktstr test"
complete "ktstr test --sha<Tab>: an option from --help" "ktstr test --sha" "ktstr test --shard"
complete "test names: ktstr test steady_l<Tab>" "ktstr test steady_l" "ktstr test steady_llc"
# In a list zsh offers the next comma (it goes away with a space).
complete "presets, after a comma" "ktstr test --gauntlet --preset tiny-1llc,tiny-2" \
  "ktstr test --gauntlet --preset tiny-1llc,tiny-2llc,"
complete "--flags after --scheduler-file=FILE" "ktstr test --scheduler-file=$sched --flags s" \
  "ktstr test --scheduler-file=$sched --flags slow,"
complete "ktstr kernel li<Tab>" "ktstr kernel li" "ktstr kernel list"
complete "ktstr stats is ktstr-stats" "ktstr stats comp" "ktstr stats compare"
complete "the pool's kernels under --dir" "ktstr-stats compare --dir $pool --a-kernel 6.14" \
  "ktstr-stats compare --dir $pool --a-kernel 6.14.2"

exit $((fails > 0))
