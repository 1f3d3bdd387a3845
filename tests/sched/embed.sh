#!/bin/sh
# embed.sh OBJ NAME > OUT.c: OBJ's bytes as a C array NAME[] and NAME_len,
# with od(1) only (no xxd), for the scx_ktstr loader.
set -e
echo "/* Generated from $(basename "$1") by embed.sh; do not edit. */"
echo "const unsigned char $2[] = {"
od -An -v -tx1 "$1" | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g' -e '/^$/d'
echo "};"
echo "const unsigned long $2_len = sizeof $2;"
