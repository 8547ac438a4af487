/*
 * The arch interface: everything arch-neutral code (common/, xsm/) may ask of
 * the processor, the platform and the virtualization extension.
 *
 * common/ includes this header and never an x86/ header directly. Each
 * section names the arch/x86 file that implements it; the few x86 headers
 * included here are the parts of the interface that are inline (CPU
 * primitives, the direct map) or layouts that common structs embed.
 * A port to another architecture provides the same names.
 */
#ifndef MICA_ARCH_H
#define MICA_ARCH_H

#include "types.h"
#include "x86/asm.h" /* irq_save/irq_restore/irq_enable/irq_disable, cpu_relax, halt, rdtsc */
#include "x86/arch_domain.h" /* struct arch_vcpu and struct arch_domain (embedded as `arch`) */
#include "x86/paging.h"      /* phys_to_virt/virt_to_phys: the direct map of machine memory */
#include "x86/serial.h"      /* serial_write, serial_getc_nonblocking: the console */

struct domain;
struct vcpu;
struct vcpu_hvm_context;

/* ---- start-up (arch/x86/setup.c calls mica_main once the platform is up) */

/* The arch-neutral part of the boot (common/main.c); never returns. */
void mica_main(void) __attribute__((noreturn));

/* Start every other CPU; each enters scheduler_run. Returns how many CPUs
 * are online in all (arch/x86/smp.c). */
unsigned int arch_start_secondary_cpus(void);

/* ---- ending the run (arch/x86/stop.c) ----------------------------------- */

/* Stop the machine for good, interrupts off: under QEMU, the isa-debug-exit
 * device ends QEMU with exit status (code << 1) | 1; without one, this CPU
 * halts forever (mica_exit, include/panic.h, gives the codes). */
void arch_stop(unsigned int code) __attribute__((noreturn));

/* Print a backtrace: pc, then the return address of each frame of the
 * frame-pointer chain from frame (a saved frame pointer) outwards, each
 * with its symbol. */
void arch_backtrace_print(uintptr_t pc, uintptr_t frame);

/* ---- time, the timer and cross-CPU kicks (arch/x86/apic.c) ------------- */

/* The TSC's rate in Hz, measured against the PIT at boot. Every CPU's TSC
 * counts at this rate from one common origin (QEMU keeps one clock for all
 * its CPUs), so common/timer.c builds system time on it. rdtsc() (x86/asm.h)
 * reads it. */
uint64_t arch_tsc_hz(void);

/* Run handler on each interrupt of this CPU's timer (interrupt context);
 * common/timer.c is the one user. */
void arch_timer_set_handler(void (*handler)(void));
/* Interrupt this CPU once, delay_us from now (at least 1 us); replaces
 * what was programmed before. */
void arch_timer_oneshot(uint32_t delay_us);

/* Busy-wait (the PIT, so it works before the timer is calibrated). */
void udelay(uint32_t us);

/* Interrupt cpu: it leaves HLT, or its guest exits to Mica. */
void arch_kick_cpu(unsigned int cpu);

/* ---- the time of day (arch/x86/rtc.c) ----------------------------------- */

/* The real-time clock's time in seconds since 1970-01-01 00:00 UTC (the
 * clock is taken to keep UTC, as QEMU's does by default), or 0 if it reads
 * as no valid date. Slow (port I/O, may wait for the clock's update cycle):
 * read once at boot. */
uint64_t arch_rtc_seconds(void);

/* ---- vCPUs (arch/x86/svm/vcpu.c, vcpu_context.c) ------------------------ */

/* Allocate the vCPU's hardware state and set the PVH entry state (32-bit
 * protected mode, paging off) with the entry point and the start-info
 * address in EBX. -errno. */
int arch_vcpu_init(struct vcpu *v, uint32_t entry, uint32_t start_info_gpa);
void arch_vcpu_destroy(struct vcpu *v);

/* Set an offline, never-run vCPU's registers from ctx (VCPUOP_initialise;
 * rules in arch/x86/svm/vcpu_context.c). 0, or -EINVAL for a context Xen
 * would refuse or whose state would fail VMRUN's checks (nothing is
 * changed then), or -ENOMEM. */
int arch_vcpu_set_hvm_context(struct vcpu *v, const struct vcpu_hvm_context *ctx);

/* Print v's registers, interrupt state and local APIC as its last exit
 * left them (the `v` debug key; arch/x86/svm/vcpu_dump.c). */
void arch_vcpu_print(const struct vcpu *v);

/* Run v on this CPU until the scheduler should take it off. */
void arch_vcpu_run(struct vcpu *v);

/* Forget v's TLB entries on every CPU: a fresh ASID at its next VMRUN. */
void arch_vcpu_flush_tlb(struct vcpu *v);

/* v is about to block (vcpu_block, under the scheduler's lock): is an
 * event already waiting that should keep it running? HLT wakes for what
 * the CPU would take (an interrupt with IF set, an NMI); SCHEDOP_block
 * also for a pending upcall (arch/x86/svm/intr.c). */
bool arch_vcpu_should_wake(const struct vcpu *v);

/* v's evtchn_upcall_pending was just set: deliver it as the platform does
 * (x86: a per-vCPU upcall vector becomes a request in v's local APIC, as
 * Xen's hvm_assert_evtchn_irq). The caller wakes v (arch/x86/vlapic.c). */
void arch_evtchn_inject(struct vcpu *v);

/* ---- guest memory (arch/x86/svm/guest_walk.c) --------------------------- */

/* Guest-linear to guest-physical through the guest's own page tables;
 * false if they do not map gva (for a write: writably). */
bool guest_walk(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa);

/* ---- a guest's ACPI tables (arch/x86/guest_acpi.c) ---------------------- */

/* The guest-physical room the domain builder keeps for them: enough for
 * MAX_VCPUS (tests/unit/test_guest_acpi.c checks). */
#define ARCH_GUEST_ACPI_SIZE PAGE_SIZE

/* Write into buf (size bytes) the ACPI tables that describe a guest with
 * nr_vcpus vCPUs, laid out for the guest-physical address gpa (16-byte
 * aligned, all of it below 4 GiB) where the guest will find them: the RSDP
 * first, at gpa itself (hvm_start_info.rsdp_paddr), then the tables it
 * leads to; the rest of buf is zeroed. A pure function of its arguments.
 * 0, -EINVAL (no vCPU, more than the tables can name, a bad gpa) or
 * -ENOSPC (size is too small). */
int arch_guest_acpi_build(void *buf, size_t size, uint64_t gpa, unsigned int nr_vcpus);

/* ---- hypercalls (arch/x86/svm/hypercall.c) ------------------------------ */

/* Change argument i in the guest's registers (for a continuation). */
void hypercall_set_arg(struct vcpu *v, unsigned int i, uint64_t value);

#endif
