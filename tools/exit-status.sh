#!/bin/sh
# Translate QEMU's exit status after a Mica run into words and a shell status.
# isa-debug-exit makes QEMU exit with (value << 1) | 1 (include/panic.h).
case "$1" in
    33) echo "Mica: run ended cleanly."; exit 0 ;;
    35) echo "Mica: run ended with a failure (QEMU status 35)."; exit 1 ;;
    37) echo "Mica: run ended in a panic or fault (QEMU status 37)."; exit 2 ;;
    0)  echo "Mica: QEMU ended with status 0: a triple fault or reset, not a clean end."; exit 3 ;;
    *)  echo "Mica: QEMU ended with status $1."; exit 4 ;;
esac
