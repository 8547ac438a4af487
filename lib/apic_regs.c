/* A local APIC's registers as pure functions (see include/lib/apic_regs.h). */
#include "lib/apic_regs.h"

/* DFR's model (bits 31:28): flat 1111b, cluster 0000b; bits 27:0 read 1. */
#define DFR_MODEL_FLAT 0xF0000000u
#define DFR_RESERVED_ONES 0x0FFFFFFFu

/* ICR low half: vector, delivery mode, destination mode, level, trigger,
 * shorthand (SDM 10.6.1). Bit 12, the delivery status, reads 0: Mica
 * delivers an IPI before the write returns. */
#define ICR_WRITABLE 0x000CCFFFu
#define ICR_DELIVERY(lo) (((lo) >> 8) & 7)
#define ICR_LOGICAL (1u << 11)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_LEVEL_TRIGGER (1u << 15)
#define ICR_SHORTHAND(lo) (((lo) >> 18) & 3)

/* LVT bits that read back (SDM 10.5.1); delivery status and remote IRR
 * read 0 and are ignored when written. */
#define LVT_DELIVERY_MODE 0x700u
#define LVT_POLARITY (1u << 13)
#define LVT_TRIGGER (1u << 15)
#define LVT_READ_ONLY ((1u << 12) | (1u << 14))

#define TIMER_DIVIDE_WRITABLE 0xBu /* bits 0, 1 and 3 */

/* Priorities (SDM 10.8.3): a vector's class is its upper four bits; TPR,
 * PPR and APR hold a class and a sub-class in bits 7:4 and 3:0. */
#define PRIORITY_CLASS(v) ((v)&0xF0u)
#define PRIORITY_MASK 0xFFu

/* Vectors 0-15 are reserved: an IPI or an LVT entry that names one is an
 * illegal vector (SDM 10.5.3, ESR). */
#define APIC_FIRST_VECTOR 16

static uint32_t *reg(struct apic_regs *a, unsigned int offset)
{
    return &a->page[offset / 4];
}

/* Loads are atomic: other CPUs read ID, LDR, DFR, SVR, TPR and ISR to
 * route IPIs, while the owner may be writing them. */
static uint32_t get(const struct apic_regs *a, unsigned int offset)
{
    return __atomic_load_n(&a->page[offset / 4], __ATOMIC_RELAXED);
}

/* The page holds a 256-bit vector set (ISR, TMR, IRR) as eight 32-bit
 * registers 16 bytes apart: vector v is bit v % 32 of register v / 32. */
static uint32_t *vector_word(struct apic_regs *a, unsigned int base, uint8_t vector)
{
    return reg(a, base + (vector / 32) * 16);
}

/* The highest vector set in the registers at base whose bit is set in
 * `which` (bit i: register i). */
static int highest_in(const struct apic_regs *a, unsigned int base, uint32_t which)
{
    for (int i = 7; i >= 0; i--) {
        uint32_t w;
        if (!(which & (1u << i)))
            continue;
        w = __atomic_load_n(&a->page[(base + i * 16) / 4], __ATOMIC_ACQUIRE);
        if (w)
            return i * 32 + 31 - __builtin_clz(w);
    }
    return -1;
}

static bool is_lvt(unsigned int offset)
{
    return offset >= APIC_REG_LVT_TIMER && offset <= APIC_REG_LVT_ERROR;
}

/* The LVT bits software may set, per entry (the timer's mode field, the
 * delivery mode of thermal/perf/LINT, polarity and trigger of LINT). */
static uint32_t lvt_writable(unsigned int lvt)
{
    switch (lvt) {
    case APIC_REG_LVT_TIMER:
        return APIC_LVT_VECTOR | APIC_LVT_MASKED | APIC_LVT_TIMER_MODE;
    case APIC_REG_LVT_THERMAL:
    case APIC_REG_LVT_PERF:
        return APIC_LVT_VECTOR | LVT_DELIVERY_MODE | APIC_LVT_MASKED;
    case APIC_REG_LVT_LINT0:
    case APIC_REG_LVT_LINT1:
        return APIC_LVT_VECTOR | LVT_DELIVERY_MODE | LVT_POLARITY | LVT_TRIGGER | APIC_LVT_MASKED;
    default: /* error */
        return APIC_LVT_VECTOR | APIC_LVT_MASKED;
    }
}

/* The x2APIC logical ID (SDM 10.12.10.2): cluster ID (bits 19:4 of the
 * APIC ID) in bits 31:16, and one bit of the 16 for the APIC in it. */
static uint32_t x2apic_ldr(uint32_t id)
{
    return ((id >> 4) << 16) | (1u << (id & 0xF));
}

void apic_reset(struct apic_regs *a, uint32_t id, enum apic_mode mode)
{
    for (unsigned int i = 0; i < APIC_PAGE_WORDS; i++)
        a->page[i] = 0;
    a->irr_summary = 0;
    a->id = id;
    a->errors = 0;
    a->mode = mode;
    *reg(a, APIC_REG_ID) = mode == APIC_MODE_X2APIC ? id : id << 24;
    *reg(a, APIC_REG_VERSION) = APIC_VERSION_VALUE;
    *reg(a, APIC_REG_LDR) = mode == APIC_MODE_X2APIC ? x2apic_ldr(id) : 0;
    *reg(a, APIC_REG_DFR) = 0xFFFFFFFFu;
    *reg(a, APIC_REG_SVR) = 0xFF;
    for (unsigned int lvt = APIC_REG_LVT_TIMER; lvt <= APIC_REG_LVT_ERROR; lvt += 16)
        *reg(a, lvt) = APIC_LVT_MASKED;
}

void apic_enter_x2apic(struct apic_regs *a)
{
    a->mode = APIC_MODE_X2APIC;
    *reg(a, APIC_REG_ID) = a->id;
    *reg(a, APIC_REG_LDR) = x2apic_ldr(a->id);
}

bool apic_sw_enabled(const struct apic_regs *a)
{
    return get(a, APIC_REG_SVR) & APIC_SVR_ENABLE;
}

/* ---- interrupts ------------------------------------------------------------------- */

void apic_set_irr(struct apic_regs *a, uint8_t vector)
{
    __atomic_fetch_or(vector_word(a, APIC_REG_IRR, vector), 1u << (vector % 32), __ATOMIC_SEQ_CST);
    __atomic_fetch_or(&a->irr_summary, 1u << (vector / 32), __ATOMIC_SEQ_CST);
}

int apic_highest_irr(const struct apic_regs *a)
{
    uint32_t which = __atomic_load_n(&a->irr_summary, __ATOMIC_SEQ_CST);

    return which ? highest_in(a, APIC_REG_IRR, which) : -1;
}

int apic_highest_isr(const struct apic_regs *a)
{
    return highest_in(a, APIC_REG_ISR, 0xFF);
}

uint32_t apic_ppr(const struct apic_regs *a)
{
    uint32_t tpr = get(a, APIC_REG_TPR);
    int isr = apic_highest_isr(a);
    uint32_t isrv = isr < 0 ? 0 : (uint32_t)isr;

    return PRIORITY_CLASS(tpr) >= PRIORITY_CLASS(isrv) ? tpr & PRIORITY_MASK : PRIORITY_CLASS(isrv);
}

uint32_t apic_apr(const struct apic_regs *a)
{
    uint32_t tpr = get(a, APIC_REG_TPR);
    int isr = apic_highest_isr(a), irr = apic_highest_irr(a);
    uint32_t isrv = isr < 0 ? 0 : (uint32_t)isr, irrv = irr < 0 ? 0 : (uint32_t)irr;

    if (PRIORITY_CLASS(tpr) >= PRIORITY_CLASS(irrv) && PRIORITY_CLASS(tpr) > PRIORITY_CLASS(isrv))
        return tpr & PRIORITY_MASK;
    return MAX(PRIORITY_CLASS(tpr), MAX(PRIORITY_CLASS(isrv), PRIORITY_CLASS(irrv)));
}

int apic_deliverable(const struct apic_regs *a)
{
    int irr = apic_highest_irr(a);

    if (irr < 0 || !apic_sw_enabled(a))
        return -1;
    return PRIORITY_CLASS((uint32_t)irr) > PRIORITY_CLASS(apic_ppr(a)) ? irr : -1;
}

void apic_accept(struct apic_regs *a, uint8_t vector)
{
    uint32_t bit = 1u << (vector % 32), word = 1u << (vector / 32);
    uint32_t *irr = vector_word(a, APIC_REG_IRR, vector);

    /* The summary bit goes only if the register is empty after it went: a
     * vector another CPU sets meanwhile puts it back (apic_set_irr sets the
     * IRR bit first). */
    if (!__atomic_and_fetch(irr, ~bit, __ATOMIC_SEQ_CST)) {
        __atomic_fetch_and(&a->irr_summary, ~word, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(irr, __ATOMIC_SEQ_CST))
            __atomic_fetch_or(&a->irr_summary, word, __ATOMIC_SEQ_CST);
    }
    *vector_word(a, APIC_REG_ISR, vector) |= bit;
}

/* EOI (SDM 10.8.5): the highest in-service interrupt is done. Every vector
 * Mica delivers is edge-triggered (TMR stays clear), so there is no
 * level-triggered source to notify. */
static void eoi(struct apic_regs *a)
{
    int isr = apic_highest_isr(a);

    if (isr >= 0)
        *vector_word(a, APIC_REG_ISR, (uint8_t)isr) &= ~(1u << (isr % 32));
}

void apic_error(struct apic_regs *a, uint32_t error)
{
    if (a->errors & error)
        return;
    a->errors |= error;
    apic_lvt_fire(a, APIC_REG_LVT_ERROR);
}

void apic_lvt_fire(struct apic_regs *a, unsigned int lvt)
{
    uint32_t entry = get(a, lvt);
    uint8_t vector = (uint8_t)(entry & APIC_LVT_VECTOR);

    if ((entry & APIC_LVT_MASKED) || !apic_sw_enabled(a))
        return;
    if (vector < APIC_FIRST_VECTOR) {
        /* An illegal vector from the error entry itself only records it. */
        if (lvt == APIC_REG_LVT_ERROR)
            a->errors |= APIC_ESR_RECEIVE_ILLEGAL;
        else
            apic_error(a, APIC_ESR_RECEIVE_ILLEGAL);
        return;
    }
    apic_set_irr(a, vector);
}

/* ---- registers ------------------------------------------------------------------- */

/* Offsets that hold a register in mode m (SDM table 10-1 for xAPIC, table
 * 10-6 for x2APIC; six LVT entries, so no CMCI entry at 0x2F0). */
static bool present(unsigned int offset, enum apic_mode m)
{
    bool x2 = m == APIC_MODE_X2APIC;

    if (offset % 16 || offset > APIC_REG_LAST)
        return false;
    switch (offset) {
    case APIC_REG_APR:
    case APIC_REG_RRD:
    case APIC_REG_DFR:
    case APIC_REG_ICR2:
        return !x2;
    case APIC_REG_SELF_IPI:
        return x2;
    case APIC_REG_ID:
    case APIC_REG_VERSION:
    case APIC_REG_TPR:
    case APIC_REG_PPR:
    case APIC_REG_EOI:
    case APIC_REG_LDR:
    case APIC_REG_SVR:
    case APIC_REG_ESR:
    case APIC_REG_ICR:
    case APIC_REG_TIMER_INITIAL:
    case APIC_REG_TIMER_CURRENT:
    case APIC_REG_TIMER_DIVIDE:
        return true;
    default:
        return (offset >= APIC_REG_ISR && offset < APIC_REG_ESR) || is_lvt(offset);
    }
}

bool apic_read(struct apic_regs *a, unsigned int offset, uint64_t *value)
{
    bool x2 = a->mode == APIC_MODE_X2APIC;

    *value = 0;
    if (!present(offset, a->mode)) {
        if (x2)
            return false;
        apic_error(a, APIC_ESR_ILLEGAL_REGISTER);
        return true;
    }
    switch (offset) {
    case APIC_REG_EOI:
    case APIC_REG_SELF_IPI:
        return !x2; /* write-only: #GP in x2APIC mode, 0 in xAPIC mode */
    case APIC_REG_RRD:
        return true; /* no remote read is ever in progress */
    case APIC_REG_PPR:
        *value = apic_ppr(a);
        return true;
    case APIC_REG_APR:
        *value = apic_apr(a);
        return true;
    case APIC_REG_ICR:
        *value = get(a, APIC_REG_ICR);
        if (x2)
            *value |= (uint64_t)get(a, APIC_REG_ICR2) << 32;
        return true;
    default:
        *value = get(a, offset);
        return true;
    }
}

/* x2APIC: the bits a write may set, per register; anything else is #GP
 * (SDM 10.12.1.3 "Reserved Bit Checking"). */
static uint64_t x2apic_writable(unsigned int offset)
{
    switch (offset) {
    case APIC_REG_TPR:
        return PRIORITY_MASK;
    case APIC_REG_SVR:
        return APIC_SVR_WRITABLE;
    case APIC_REG_ICR:
        return 0xFFFFFFFF00000000ULL | ICR_WRITABLE;
    case APIC_REG_TIMER_INITIAL:
        return 0xFFFFFFFF;
    case APIC_REG_TIMER_DIVIDE:
        return TIMER_DIVIDE_WRITABLE;
    case APIC_REG_SELF_IPI:
        return 0xFF; /* the vector */
    case APIC_REG_EOI:
    case APIC_REG_ESR:
        return 0; /* written as 0 */
    default:
        return is_lvt(offset) ? lvt_writable(offset) | LVT_READ_ONLY : 0;
    }
}

/* Registers software may write in mode m (present(offset, m) holds). */
static bool writable(unsigned int offset, enum apic_mode m)
{
    switch (offset) {
    case APIC_REG_ID:
    case APIC_REG_VERSION:
    case APIC_REG_APR:
    case APIC_REG_PPR:
    case APIC_REG_RRD:
    case APIC_REG_TIMER_CURRENT:
        return false;
    case APIC_REG_LDR:
        return m == APIC_MODE_XAPIC; /* x2APIC: derived from the ID */
    default:
        return offset < APIC_REG_ISR || offset >= APIC_REG_ESR; /* not ISR, TMR, IRR */
    }
}

static enum apic_write_result write_lvt(struct apic_regs *a, unsigned int lvt, uint32_t value)
{
    uint32_t old = get(a, lvt);

    value &= lvt_writable(lvt);
    if (lvt == APIC_REG_LVT_TIMER &&
        (value & APIC_LVT_TIMER_MODE) == APIC_LVT_TIMER_MODE) /* mode 3: reserved */
        value = (value & ~APIC_LVT_TIMER_MODE) | (old & APIC_LVT_TIMER_MODE);
    /* A software-disabled APIC keeps every entry masked (SDM 10.4.7.2). */
    if (!apic_sw_enabled(a))
        value |= APIC_LVT_MASKED;
    *reg(a, lvt) = value;
    if (lvt == APIC_REG_LVT_TIMER && ((old ^ value) & APIC_LVT_TIMER_MODE))
        return APIC_WRITE_TIMER_MODE;
    return APIC_WRITE_DONE;
}

enum apic_write_result apic_write(struct apic_regs *a, unsigned int offset, uint64_t value)
{
    bool x2 = a->mode == APIC_MODE_X2APIC;
    uint32_t v = (uint32_t)value;

    if (!present(offset, a->mode) || !writable(offset, a->mode)) {
        if (x2)
            return APIC_WRITE_FAULT;
        if (!present(offset, a->mode))
            apic_error(a, APIC_ESR_ILLEGAL_REGISTER);
        return APIC_WRITE_DONE; /* xAPIC: a read-only register ignores writes */
    }
    if (x2 && (value & ~x2apic_writable(offset)))
        return APIC_WRITE_FAULT;
    if (x2 && offset == APIC_REG_LVT_TIMER && (v & APIC_LVT_TIMER_MODE) == APIC_LVT_TIMER_MODE)
        return APIC_WRITE_FAULT; /* timer mode 3 is reserved */

    switch (offset) {
    case APIC_REG_TPR:
        *reg(a, offset) = v & PRIORITY_MASK;
        return APIC_WRITE_DONE;
    case APIC_REG_EOI:
        eoi(a);
        return APIC_WRITE_DONE;
    case APIC_REG_LDR:
        *reg(a, offset) = v & 0xFF000000u;
        return APIC_WRITE_DONE;
    case APIC_REG_DFR:
        *reg(a, offset) = (v & 0xF0000000u) | DFR_RESERVED_ONES;
        return APIC_WRITE_DONE;
    case APIC_REG_SVR:
        __atomic_store_n(reg(a, offset), v & APIC_SVR_WRITABLE, __ATOMIC_RELAXED);
        if (!(v & APIC_SVR_ENABLE)) {
            for (unsigned int lvt = APIC_REG_LVT_TIMER; lvt <= APIC_REG_LVT_ERROR; lvt += 16)
                *reg(a, lvt) |= APIC_LVT_MASKED;
        }
        return APIC_WRITE_DONE;
    case APIC_REG_ESR:
        /* The write latches the errors since the last one (SDM 10.5.3). */
        *reg(a, offset) = a->errors;
        a->errors = 0;
        return APIC_WRITE_DONE;
    case APIC_REG_ICR:
        *reg(a, APIC_REG_ICR) = v & ICR_WRITABLE;
        if (x2)
            *reg(a, APIC_REG_ICR2) = (uint32_t)(value >> 32);
        return APIC_WRITE_SEND_IPI;
    case APIC_REG_ICR2:
        *reg(a, offset) = v & 0xFF000000u;
        return APIC_WRITE_DONE;
    case APIC_REG_TIMER_INITIAL:
        if (apic_timer_mode(a) == APIC_TIMER_TSC_DEADLINE)
            return APIC_WRITE_DONE; /* ignored in TSC-deadline mode (SDM 10.5.4.1) */
        *reg(a, offset) = v;
        return APIC_WRITE_TIMER_START;
    case APIC_REG_TIMER_DIVIDE:
        *reg(a, offset) = v & TIMER_DIVIDE_WRITABLE;
        return APIC_WRITE_TIMER_DIVIDE;
    case APIC_REG_SELF_IPI:
        if ((uint8_t)v < APIC_FIRST_VECTOR)
            apic_error(a, APIC_ESR_SEND_ILLEGAL);
        else
            apic_set_irr(a, (uint8_t)v);
        return APIC_WRITE_DONE;
    default:
        return write_lvt(a, offset, v);
    }
}

/* ---- IPIs ------------------------------------------------------------------------ */

bool apic_icr_decode(struct apic_regs *a, struct apic_icr *icr)
{
    uint32_t lo = get(a, APIC_REG_ICR), hi = get(a, APIC_REG_ICR2);
    bool x2 = a->mode == APIC_MODE_X2APIC;

    icr->vector = (uint8_t)lo;
    icr->delivery = (enum apic_delivery)ICR_DELIVERY(lo);
    icr->logical = lo & ICR_LOGICAL;
    icr->shorthand = (enum apic_shorthand)ICR_SHORTHAND(lo);
    icr->x2apic = x2;
    icr->dest = x2 ? hi : hi >> 24;
    icr->broadcast = icr->dest == (x2 ? 0xFFFFFFFFu : 0xFFu);

    switch (icr->delivery) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (icr->vector < APIC_FIRST_VECTOR) {
            apic_error(a, APIC_ESR_SEND_ILLEGAL);
            return false;
        }
        return true;
    case APIC_DM_INIT:
        return !((lo & ICR_LEVEL_TRIGGER) && !(lo & ICR_LEVEL_ASSERT));
    case APIC_DM_NMI:
    case APIC_DM_STARTUP:
        return true;
    default: /* SMI (no SMM for guests), remote read, ExtINT: reserved */
        return false;
    }
}

static bool match_logical_xapic(const struct apic_regs *t, uint32_t dest)
{
    uint32_t ldr = get(t, APIC_REG_LDR) >> 24, dfr = get(t, APIC_REG_DFR);

    if ((dfr & 0xF0000000u) == DFR_MODEL_FLAT)
        return ldr & dest; /* eight APICs, one bit each */
    /* Cluster model: cluster in bits 7:4, up to four APICs in bits 3:0. */
    return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xF);
}

static bool match_logical_x2apic(const struct apic_regs *t, uint32_t dest)
{
    uint32_t ldr = x2apic_ldr(t->id);

    return (ldr >> 16) == (dest >> 16) && (ldr & dest & 0xFFFF);
}

bool apic_match_dest(const struct apic_regs *target, const struct apic_icr *icr, bool is_self)
{
    switch (icr->shorthand) {
    case APIC_DEST_SELF:
        return is_self;
    case APIC_DEST_ALL_INCLUDING_SELF:
        return true;
    case APIC_DEST_ALL_EXCLUDING_SELF:
        return !is_self;
    default:
        break;
    }
    /* All ones is a broadcast in either destination mode (SDM 10.6.2). */
    if (icr->broadcast)
        return true;
    if (!icr->logical)
        return icr->dest == target->id;
    return icr->x2apic ? match_logical_x2apic(target, icr->dest)
                       : match_logical_xapic(target, icr->dest);
}

/* ---- timer ------------------------------------------------------------------------ */

enum apic_timer_mode apic_timer_mode(const struct apic_regs *a)
{
    return (enum apic_timer_mode)((get(a, APIC_REG_LVT_TIMER) & APIC_LVT_TIMER_MODE) >>
                                  APIC_LVT_TIMER_MODE_SHIFT);
}

unsigned int apic_timer_divisor(const struct apic_regs *a)
{
    uint32_t dcr = get(a, APIC_REG_TIMER_DIVIDE);
    /* Bits 3, 1, 0 form n: divide by 2^(n + 1), and 111b divides by 1. */
    unsigned int n = ((dcr >> 1) & 4) | (dcr & 3);

    return 1u << ((n + 1) & 7);
}
