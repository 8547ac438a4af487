/*
 * Unit tests for lib/apic_regs.c, the local APIC register model: every
 * register's reset value in both modes, what x2APIC mode refuses (#GP) and
 * xAPIC mode ignores, ESR's write-then-read, TPR/PPR/APR, acceptance and
 * EOI with nesting, software disabling, the ICR, destination matching
 * (physical, flat, cluster, x2APIC cluster, shorthands, broadcast), the
 * timer's registers, and a seeded random run of PPR and delivery against
 * a model written from the SDM's definitions.
 */
#include <string.h>

#include "lib/apic_regs.h"
#include "unit.h"

static struct apic_regs a, b;

static uint64_t rd(struct apic_regs *r, unsigned int offset)
{
    uint64_t v = 0xDEAD;

    CHECK(apic_read(r, offset, &v));
    return v;
}

static bool reads(struct apic_regs *r, unsigned int offset)
{
    uint64_t v;

    return apic_read(r, offset, &v);
}

/* The x2APIC MSRs that exist (SDM table 10-6) and their reset values. */
static void test_reset_x2apic(void)
{
    apic_reset(&a, 0x12, APIC_MODE_X2APIC);
    CHECK_EQ(rd(&a, APIC_REG_ID), 0x12);
    CHECK_EQ(rd(&a, APIC_REG_VERSION), 0x50014);
    CHECK_EQ(rd(&a, APIC_REG_TPR), 0);
    CHECK_EQ(rd(&a, APIC_REG_PPR), 0);
    CHECK_EQ(rd(&a, APIC_REG_LDR), (1u << 16) | (1u << 2)); /* cluster 1, APIC 2 */
    CHECK_EQ(rd(&a, APIC_REG_SVR), 0xFF);
    for (unsigned int i = 0; i < 8; i++) {
        CHECK_EQ(rd(&a, APIC_REG_ISR + i * 16), 0);
        CHECK_EQ(rd(&a, APIC_REG_TMR + i * 16), 0);
        CHECK_EQ(rd(&a, APIC_REG_IRR + i * 16), 0);
    }
    CHECK_EQ(rd(&a, APIC_REG_ESR), 0);
    CHECK_EQ(rd(&a, APIC_REG_ICR), 0);
    for (unsigned int lvt = APIC_REG_LVT_TIMER; lvt <= APIC_REG_LVT_ERROR; lvt += 16)
        CHECK_EQ(rd(&a, lvt), APIC_LVT_MASKED);
    CHECK_EQ(rd(&a, APIC_REG_TIMER_INITIAL), 0);
    CHECK_EQ(rd(&a, APIC_REG_TIMER_CURRENT), 0);
    CHECK_EQ(rd(&a, APIC_REG_TIMER_DIVIDE), 0);

    /* Absent in x2APIC mode, or write-only: #GP. */
    static const unsigned int gp[] = {
        0x000,        0x010, 0x040,         APIC_REG_APR, APIC_REG_EOI, APIC_REG_RRD,
        APIC_REG_DFR, 0x2F0, APIC_REG_ICR2, 0x3A0,        0x3D0,        APIC_REG_SELF_IPI
    };
    for (unsigned int i = 0; i < sizeof(gp) / sizeof(gp[0]); i++)
        CHECK(!reads(&a, gp[i]));
}

static void test_reset_xapic(void)
{
    apic_reset(&a, 6, APIC_MODE_XAPIC);
    CHECK_EQ(rd(&a, APIC_REG_ID), 6u << 24);
    CHECK_EQ(rd(&a, APIC_REG_VERSION), 0x50014);
    CHECK_EQ(rd(&a, APIC_REG_APR), 0);
    CHECK_EQ(rd(&a, APIC_REG_LDR), 0);
    CHECK_EQ(rd(&a, APIC_REG_DFR), 0xFFFFFFFFu);
    CHECK_EQ(rd(&a, APIC_REG_SVR), 0xFF);
    CHECK_EQ(rd(&a, APIC_REG_EOI), 0);
    CHECK_EQ(rd(&a, APIC_REG_RRD), 0);
    CHECK_EQ(rd(&a, APIC_REG_ICR2), 0);
    for (unsigned int lvt = APIC_REG_LVT_TIMER; lvt <= APIC_REG_LVT_ERROR; lvt += 16)
        CHECK_EQ(rd(&a, lvt), APIC_LVT_MASKED);
    /* A reserved offset reads 0 and is reported in ESR (after a write). */
    CHECK_EQ(rd(&a, 0x3A0), 0);
    CHECK_EQ(rd(&a, APIC_REG_ESR), 0);
    CHECK_EQ(apic_write(&a, APIC_REG_ESR, 0), APIC_WRITE_DONE);
    CHECK_EQ(rd(&a, APIC_REG_ESR), APIC_ESR_ILLEGAL_REGISTER);
    CHECK_EQ(apic_write(&a, APIC_REG_ESR, 0), APIC_WRITE_DONE);
    CHECK_EQ(rd(&a, APIC_REG_ESR), 0);
    /* Read-only registers ignore writes in xAPIC mode. */
    CHECK_EQ(apic_write(&a, APIC_REG_ID, 0x55000000), APIC_WRITE_DONE);
    CHECK_EQ(rd(&a, APIC_REG_ID), 6u << 24);
    CHECK_EQ(apic_write(&a, APIC_REG_VERSION, 0), APIC_WRITE_DONE);
    CHECK_EQ(rd(&a, APIC_REG_VERSION), 0x50014);
    /* ... and the SELF IPI register does not exist. */
    CHECK_EQ(apic_write(&a, APIC_REG_SELF_IPI, 0x40), APIC_WRITE_DONE);
    CHECK_EQ(apic_highest_irr(&a), -1);
}

static void test_x2apic_write_faults(void)
{
    apic_reset(&a, 4, APIC_MODE_X2APIC);
    static const unsigned int ro[] = { APIC_REG_ID,  APIC_REG_VERSION,      APIC_REG_PPR,
                                       APIC_REG_LDR, APIC_REG_ISR,          APIC_REG_TMR + 0x70,
                                       APIC_REG_IRR, APIC_REG_TIMER_CURRENT };
    for (unsigned int i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
        CHECK_EQ(apic_write(&a, ro[i], 0), APIC_WRITE_FAULT);
    CHECK_EQ(apic_write(&a, APIC_REG_DFR, 0), APIC_WRITE_FAULT);
    CHECK_EQ(apic_write(&a, APIC_REG_EOI, 1), APIC_WRITE_FAULT);
    CHECK_EQ(apic_write(&a, APIC_REG_ESR, 1), APIC_WRITE_FAULT);
    CHECK_EQ(apic_write(&a, APIC_REG_TPR, 0x100), APIC_WRITE_FAULT);
    CHECK_EQ(apic_write(&a, APIC_REG_TPR, 1ULL << 32), APIC_WRITE_FAULT);
    CHECK_EQ(apic_write(&a, APIC_REG_SVR, 0x1000), APIC_WRITE_FAULT); /* no EOI suppression */
    CHECK_EQ(apic_write(&a, APIC_REG_TIMER_DIVIDE, 4), APIC_WRITE_FAULT);
    CHECK_EQ(apic_write(&a, APIC_REG_LVT_TIMER, 3u << 17), APIC_WRITE_FAULT); /* mode 3 */
    CHECK_EQ(apic_write(&a, APIC_REG_LVT_ERROR, 0x700), APIC_WRITE_FAULT);    /* no mode */
    CHECK_EQ(apic_write(&a, APIC_REG_ICR, 1u << 12), APIC_WRITE_FAULT);       /* status bit */
    CHECK_EQ(apic_write(&a, APIC_REG_SELF_IPI, 0x100), APIC_WRITE_FAULT);
    /* Nothing changed. */
    CHECK_EQ(rd(&a, APIC_REG_TPR), 0);
    CHECK_EQ(rd(&a, APIC_REG_SVR), 0xFF);
    CHECK_EQ(rd(&a, APIC_REG_ICR), 0);
    /* The LINT entries take polarity, trigger and delivery mode. */
    CHECK_EQ(apic_write(&a, APIC_REG_SVR, 0x1FF), APIC_WRITE_DONE);
    CHECK_EQ(apic_write(&a, APIC_REG_LVT_LINT0, 0xA700), APIC_WRITE_DONE);
    CHECK_EQ(rd(&a, APIC_REG_LVT_LINT0), 0xA700);
}

static void test_esr_write_then_read(void)
{
    apic_reset(&a, 0, APIC_MODE_X2APIC);
    apic_write(&a, APIC_REG_SVR, 0x1FF);
    CHECK_EQ(apic_write(&a, APIC_REG_ICR, 0x5), APIC_WRITE_SEND_IPI); /* fixed, vector 5 */
    struct apic_icr icr;
    CHECK(!apic_icr_decode(&a, &icr));
    CHECK_EQ(rd(&a, APIC_REG_ESR), 0); /* not latched yet */
    apic_write(&a, APIC_REG_ESR, 0);
    CHECK_EQ(rd(&a, APIC_REG_ESR), APIC_ESR_SEND_ILLEGAL);
    apic_write(&a, APIC_REG_ESR, 0);
    CHECK_EQ(rd(&a, APIC_REG_ESR), 0);

    /* A new error fires the error LVT entry. */
    apic_write(&a, APIC_REG_LVT_ERROR, 0xE3);
    apic_write(&a, APIC_REG_SELF_IPI, 3);
    CHECK_EQ(apic_highest_irr(&a), 0xE3);
    apic_write(&a, APIC_REG_ESR, 0);
    CHECK_EQ(rd(&a, APIC_REG_ESR), APIC_ESR_SEND_ILLEGAL);

    /* An LVT entry with an illegal vector: a receive error, nothing requested. */
    apic_reset(&a, 0, APIC_MODE_X2APIC);
    apic_write(&a, APIC_REG_SVR, 0x1FF);
    apic_write(&a, APIC_REG_LVT_TIMER, 0x0F);
    apic_lvt_fire(&a, APIC_REG_LVT_TIMER);
    CHECK_EQ(apic_highest_irr(&a), -1);
    apic_write(&a, APIC_REG_ESR, 0);
    CHECK_EQ(rd(&a, APIC_REG_ESR), APIC_ESR_RECEIVE_ILLEGAL);
}

static void test_priorities(void)
{
    apic_reset(&a, 0, APIC_MODE_XAPIC);
    apic_write(&a, APIC_REG_SVR, 0x1FF);
    apic_write(&a, APIC_REG_TPR, 0x47);
    CHECK_EQ(rd(&a, APIC_REG_PPR), 0x47); /* TPR, sub-class and all */
    apic_set_irr(&a, 0x45);
    apic_set_irr(&a, 0x52);
    CHECK_EQ(apic_deliverable(&a), 0x52);
    /* APR: the highest request's class is above TPR's. */
    CHECK_EQ(rd(&a, APIC_REG_APR), 0x50);
    apic_accept(&a, 0x52);
    CHECK_EQ(rd(&a, APIC_REG_PPR), 0x50); /* in-service class over TPR */
    CHECK_EQ(apic_deliverable(&a), -1);   /* 0x45: class 4, masked */
    apic_write(&a, APIC_REG_EOI, 0);
    CHECK_EQ(rd(&a, APIC_REG_PPR), 0x47);
    CHECK_EQ(apic_deliverable(&a), -1); /* TPR class 4 still masks 0x45 */
    apic_write(&a, APIC_REG_TPR, 0x30);
    CHECK_EQ(apic_deliverable(&a), 0x45);
    CHECK_EQ(rd(&a, APIC_REG_APR), 0x40);
}

/* Nesting: a higher class interrupts a lower one; EOI ends the highest. */
static void test_nesting(void)
{
    apic_reset(&a, 0, APIC_MODE_X2APIC);
    apic_write(&a, APIC_REG_SVR, 0x1FF);
    apic_set_irr(&a, 0x31);
    CHECK_EQ(apic_deliverable(&a), 0x31);
    apic_accept(&a, 0x31);
    apic_set_irr(&a, 0x35); /* same class: waits */
    CHECK_EQ(apic_deliverable(&a), -1);
    apic_set_irr(&a, 0x61);
    CHECK_EQ(apic_deliverable(&a), 0x61);
    apic_accept(&a, 0x61);
    CHECK_EQ(rd(&a, APIC_REG_ISR + 0x10), 1u << 17); /* 0x31: word 1, bit 17 */
    CHECK_EQ(rd(&a, APIC_REG_ISR + 0x30), 1u << 1);  /* 0x61: word 3, bit 1 */
    CHECK_EQ(apic_highest_isr(&a), 0x61);
    apic_write(&a, APIC_REG_EOI, 0);
    CHECK_EQ(apic_highest_isr(&a), 0x31);
    CHECK_EQ(apic_deliverable(&a), -1);
    apic_write(&a, APIC_REG_EOI, 0);
    CHECK_EQ(apic_deliverable(&a), 0x35);
    apic_accept(&a, 0x35);
    apic_write(&a, APIC_REG_EOI, 0);
    apic_write(&a, APIC_REG_EOI, 0); /* nothing in service: no effect */
    CHECK_EQ(apic_highest_isr(&a), -1);
    CHECK_EQ(apic_highest_irr(&a), -1);
}

/* The IRR summary: empty means no IRR bit, whatever was accepted. */
static void test_irr_summary(void)
{
    apic_reset(&a, 0, APIC_MODE_X2APIC);
    CHECK(!apic_irr_pending(&a));
    apic_set_irr(&a, 0x41);
    apic_set_irr(&a, 0x5F); /* the same register */
    apic_set_irr(&a, 0xF0);
    CHECK(apic_irr_pending(&a));
    CHECK_EQ(apic_highest_irr(&a), 0xF0);
    apic_accept(&a, 0xF0);
    CHECK_EQ(apic_highest_irr(&a), 0x5F);
    apic_accept(&a, 0x5F);
    CHECK(apic_irr_pending(&a)); /* 0x41 is still there */
    CHECK_EQ(apic_highest_irr(&a), 0x41);
    apic_accept(&a, 0x41);
    CHECK(!apic_irr_pending(&a));
    CHECK_EQ(apic_highest_irr(&a), -1);
    apic_set_irr(&a, 0x41);
    CHECK_EQ(apic_highest_irr(&a), 0x41);
    apic_reset(&a, 0, APIC_MODE_X2APIC);
    CHECK(!apic_irr_pending(&a));
}

static void test_software_disable(void)
{
    apic_reset(&a, 0, APIC_MODE_X2APIC);
    /* Disabled at reset: LVT entries stay masked, nothing is delivered. */
    apic_write(&a, APIC_REG_LVT_TIMER, 0x40);
    CHECK_EQ(rd(&a, APIC_REG_LVT_TIMER), APIC_LVT_MASKED | 0x40);
    apic_set_irr(&a, 0x40);
    CHECK_EQ(apic_deliverable(&a), -1);
    apic_write(&a, APIC_REG_SVR, 0x1FF);
    CHECK_EQ(apic_deliverable(&a), 0x40);
    apic_write(&a, APIC_REG_LVT_TIMER, 0x41);
    CHECK_EQ(rd(&a, APIC_REG_LVT_TIMER), 0x41);
    /* Disabling masks every entry again. */
    apic_write(&a, APIC_REG_SVR, 0xFF);
    CHECK_EQ(rd(&a, APIC_REG_LVT_TIMER), APIC_LVT_MASKED | 0x41);
    CHECK_EQ(rd(&a, APIC_REG_LVT_ERROR), APIC_LVT_MASKED);
}

static void test_icr(void)
{
    struct apic_icr icr;

    apic_reset(&a, 2, APIC_MODE_XAPIC);
    apic_write(&a, APIC_REG_ICR2, 0x0FFFFFFF); /* only bits 31:24 stay */
    CHECK_EQ(rd(&a, APIC_REG_ICR2), 0x0F000000);
    CHECK_EQ(apic_write(&a, APIC_REG_ICR, 0x000C4F40 | (1u << 12)), APIC_WRITE_SEND_IPI);
    CHECK_EQ(rd(&a, APIC_REG_ICR), 0x000C4F40); /* delivery status reads 0 */
    CHECK(!apic_icr_decode(&a, &icr));          /* mode 7 (ExtINT): reserved */
    apic_write(&a, APIC_REG_ICR, 0x00000340);   /* mode 3 (remote read): reserved */
    CHECK(!apic_icr_decode(&a, &icr));
    apic_write(&a, APIC_REG_ICR, 0x000C0840); /* fixed, logical, all excluding self */
    CHECK(apic_icr_decode(&a, &icr));
    CHECK_EQ(icr.delivery, APIC_DM_FIXED);
    CHECK(icr.logical);
    CHECK_EQ(icr.shorthand, APIC_DEST_ALL_EXCLUDING_SELF);
    CHECK_EQ(icr.dest, 0x0F);
    CHECK(!icr.broadcast);
    apic_write(&a, APIC_REG_ICR, 0x00008500); /* INIT, level-triggered, de-assert */
    CHECK(!apic_icr_decode(&a, &icr));
    apic_write(&a, APIC_REG_ICR, 0x0000C500); /* INIT, level-triggered, assert */
    CHECK(apic_icr_decode(&a, &icr));
    CHECK_EQ(icr.delivery, APIC_DM_INIT);
    apic_write(&a, APIC_REG_ICR, 0x00000200); /* SMI: not for guests */
    CHECK(!apic_icr_decode(&a, &icr));
    apic_write(&a, APIC_REG_ICR, 0x00000608); /* start-up at page 8 */
    CHECK(apic_icr_decode(&a, &icr));
    CHECK_EQ(icr.delivery, APIC_DM_STARTUP);
    CHECK_EQ(icr.vector, 8);

    /* x2APIC: one 64-bit register with a 32-bit destination. */
    apic_reset(&a, 2, APIC_MODE_X2APIC);
    CHECK_EQ(apic_write(&a, APIC_REG_ICR, 0xFFFFFFFF00000450ULL), APIC_WRITE_SEND_IPI);
    CHECK_EQ(rd(&a, APIC_REG_ICR), 0xFFFFFFFF00000450ULL);
    CHECK(apic_icr_decode(&a, &icr));
    CHECK_EQ(icr.delivery, APIC_DM_NMI);
    CHECK(icr.broadcast);
    CHECK(icr.x2apic);
}

static bool matches(struct apic_regs *sender, uint64_t icr_value, struct apic_regs *target)
{
    struct apic_icr icr;

    apic_write(sender, APIC_REG_ICR2, icr_value >> 32);
    apic_write(sender, APIC_REG_ICR,
               sender->mode == APIC_MODE_X2APIC ? icr_value : (uint32_t)icr_value);
    CHECK(apic_icr_decode(sender, &icr));
    return apic_match_dest(target, &icr, sender == target);
}

static void test_destinations_xapic(void)
{
    apic_reset(&a, 0, APIC_MODE_XAPIC);
    apic_reset(&b, 4, APIC_MODE_XAPIC);
    /* Physical: the ID, or 0xFF. */
    CHECK(matches(&a, (4ULL << 56) | 0x40, &b));
    CHECK(!matches(&a, (2ULL << 56) | 0x40, &b));
    CHECK(matches(&a, (0xFFULL << 56) | 0x40, &b));
    /* Logical flat: b is logical APIC 0x10. */
    apic_write(&b, APIC_REG_LDR, 0x10000000);
    CHECK(matches(&a, (0x30ULL << 56) | 0x840, &b));
    CHECK(!matches(&a, (0x0FULL << 56) | 0x840, &b));
    CHECK(matches(&a, (0xFFULL << 56) | 0x840, &b));
    /* Logical cluster: b is APIC bit 2 of cluster 3. */
    apic_write(&b, APIC_REG_DFR, 0x0FFFFFFF);
    CHECK_EQ(rd(&b, APIC_REG_DFR), 0x0FFFFFFF);
    apic_write(&b, APIC_REG_LDR, 0x34000000);
    CHECK(matches(&a, (0x36ULL << 56) | 0x840, &b));
    CHECK(!matches(&a, (0x26ULL << 56) | 0x840, &b)); /* other cluster */
    CHECK(!matches(&a, (0x33ULL << 56) | 0x840, &b)); /* other APICs */
    /* Shorthands ignore the destination. */
    CHECK(matches(&a, (0x99ULL << 56) | 0x80040, &b));  /* all including self */
    CHECK(matches(&a, (0x99ULL << 56) | 0xC0040, &b));  /* all excluding self */
    CHECK(!matches(&a, (0x99ULL << 56) | 0xC0040, &a)); /* ... not the sender */
    CHECK(matches(&a, (0x99ULL << 56) | 0x40040, &a));  /* self */
    CHECK(!matches(&a, (0x99ULL << 56) | 0x40040, &b));
}

static void test_destinations_x2apic(void)
{
    apic_reset(&a, 0, APIC_MODE_X2APIC);
    apic_reset(&b, 0x22, APIC_MODE_X2APIC); /* logical: cluster 2, bit 2 */
    CHECK(matches(&a, (0x22ULL << 32) | 0x40, &b));
    CHECK(!matches(&a, (0x122ULL << 32) | 0x40, &b)); /* 32-bit IDs compare whole */
    CHECK(matches(&a, (0xFFFFFFFFULL << 32) | 0x40, &b));
    CHECK(matches(&a, (0x20004ULL << 32) | 0x840, &b));
    CHECK(matches(&a, (0x20006ULL << 32) | 0x840, &b));
    CHECK(!matches(&a, (0x10004ULL << 32) | 0x840, &b));
    CHECK(!matches(&a, (0x20001ULL << 32) | 0x840, &b));
    /* Entering x2APIC mode from xAPIC keeps the ID, derives LDR. */
    apic_reset(&b, 0x22, APIC_MODE_XAPIC);
    apic_write(&b, APIC_REG_TPR, 0x20);
    apic_enter_x2apic(&b);
    CHECK_EQ(rd(&b, APIC_REG_ID), 0x22);
    CHECK_EQ(rd(&b, APIC_REG_LDR), 0x20004);
    CHECK_EQ(rd(&b, APIC_REG_TPR), 0x20);
}

static void test_timer_registers(void)
{
    static const unsigned int divisor[16] = { 2,  4,  8,   16, 2,  4,  8,   16,
                                              32, 64, 128, 1,  32, 64, 128, 1 };
    apic_reset(&a, 0, APIC_MODE_XAPIC);
    for (unsigned int dcr = 0; dcr < 16; dcr++) {
        CHECK_EQ(apic_write(&a, APIC_REG_TIMER_DIVIDE, dcr), APIC_WRITE_TIMER_DIVIDE);
        CHECK_EQ(apic_timer_divisor(&a), divisor[dcr]);
        CHECK_EQ(rd(&a, APIC_REG_TIMER_DIVIDE), dcr & 0xB);
    }
    apic_write(&a, APIC_REG_SVR, 0x100);
    CHECK_EQ(apic_timer_mode(&a), APIC_TIMER_ONESHOT);
    CHECK_EQ(apic_write(&a, APIC_REG_TIMER_INITIAL, 1000), APIC_WRITE_TIMER_START);
    CHECK_EQ(apic_write(&a, APIC_REG_LVT_TIMER, 0x20030), APIC_WRITE_TIMER_MODE);
    CHECK_EQ(apic_timer_mode(&a), APIC_TIMER_PERIODIC);
    CHECK_EQ(apic_write(&a, APIC_REG_LVT_TIMER, 0x20031), APIC_WRITE_DONE); /* same mode */
    CHECK_EQ(apic_write(&a, APIC_REG_LVT_TIMER, 0x40031), APIC_WRITE_TIMER_MODE);
    CHECK_EQ(apic_timer_mode(&a), APIC_TIMER_TSC_DEADLINE);
    /* TSC-deadline mode ignores the initial count. */
    CHECK_EQ(apic_write(&a, APIC_REG_TIMER_INITIAL, 5), APIC_WRITE_DONE);
    CHECK_EQ(rd(&a, APIC_REG_TIMER_INITIAL), 1000);
    /* xAPIC: the reserved mode 3 keeps the mode there was. */
    CHECK_EQ(apic_write(&a, APIC_REG_LVT_TIMER, 0x60032), APIC_WRITE_DONE);
    CHECK_EQ(rd(&a, APIC_REG_LVT_TIMER), 0x40032);
    apic_lvt_fire(&a, APIC_REG_LVT_TIMER);
    CHECK_EQ(apic_highest_irr(&a), 0x32);
}

/* The SDM's definitions, bit by bit, against the model's. */
static void test_random_priorities(void)
{
    static bool irr[256], isr[256];
    unit_rng_start(unit_seed(0xA91C));

    for (unsigned int round = 0; round < 20000; round++) {
        unsigned int tpr = (unsigned int)unit_rng_below(256);
        int hi_irr = -1, hi_isr = -1;

        apic_reset(&a, 0, APIC_MODE_X2APIC);
        apic_write(&a, APIC_REG_SVR, 0x1FF);
        apic_write(&a, APIC_REG_TPR, tpr);
        memset(irr, 0, sizeof(irr));
        memset(isr, 0, sizeof(isr));
        for (unsigned int n = (unsigned int)unit_rng_below(4); n; n--) {
            unsigned int v = 16 + (unsigned int)unit_rng_below(240);
            apic_set_irr(&a, (uint8_t)v);
            irr[v] = true;
        }
        for (unsigned int n = (unsigned int)unit_rng_below(3); n; n--) {
            unsigned int v = 16 + (unsigned int)unit_rng_below(240);
            apic_set_irr(&a, (uint8_t)v);
            apic_accept(&a, (uint8_t)v);
            irr[v] = false;
            isr[v] = true;
        }
        for (int v = 255; v >= 0 && hi_irr < 0; v--)
            hi_irr = irr[v] ? v : -1;
        for (int v = 255; v >= 0 && hi_isr < 0; v--)
            hi_isr = isr[v] ? v : -1;
        unsigned int isrv = hi_isr < 0 ? 0 : (unsigned int)hi_isr;
        unsigned int ppr = (tpr >> 4) >= (isrv >> 4) ? tpr : (isrv & 0xF0);
        int want = hi_irr >= 0 && ((unsigned int)hi_irr >> 4) > (ppr >> 4) ? hi_irr : -1;

        CHECK_EQ(apic_highest_irr(&a), hi_irr);
        CHECK_EQ(apic_irr_pending(&a), hi_irr >= 0);
        CHECK_EQ(apic_highest_isr(&a), hi_isr);
        CHECK_EQ(apic_ppr(&a), ppr);
        CHECK_EQ(apic_deliverable(&a), want);
    }
}

int main(void)
{
    static const struct unit_test tests[] = {
        UNIT_TEST(test_reset_x2apic),
        UNIT_TEST(test_reset_xapic),
        UNIT_TEST(test_x2apic_write_faults),
        UNIT_TEST(test_esr_write_then_read),
        UNIT_TEST(test_priorities),
        UNIT_TEST(test_nesting),
        UNIT_TEST(test_irr_summary),
        UNIT_TEST(test_software_disable),
        UNIT_TEST(test_icr),
        UNIT_TEST(test_destinations_xapic),
        UNIT_TEST(test_destinations_x2apic),
        UNIT_TEST(test_timer_registers),
        UNIT_TEST(test_random_priorities),
    };
    return unit_run("apic_regs", tests, sizeof(tests) / sizeof(tests[0]));
}
