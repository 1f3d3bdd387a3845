# Sourced by the tests that drive an interactive shell through tmux (the
# bash and zsh completions): screen_shows TEXT waits (up to 10 s) until the
# last non-empty line of the tmux server at $sock reads TEXT.  tmux drops
# the spaces that end a line (and so the one a shell adds after a
# completed word).  On a timeout it prints what the screen showed, as a
# TAP comment, and fails.
screen_shows () {
  for _ in $(seq 100); do
    line=$(tmux -S "$sock" capture-pane -p | sed '/^$/d' | tail -n 1)
    [ "$line" = "$1" ] && return 0
    sleep 0.1
  done
  printf '# want: %s\n# screen: %s\n' "$1" "$line"
  return 1
}
