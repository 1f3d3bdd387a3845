#!/bin/sh
# Runs a GLib test program with TAP output; shell-script tests pass through.
case "$1" in
  *.sh) exec "$@" ;;
  *) exec "$@" --tap ;;
esac
