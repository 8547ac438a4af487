/*
 * Walking a guest's page tables for one access, as its MMU would, with the
 * page fault the MMU would raise (arch/x86/svm/guest_walk.c). guest_walk()
 * in arch.h is the simple form for hypercall buffers (a supervisor access:
 * mapped or not); the instruction emulator needs this one.
 */
#ifndef MICA_X86_GUEST_WALK_H
#define MICA_X86_GUEST_WALK_H

#include "../domain.h"

/* The #PF error code (APM vol. 2 §8.4.2); as input, the access's kind. */
#define PFEC_PRESENT (1u << 0) /* the page was present: a protection fault */
#define PFEC_WRITE (1u << 1)
#define PFEC_USER (1u << 2)  /* the access came from CPL 3 */
#define PFEC_FETCH (1u << 4) /* an instruction fetch (reported with EFER.NXE) */

enum guest_walk_status {
    GUEST_WALK_OK,
    GUEST_WALK_FAULT,        /* the MMU raises #PF with *pf_error */
    GUEST_WALK_TABLE_NOT_RAM /* a table lies at *table_gpa, which is not RAM */
};

/*
 * Translate gva for an access of kind access (PFEC_WRITE, PFEC_USER,
 * PFEC_FETCH combined) in the vCPU's current paging mode. Checks P, R/W
 * (with CR0.WP for supervisor writes), U/S and NX at every level (§5.6).
 * Not checked: reserved bits, SMEP/SMAP, protection keys; the Accessed and
 * Dirty bits are not set.
 */
enum guest_walk_status guest_walk_access(struct vcpu *v, uint64_t gva, unsigned int access,
                                         uint64_t *gpa, uint32_t *pf_error, uint64_t *table_gpa);

#endif
