/* Mica's version, and the version of Xen's guest ABI it speaks. */
#ifndef MICA_VERSION_H
#define MICA_VERSION_H

#define MICA_VERSION "0.1"

/* Guests see this as the Xen version (CPUID 0x40000001, XENVER_version):
 * Mica implements a subset of Xen 4.17's public ABI. */
#define MICA_XEN_ABI_MAJOR 4
#define MICA_XEN_ABI_MINOR 17

/* The build, printed at boot ("Build: ...", arch/x86/setup.c): a test that
 * relies on a check only debug builds make (the lock-order checker, for
 * the fuzzers and races of tests/guest/fuzz/) asserts the run had it. */
#ifdef MICA_DEBUG
#define MICA_BUILD                                                                         \
    "debug (run-time checks: lock order, no lock or gfn held into a guest, double frees, " \
    "a p2m audit at every teardown)"
#else
#define MICA_BUILD "release"
#endif

#endif
