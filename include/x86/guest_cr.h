/*
 * A guest writing CR0, CR4 or EFER (arch/x86/svm/guest_cr.c, guest_msr.c):
 * the architecture's rules for each write, and the decoding of the MOV to
 * CR and LMSW instructions Mica intercepts.
 *
 * The rules (guest_cr_rules.c) and the decoder (mov_cr_decode.c) are pure
 * functions, unit-tested on the host (tests/unit/test_guest_cr.c).
 */
#ifndef MICA_X86_GUEST_CR_H
#define MICA_X86_GUEST_CR_H

#include "../types.h"

/* ---- the rules (APM vol. 2 §3.1.1 CR0, §3.1.3 CR4, §3.1.7 EFER, §14.6) --- */

/* The part of a vCPU's state the rules read. */
struct guest_cr_state {
    uint64_t cr0, cr3, cr4;
    uint64_t efer; /* as the guest sees it, LMA included */
    bool in_64bit; /* executing 64-bit code: EFER.LMA and CS.L */
};

/* The CPUID words that say which CR4 and EFER bits exist. */
struct guest_cr_features {
    uint32_t leaf1_ecx, leaf1_edx;
    uint32_t leaf7_ebx, leaf7_ecx;
    uint32_t ext1_edx; /* leaf 0x80000001 */
};

/* The CR4 bits a guest may set: those Mica supports whose feature the
 * guest's CPUID reports. Every other bit is reserved (#GP). */
uint64_t guest_cr4_allowed(const struct guest_cr_features *f);

/* The EFER bits a guest may set: SCE, LME and NXE when CPUID reports them. */
uint64_t guest_efer_allowed(const struct guest_cr_features *f);

/* Each check returns why the write is a #GP, or NULL if it is allowed. */
const char *guest_cr0_check(const struct guest_cr_state *s, uint64_t value);
const char *guest_cr4_check(const struct guest_cr_state *s, uint64_t allowed, uint64_t value);
const char *guest_efer_check(const struct guest_cr_state *s, uint64_t allowed, uint64_t value);

/* What an allowed CR0 write leaves in CR0: ET reads as 1, and the reserved
 * bits of 31:0 are ignored (they read as 0, as Xen keeps them). */
uint64_t guest_cr0_value(uint64_t value);

/* The EFER the VMCB holds for a guest whose own EFER (without LMA) is efer
 * and whose CR0 is cr0: SVME, which SVM requires (APM §15.5.1); LME only
 * while paging is on, and then LMA, long mode being active (§14.6.1). With
 * paging off LME has no effect until CR0.PG is set, which Mica intercepts:
 * keeping it out of the VMCB until then avoids a QEMU bug, where a #VMEXIT
 * from a guest with EFER.LME, CR0.PG and CR4.PAE clear leaves the host with
 * paging off (docs/qemu.md). */
uint64_t guest_efer_in_vmcb(uint64_t efer, uint64_t cr0);

/* Does this change of CR0 or CR4 invalidate the guest's TLB (APM §5.5.2)? */
bool guest_cr0_change_flushes_tlb(uint64_t old_cr0, uint64_t new_cr0);
bool guest_cr4_change_flushes_tlb(uint64_t old_cr4, uint64_t new_cr4);

/* ---- the instructions (APM vol. 3: MOV CRn, LMSW, CLTS) --------------------- */

enum cr_write_kind {
    CR_WRITE_MOV,      /* MOV CRn, reg: 0F 22 /r */
    CR_WRITE_LMSW_REG, /* LMSW reg16: 0F 01 /6, mod = 3 */
    CR_WRITE_LMSW_MEM, /* LMSW m16: Mica does not emulate it */
    CR_WRITE_CLTS,     /* CLTS: 0F 06 */
};

struct cr_write_insn {
    enum cr_write_kind kind;
    unsigned int cr;  /* the control register: MOV's ModRM.reg (REX.R extends
                       * it); 0 for LMSW and CLTS */
    unsigned int gpr; /* MOV, LMSW reg: the source register (REX.B extends rm) */
    unsigned int length;
};

/* Decode the instruction in bytes[0..len) as a write to a control register,
 * in 64-bit mode (REX prefixes) or not; LOCK MOV CR0 is AMD's MOV CR8. False
 * if it is none of the above (or len ends it early, or a LOCK prefix makes
 * it #UD). */
bool cr_write_decode(const uint8_t *bytes, unsigned int len, bool mode64,
                     struct cr_write_insn *insn);

#endif
