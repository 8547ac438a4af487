/*
 * A local APIC's registers as pure functions: the register page, reads and
 * writes in xAPIC and x2APIC mode, interrupt acceptance (IRR, ISR, TPR,
 * PPR, EOI), the decoding of the interrupt command register and the
 * matching of IPI destinations (Intel SDM vol. 3 ch. 10 "Advanced
 * Programmable Interrupt Controller"; AMD APM vol. 2 ch. 16 "Advanced
 * Programmable Interrupt Controller").
 *
 * arch/x86/vlapic.c gives each vCPU one struct apic_regs and does what
 * needs a machine: timers, waking vCPUs, INIT and start-up; the host unit
 * test (tests/unit/test_apic_regs.c) checks these rules against the manuals.
 *
 * The page holds each register where xAPIC MMIO shows it: the 32-bit
 * register at offset o (a multiple of 16) is word o / 4. In x2APIC mode
 * register o is MSR 0x800 + o / 16, and the ICR is one 64-bit register
 * (low half at 0x300, destination at 0x310).
 *
 * Concurrency: any CPU may set an IRR bit (apic_set_irr, atomic), and read
 * what IPI delivery needs (ID, LDR, DFR, SVR: apic_match_dest); everything
 * else is done by the vCPU that owns the APIC, on its own CPU.
 */
#ifndef MICA_LIB_APIC_REGS_H
#define MICA_LIB_APIC_REGS_H

#include "types.h"

/* Register offsets (SDM vol. 3 table 10-1, APM vol. 2 table 16-2). */
#define APIC_REG_ID 0x020
#define APIC_REG_VERSION 0x030
#define APIC_REG_TPR 0x080 /* task priority */
#define APIC_REG_APR 0x090 /* arbitration priority (xAPIC only) */
#define APIC_REG_PPR 0x0A0 /* processor priority */
#define APIC_REG_EOI 0x0B0
#define APIC_REG_RRD 0x0C0  /* remote read (xAPIC only) */
#define APIC_REG_LDR 0x0D0  /* logical destination */
#define APIC_REG_DFR 0x0E0  /* destination format (xAPIC only) */
#define APIC_REG_SVR 0x0F0  /* spurious-interrupt vector */
#define APIC_REG_ISR 0x100  /* in service: 8 registers, 0x100 .. 0x170 */
#define APIC_REG_TMR 0x180  /* trigger mode: 0x180 .. 0x1F0 */
#define APIC_REG_IRR 0x200  /* interrupt request: 0x200 .. 0x270 */
#define APIC_REG_ESR 0x280  /* error status */
#define APIC_REG_ICR 0x300  /* interrupt command, low half */
#define APIC_REG_ICR2 0x310 /* ... destination (xAPIC; x2APIC: ICR bits 63:32) */
#define APIC_REG_LVT_TIMER 0x320
#define APIC_REG_LVT_THERMAL 0x330
#define APIC_REG_LVT_PERF 0x340
#define APIC_REG_LVT_LINT0 0x350
#define APIC_REG_LVT_LINT1 0x360
#define APIC_REG_LVT_ERROR 0x370
#define APIC_REG_TIMER_INITIAL 0x380
#define APIC_REG_TIMER_CURRENT 0x390
#define APIC_REG_TIMER_DIVIDE 0x3E0
#define APIC_REG_SELF_IPI 0x3F0 /* x2APIC only, write-only */
#define APIC_REG_LAST 0x3F0

/* The version register: version 0x14 (an integrated APIC), six LVT entries
 * (bits 23:16 = 5), no EOI-broadcast suppression: Xen's 0x00050014. */
#define APIC_VERSION_VALUE 0x00050014u

/* SVR: bits 7:0 the spurious vector, bit 8 the software enable, bit 9
 * focus-processor checking off (APM; Intel: reserved, reads back). */
#define APIC_SVR_ENABLE (1u << 8)
#define APIC_SVR_WRITABLE 0x3FFu

/* LVT entries: vector, delivery mode (bits 10:8, LINT/thermal/perf), send
 * pending (12, read-only), polarity (13), remote IRR (14, read-only),
 * trigger (15), mask (16), timer mode (18:17). */
#define APIC_LVT_VECTOR 0xFFu
#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVT_TIMER_MODE_SHIFT 17
#define APIC_LVT_TIMER_MODE (3u << APIC_LVT_TIMER_MODE_SHIFT)

enum apic_timer_mode {
    APIC_TIMER_ONESHOT = 0,
    APIC_TIMER_PERIODIC = 1,
    APIC_TIMER_TSC_DEADLINE = 2,
};

/* ESR bits the model reports (SDM 10.5.3, APM 16.4.6). */
#define APIC_ESR_SEND_ILLEGAL (1u << 5)     /* an IPI with a vector below 16 */
#define APIC_ESR_RECEIVE_ILLEGAL (1u << 6)  /* an LVT fired a vector below 16 */
#define APIC_ESR_ILLEGAL_REGISTER (1u << 7) /* xAPIC access to a reserved offset */

/* ICR (SDM 10.6.1): delivery modes and destination shorthands. */
enum apic_delivery {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_STARTUP = 6,
};

enum apic_shorthand {
    APIC_DEST_NO_SHORTHAND = 0,
    APIC_DEST_SELF = 1,
    APIC_DEST_ALL_INCLUDING_SELF = 2,
    APIC_DEST_ALL_EXCLUDING_SELF = 3,
};

enum apic_mode {
    APIC_MODE_XAPIC,  /* registers in the MMIO page */
    APIC_MODE_X2APIC, /* registers as MSRs 0x800..0x8FF */
};

#define APIC_PAGE_WORDS 1024

struct apic_regs {
    uint32_t page[APIC_PAGE_WORDS]; /* the 4 KiB register page */
    uint32_t id;                    /* the APIC ID (32 bits in x2APIC mode) */
    uint32_t errors;                /* ESR bits since the last ESR write */
    enum apic_mode mode;
    /* Bit i: IRR register i may be non-zero. Set after the IRR bit, cleared
     * only by the owner once it has seen the register empty: so an empty
     * IRR, the usual case before every VMRUN, costs one load to see. */
    uint32_t irr_summary;
};

/* An IPI as the ICR describes it. */
struct apic_icr {
    uint8_t vector;
    enum apic_delivery delivery;
    bool logical; /* logical destination (bit 11), else physical */
    enum apic_shorthand shorthand;
    bool x2apic;    /* sent in x2APIC mode: the form of dest */
    uint32_t dest;  /* xAPIC: 8 bits (ICR2 31:24); x2APIC: 32 bits */
    bool broadcast; /* dest is all ones for the mode (0xFF / 0xFFFFFFFF) */
};

/* ---- state ------------------------------------------------------------ */

/* The state after power-up or INIT (SDM 10.4.7.1, 10.12.5.1): ID id, the
 * given mode, every LVT masked, SVR 0xFF (software-disabled), DFR all ones,
 * everything else zero; in x2APIC mode LDR follows from the ID. */
void apic_reset(struct apic_regs *a, uint32_t id, enum apic_mode mode);

/* xAPIC -> x2APIC (IA32_APIC_BASE.EXTD set): the ID keeps its value and
 * LDR becomes the logical x2APIC ID; the other registers keep theirs. */
void apic_enter_x2apic(struct apic_regs *a);

/* Software-enabled (SVR bit 8)? */
bool apic_sw_enabled(const struct apic_regs *a);

/* ---- registers ----------------------------------------------------------- */

/* A read of register `offset` (a multiple of 16, at most APIC_REG_LAST) as
 * RDMSR or a 32-bit MMIO read would see it; the caller stores the timer's
 * current count in the page first. x2APIC: false (#GP) for an absent or
 * write-only register. xAPIC: always true; an absent register reads 0 and
 * records an illegal-register error. */
bool apic_read(struct apic_regs *a, unsigned int offset, uint64_t *value);

/* What a register write asks of the caller. */
enum apic_write_result {
    APIC_WRITE_DONE,         /* nothing more */
    APIC_WRITE_FAULT,        /* x2APIC: #GP (read-only or absent register, reserved
                                bits, a non-zero write to EOI or ESR); nothing changed */
    APIC_WRITE_SEND_IPI,     /* the ICR was written: send apic_icr_decode(...) */
    APIC_WRITE_TIMER_START,  /* initial count written (not in TSC-deadline mode) */
    APIC_WRITE_TIMER_MODE,   /* the LVT timer's mode changed */
    APIC_WRITE_TIMER_DIVIDE, /* the divide configuration changed */
};

/* A write of value to register `offset` (32 bits; 64 for the x2APIC ICR).
 * EOI, SELF IPI, the ESR latch and software disabling (which masks every
 * LVT entry) take effect here. xAPIC: reserved bits are ignored and a
 * write to an absent register records an illegal-register error. */
enum apic_write_result apic_write(struct apic_regs *a, unsigned int offset, uint64_t value);

/* ---- interrupts -------------------------------------------------------- */

/* Request vector (16..255): set its IRR bit. Any CPU. */
void apic_set_irr(struct apic_regs *a, uint8_t vector);

/* Is any IRR bit set? (One load: inline for the run loop.) */
static inline bool apic_irr_pending(const struct apic_regs *a)
{
    return __atomic_load_n(&a->irr_summary, __ATOMIC_SEQ_CST) != 0;
}

/* Highest vector set in IRR / ISR, or -1. */
int apic_highest_irr(const struct apic_regs *a);
int apic_highest_isr(const struct apic_regs *a);

/* PPR (SDM 10.8.3.1): TPR if its class is at least the highest in-service
 * class, else that class. APR (SDM 10.8.3.2, xAPIC only). */
uint32_t apic_ppr(const struct apic_regs *a);
uint32_t apic_apr(const struct apic_regs *a);

/* The vector the APIC presents to the processor now: the highest requested
 * one whose class is above PPR's, if software-enabled; else -1. */
int apic_deliverable(const struct apic_regs *a);

/* The processor takes vector: its IRR bit moves to ISR. */
void apic_accept(struct apic_regs *a, uint8_t vector);

/* A local interrupt source fires through its LVT entry (lvt: one of the
 * APIC_REG_LVT_* offsets): nothing if masked or software-disabled; a vector
 * below 16 records a receive-illegal-vector error instead. Fixed delivery
 * only (the timer and error entries have no other). */
void apic_lvt_fire(struct apic_regs *a, unsigned int lvt);

/* Record an error (APIC_ESR_*); a new one fires the error LVT entry. */
void apic_error(struct apic_regs *a, uint32_t error);

/* ---- IPIs ------------------------------------------------------------- */

/* The IPI the ICR holds. false if it sends nothing: a fixed or lowest-
 * priority IPI with a vector below 16 (recorded as a send-illegal-vector
 * error), an INIT de-assert (level-triggered INIT with level 0, which
 * does nothing since the Pentium 4) or a reserved delivery mode. */
bool apic_icr_decode(struct apic_regs *a, struct apic_icr *icr);

/* Is target a destination of icr? `is_self`: target is the sender. The
 * destination is read in icr's form (the sender's mode): physical (the ID,
 * or a broadcast), logical flat or cluster (xAPIC, target's LDR and DFR),
 * logical cluster (x2APIC, its derived LDR). Reads target atomically: it
 * may belong to a vCPU running elsewhere. */
bool apic_match_dest(const struct apic_regs *target, const struct apic_icr *icr, bool is_self);

/* ---- timer ------------------------------------------------------------ */

enum apic_timer_mode apic_timer_mode(const struct apic_regs *a);
/* The divide configuration as a divisor: 1, 2, 4, ... 128. */
unsigned int apic_timer_divisor(const struct apic_regs *a);

#endif
