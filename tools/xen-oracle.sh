#!/bin/sh
# Real Xen 4.17 as the test oracle for Mica's guest ABI.
#
#   tools/xen-oracle.sh fetch            download and unpack Xen into build/xen/ (idempotent)
#   tools/xen-oracle.sh run GUEST.elf    boot Xen in QEMU with GUEST.elf as its PVH dom0,
#                                        print the guest's console lines, exit 0 iff the
#                                        guest's verdict line is "PASS guest/..."
#
# Xen is only downloaded (apt-get download) and unpacked (dpkg -x): it is never
# installed as this machine's hypervisor. The QEMU command line is the one measured
# in docs/qemu.md ("Real Xen as a reference"): dom0=pvh makes the
# guest ELF (passed as the "initrd", i.e. the first multiboot module) a PVH dom0,
# dom0-iommu=none is needed because QEMU offers no IOMMU, and Xen never exits
# QEMU on its own, so we watch the serial log for the verdict and stop QEMU.
#
# Environment: BUILD (default build), XEN_ORACLE_TIMEOUT (seconds, default 60),
# XEN_ORACLE_LOG (keep the raw serial log at this path), XEN_ORACLE_MEM (dom0_mem,
# default 64M), XEN_ORACLE_CPUS (QEMU -smp, default 1), XEN_ORACLE_XEN_ARGS (extra
# options for Xen's command line, e.g. "dom0_max_vcpus=2" for a guest that starts
# secondary vCPUs; dom0 never gets more vCPUs than there are CPUs),
# XEN_ORACLE_MACHINE_MEM (QEMU -m, default 1024), XEN_ORACLE_QEMU_ARGS (extra
# QEMU options, e.g. "-icount shift=0,sleep=off" for the benchmarks).
set -eu

BUILD=${BUILD:-build}
XENDIR=$BUILD/xen
XEN=$XENDIR/xen
PKG=xen-hypervisor-4.17-amd64
TIMEOUT=${XEN_ORACLE_TIMEOUT:-60}
DOM0_MEM=${XEN_ORACLE_MEM:-64M}
CPUS=${XEN_ORACLE_CPUS:-1}
XEN_ARGS=${XEN_ORACLE_XEN_ARGS:-}
MACHINE_MEM=${XEN_ORACLE_MACHINE_MEM:-1024}
QEMU_ARGS=${XEN_ORACLE_QEMU_ARGS:-}

usage() {
    echo "usage: $0 fetch | run GUEST.elf" >&2
    exit 2
}

fetch() {
    [ -s "$XEN" ] && return 0
    mkdir -p "$XENDIR"
    deb=$(ls "$XENDIR"/${PKG}_*.deb 2>/dev/null | head -n 1 || true)
    if [ -z "$deb" ]; then
        # apt-get download needs the package lists; refresh them only if apt
        # does not know the package yet.
        if ! apt-cache show "$PKG" >/dev/null 2>&1; then
            apt-get update -qq
        fi
        (cd "$XENDIR" && apt-get download -qq "$PKG" 2>&1 | grep -v "unsandboxed" >&2 || true)
        deb=$(ls "$XENDIR"/${PKG}_*.deb 2>/dev/null | head -n 1 || true)
        [ -n "$deb" ] || { echo "xen-oracle: apt-get download $PKG failed" >&2; exit 1; }
    fi
    rm -rf "$XENDIR/root"
    dpkg -x "$deb" "$XENDIR/root"
    gz=$(ls "$XENDIR"/root/boot/xen-4.17-amd64.gz 2>/dev/null || ls "$XENDIR"/root/boot/xen-4.17*.gz | head -n 1)
    gunzip -c "$gz" > "$XEN.tmp"
    mv "$XEN.tmp" "$XEN"
    echo "xen-oracle: Xen unpacked to $XEN" >&2
}

# Turn the serial log into the guest's own console lines. Xen's own lines start
# with "(XEN)". A PVH dom0's CONSOLEIO_write output reaches the serial line raw
# (Xen prefixes nothing for the hardware domain); its port 0xe9 output comes as
# "(d0) text" lines. Before dom0 starts, Xen also prints an unprefixed banner,
# so take only what follows Xen's last boot line ("Freed ... init memory").
guest_lines() {
    tr -d '\r' < "$1" | awk '
        started && /^\(XEN\)/ { next }
        started { sub(/^\(d0\) ?/, ""); print; next }
        /^\(XEN\) Freed .* init memory/ { started = 1 }'
}

run() {
    guest=$1
    [ -r "$guest" ] || { echo "xen-oracle: cannot read $guest" >&2; exit 2; }
    fetch
    log=${XEN_ORACLE_LOG:-}
    tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/xen-oracle.XXXXXX")
    [ -n "$log" ] || log=$tmpdir/serial.log
    : > "$log"

    # shellcheck disable=SC2086 # QEMU_ARGS is a list of options
    qemu-system-x86_64 -machine q35 -m "$MACHINE_MEM" -smp "$CPUS" -cpu qemu64,+svm,+npt $QEMU_ARGS \
        -no-reboot -display none -monitor none -serial "file:$log" \
        -kernel "$XEN" \
        -append "console=com1 com1=115200,8n1 noreboot dom0=pvh dom0-iommu=none dom0_mem=$DOM0_MEM $XEN_ARGS" \
        -initrd "$guest" </dev/null >"$tmpdir/qemu.out" 2>&1 &
    qpid=$!

    verdict=""
    deadline=$(( $(date +%s) + TIMEOUT ))
    while :; do
        verdict=$(guest_lines "$log" | grep -E '^(PASS|FAIL) guest/' | head -n 1 || true)
        [ -n "$verdict" ] && break
        if ! kill -0 "$qpid" 2>/dev/null; then
            break                                   # QEMU ended (reset, triple fault, ...)
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "xen-oracle: timeout after ${TIMEOUT}s" >&2
            break
        fi
        sleep 0.2
    done
    # Give Xen a moment to print the guest's shutdown message, then stop QEMU.
    sleep 0.3
    kill "$qpid" 2>/dev/null || true
    wait "$qpid" 2>/dev/null || true

    guest_lines "$log"
    if [ -z "$verdict" ]; then
        echo "xen-oracle: no verdict line; Xen's log tail:" >&2
        tr -d '\r' < "$log" | tail -n 25 >&2
        cat "$tmpdir/qemu.out" >&2
    fi
    rm -rf "$tmpdir"
    case "$verdict" in
        PASS\ guest/*) exit 0 ;;
        *) exit 1 ;;
    esac
}

case "${1:-}" in
    fetch) fetch ;;
    run) [ $# -eq 2 ] || usage; run "$2" ;;
    *) usage ;;
esac
