/* A vCPU's MTRRs as the guest sees them (see include/x86/guest_mtrr.h). */
#include "x86/guest_mtrr.h"
#include "x86/asm.h"

#define MTRR_CAP_VALUE (GUEST_MTRR_VAR | (1u << 8) /* FIX */ | (1u << 10) /* WC */)
#define DEF_TYPE_FE (1u << 10)
#define DEF_TYPE_E (1u << 11)
#define PHYS_MASK_VALID (1u << 11)

/* Memory types an MTRR may hold (APM vol. 2 Table 7-7): UC, WC, WT, WP, WB. */
static bool valid_type(uint64_t type)
{
    return type == 0 || type == 1 || type == 4 || type == 5 || type == 6;
}

/* Physical-address bits above the CPU's (CPUID 0x80000008 EAX[7:0]) are
 * reserved in the variable ranges. */
static uint64_t phys_reserved(void)
{
    unsigned int bits = cpuid(0x80000008, 0).eax & 0xFF;

    return ~0ULL << bits;
}

/* The index of a fixed-range MTRR, or -1. */
static int fixed_index(uint32_t msr)
{
    if (msr == MSR_MTRR_FIX_64K_00000)
        return 0;
    if (msr == MSR_MTRR_FIX_16K_80000 || msr == MSR_MTRR_FIX_16K_A0000)
        return 1 + (int)(msr - MSR_MTRR_FIX_16K_80000);
    if (msr >= MSR_MTRR_FIX_4K_C0000 && msr < MSR_MTRR_FIX_4K_C0000 + 8)
        return 3 + (int)(msr - MSR_MTRR_FIX_4K_C0000);
    return -1;
}

static bool is_var(uint32_t msr)
{
    return msr >= MSR_MTRR_PHYS_BASE0 && msr < MSR_MTRR_PHYS_BASE0 + 2 * GUEST_MTRR_VAR;
}

bool guest_mtrr_is_mtrr(uint32_t msr)
{
    return msr == MSR_MTRR_CAP || msr == MSR_MTRR_DEF_TYPE || fixed_index(msr) >= 0 || is_var(msr);
}

bool guest_mtrr_read(const struct guest_mtrr *m, uint32_t msr, uint64_t *value)
{
    int fixed = fixed_index(msr);

    if (msr == MSR_MTRR_CAP)
        *value = MTRR_CAP_VALUE;
    else if (msr == MSR_MTRR_DEF_TYPE)
        *value = m->def_type;
    else if (fixed >= 0)
        *value = m->fixed[fixed];
    else if (is_var(msr))
        *value = m->var[msr - MSR_MTRR_PHYS_BASE0];
    else
        return false;
    return true;
}

bool guest_mtrr_write(struct guest_mtrr *m, uint32_t msr, uint64_t value)
{
    int fixed = fixed_index(msr);

    if (msr == MSR_MTRR_DEF_TYPE) {
        if ((value & ~(0xFFULL | DEF_TYPE_FE | DEF_TYPE_E)) || !valid_type(value & 0xFF))
            return false;
        m->def_type = value;
        return true;
    }
    if (fixed >= 0) {
        for (unsigned int i = 0; i < 8; i++) { /* eight ranges, one type byte each */
            if (!valid_type((value >> (8 * i)) & 0xFF))
                return false;
        }
        m->fixed[fixed] = value;
        return true;
    }
    if (is_var(msr)) {
        bool base = !((msr - MSR_MTRR_PHYS_BASE0) & 1);
        uint64_t reserved = phys_reserved() | (base ? 0xF00ULL : 0x7FFULL);

        if ((value & reserved) || (base && !valid_type(value & 0xFF)))
            return false;
        m->var[msr - MSR_MTRR_PHYS_BASE0] = value;
        return true;
    }
    return false; /* MTRRcap is read-only */
}
