/*
 * Emulated MMIO: guest-physical ranges no RAM backs, served by Mica.
 *
 * When a guest's access to a gfn faults in the nested page table (#NPF,
 * APM vol. 2 §15.25.6) and a registered handler claims the address, the
 * instruction emulator (arch/x86/emulate/) decodes the faulting instruction
 * and turns its memory operand into read/write calls here, one per access
 * of at most 8 bytes; unclaimed addresses are holes (docs/platform.md).
 *
 * A handler registers itself where it is defined, with no table to edit:
 *
 *     static const struct mmio_handler vlapic_mmio = { "lapic", claims, read, write };
 *     MMIO_HANDLER(vlapic_mmio);
 *
 * Handlers run on the faulting vCPU's CPU with no lock held; they return 0,
 * or a negative Xen errno after which the emulator injects #GP(0) into the
 * guest (as hardware would for a bad access to the device).
 */
#ifndef MICA_X86_MMIO_H
#define MICA_X86_MMIO_H

#include "types.h"

struct vcpu;

struct mmio_handler {
    const char *name;
    /* Does this handler serve gpa for v (e.g. v's APIC page)? */
    bool (*claims)(const struct vcpu *v, uint64_t gpa);
    /* size is 1, 2, 4 or 8; gpa .. gpa + size - 1 lies in the claimed range. */
    int (*read)(struct vcpu *v, uint64_t gpa, unsigned int size, uint64_t *value);
    int (*write)(struct vcpu *v, uint64_t gpa, unsigned int size, uint64_t value);
};

/* Bounds of the mica_mmio section (linker.ld). */
extern const struct mmio_handler *const __start_mica_mmio[], *const __stop_mica_mmio[];

#define MMIO_HANDLER(handler)                                \
    static const struct mmio_handler *const __mmio_##handler \
        __attribute__((used, section("mica_mmio"), aligned(sizeof(void *)))) = &(handler)

/* The handler that claims gpa for v, or NULL (a hole). */
const struct mmio_handler *mmio_find(const struct vcpu *v, uint64_t gpa);

#endif
