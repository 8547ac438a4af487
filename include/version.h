/* Mica's version, and the version of Xen's guest ABI it speaks. */
#ifndef MICA_VERSION_H
#define MICA_VERSION_H

#define MICA_VERSION "0.1"

/* Guests see this as the Xen version (CPUID 0x40000001, XENVER_version):
 * Mica implements a subset of Xen 4.17's public ABI. */
#define MICA_XEN_ABI_MAJOR 4
#define MICA_XEN_ABI_MINOR 17

#endif
