/*
 * Secondary vCPUs for 64-bit test guests (Xen's vcpu_op, public/vcpu.h).
 *
 * Every vCPU of a domain exists from the start, but only vCPU 0 runs. To
 * start another one, a guest hands the hypervisor its first registers
 * (VCPUOP_initialise with a struct vcpu_hvm_context) and then makes it
 * runnable (VCPUOP_up). guest_start_vcpu does both: the new vCPU shares
 * the caller's page tables, GDT and IDT, runs fn(id) on its own stack, and
 * when fn returns it takes itself down (VCPUOP_down; should it ever be
 * brought up again, it goes straight back down).
 *
 * 64-bit flavour only; test.h includes it there. HYPERVISOR_vcpu_op itself
 * is in hypercall.h, for both flavours.
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include "hypercall.h"

/*
 * Start vCPU id running fn(id) on the stack that ends at stack_top (rounded
 * down to 16 bytes; the caller owns the memory, identity-mapped like the
 * rest of the image). The vCPU starts in 64-bit mode with the caller's CR0,
 * CR3, CR4 and EFER and interrupts off. Returns 0, or the negative error of
 * VCPUOP_initialise or VCPUOP_up.
 */
int guest_start_vcpu(unsigned int id, void (*fn)(unsigned int id), void *stack_top);

/* The context guest_start_vcpu would pass, without starting anything
 * (for tests that want to vary it). */
void guest_vcpu_context(struct vcpu_hvm_context *ctx, unsigned int id, void (*fn)(unsigned int id),
                        void *stack_top);

#endif /* GUEST_SMP_H */
