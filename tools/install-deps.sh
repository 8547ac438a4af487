#!/bin/sh
# Install what building, booting and testing Mica needs, if it is missing.
# Debian packages only; needs root (or sudo) to install.
set -e

missing=""
need() { # need COMMAND-OR-PATH PACKAGE WHY
    if [ "${1#/}" != "$1" ]; then [ -e "$1" ] && return 0
    else command -v "$1" >/dev/null 2>&1 && return 0; fi
    echo "  $2: $3"
    missing="$missing $2"
}

check() {
    need gcc gcc "compiles Mica and the host unit tests"
    need make make "runs the build"
    need nasm nasm "assembles the early boot code"
    need grub-mkrescue grub-common "builds the bootable ISO"
    need /usr/lib/grub/i386-pc/multiboot2.mod grub-pc-bin "GRUB's BIOS boot files for the ISO"
    need xorriso xorriso "writes the ISO image for grub-mkrescue"
    need mformat mtools "builds the ISO's EFI image for grub-mkrescue"
    need qemu-system-x86_64 qemu-system-x86 "the emulated machine Mica runs on (AMD SVM under TCG)"
    need python3 python3 "host tools: ISO builder, symbol table, test runner"
    need /usr/lib/gcc/x86_64-linux-gnu/12/32/libgcc.a gcc-multilib "builds the 32-bit test guests"
    need clang-format clang-format "checks the code's formatting (make check)"
    need cppcheck cppcheck "static analysis (make check)"
    need gdb gdb "the debugger of make debug and tools/mica-run --gdb (tools/mica-gdb.py)"
}

check >/tmp/mica-deps.$$ || true
if [ -z "$missing" ]; then rm -f /tmp/mica-deps.$$; exit 0; fi

echo "Mica needs these Debian packages, which are missing:"
cat /tmp/mica-deps.$$
rm -f /tmp/mica-deps.$$
if [ "$(id -u)" = 0 ]; then SUDO=""
elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"
else
    echo "Not root and no sudo: install them yourself with"
    echo "  apt-get install -y --no-install-recommends$missing"
    exit 1
fi
echo "Installing them with apt-get..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
