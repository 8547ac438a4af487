/*
 * Emulating one guest instruction on its vCPU (arch/x86/svm/guest_emulate.c):
 * the instruction emulator (x86/emulate.h) run against the vCPU's registers
 * and its guest memory as the #NPF handler (arch/x86/svm/npf.c) needs it.
 */
#ifndef MICA_X86_GUEST_EMULATE_H
#define MICA_X86_GUEST_EMULATE_H

#include "../domain.h"

/*
 * Emulate the instruction at v's RIP. Each memory access it makes is
 * translated through the guest's page tables and then served by what the
 * p2m holds at that gfn:
 *   RAM (also grant and foreign mappings)  read and written in place; a
 *       write to a read-only type (ram_ro, grant_map_ro) is discarded;
 *   nothing, and an MMIO handler claims it  the handler's read or write;
 *   nothing, and no handler                 a hole: reads return all ones,
 *       writes are dropped; the first per domain is logged.
 * On success the registers and RIP move on; a fault the CPU would raise is
 * injected (#PF with its error code and CR2, #GP, #UD); an instruction the
 * emulator does not know, or an access it cannot serve, crashes the domain
 * with a diagnostic naming the instruction's bytes.
 */
void guest_emulate(struct vcpu *v);

#endif
