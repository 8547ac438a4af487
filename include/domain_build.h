/*
 * The domain builder: turns a multiboot2 module (an ELF guest image with a
 * PVH entry note) and its command line into a running domain.
 *
 * Module command line keys (docs/domains.md):
 *   name=NAME     the domain's name (default dN)
 *   mem=SIZE      its RAM, with K/M/G suffix (default 16M)
 *   vcpus=N       number of vCPUs (default 1)
 *   priv / no-priv  privileged or not (default: only the first guest module)
 *   label=TYPE    security label for XSM/FLASK (default by privilege)
 *   target=NAME   the domain (built earlier) this one manages (device model
 *                 or stub domain: XSM's target relation)
 *   max_grant_frames=N  its grant table's size in 4 KiB frames, 1..64
 *                 (default 4; 512 v1 entries each)
 *   trace=hypercalls  log its hypercalls (hypercall_trace.h)
 * Mica reads the line up to " -- "; the rest is the guest's own command line
 * (hvm_start_info.cmdline_paddr), as a kernel's command line is under Xen.
 *
 * A module whose line starts with "module-of=NAME" is not a guest but a boot
 * module of domain NAME (an initramfs, say): the builder copies it into
 * that domain's RAM after its image and lists it in its hvm_start_info
 * module list, in the order the modules come (at most
 * DOMAIN_BOOT_MODULES_MAX).
 */
#ifndef MICA_DOMAIN_BUILD_H
#define MICA_DOMAIN_BUILD_H

#include "bootinfo.h"
#include "domain.h"

/* Where the builder puts hvm_start_info, the memory map and the command
 * line: one guest page. An image overlapping it is refused. */
#define START_INFO_GPA 0x1000

/* Build the domain for module index (first_guest: the first module that is
 * a guest, privileged by default), ready to start; false (with a message)
 * if the module was refused. */
bool domain_build_module(const struct boot_module *module, unsigned int index, bool first_guest);

#define DOMAIN_BOOT_MODULES_MAX 4

/* Is module a boot module of some domain (module-of=)? */
bool domain_build_is_boot_module(const struct boot_module *module);

#endif
