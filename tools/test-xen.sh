#!/bin/sh
# make test-xen: the self-only guest tests (tests/guest/core/, memop/, evtchn_ops)
# under real Xen 4.17. Runs the guests that act only on their own domain
# (tools/xen-oracle.sh: PVH dom0 in QEMU) and reports one line per guest:
#     PASS xen/NAME    or    FAIL xen/NAME
# then "N passed, N failed". Exit status 1 if any failed.
#
# Builds nothing: run `make guests` first (a missing image counts as a
# failure). Each guest's console output is kept in $BUILD/test-xen/NAME.log.
# Environment: BUILD (default build), and xen-oracle.sh's own variables.
set -u

BUILD=${BUILD:-build}
ORACLE=$(dirname "$0")/xen-oracle.sh
LOGDIR=$BUILD/test-xen

# Guests that touch nothing but their own domain, each in its 64-bit and
# 32-bit flavour. (memop_touch crashes on purpose and memop_multi needs
# several domains: Mica only, tests/guest/memop/memop_tests.py.)
GUESTS="test_cpuid test_console test_version test_hypercall_errors
        memop_query memop_reservation memop_physmap evtchn_ops runstate"

mkdir -p "$LOGDIR"
"$ORACLE" fetch || exit 1

passed=0
failed=0
for name in $GUESTS; do
    for flavour in "" "-32"; do
        elf=$BUILD/guest/$name$flavour.elf
        log=$LOGDIR/$name$flavour.log
        if [ -r "$elf" ] && "$ORACLE" run "$elf" > "$log" 2>&1; then
            echo "PASS xen/$name$flavour"
            passed=$((passed + 1))
        else
            [ -r "$elf" ] || echo "missing $elf (run make guests)" > "$log"
            echo "FAIL xen/$name$flavour (log: $log)"
            failed=$((failed + 1))
        fi
    done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
