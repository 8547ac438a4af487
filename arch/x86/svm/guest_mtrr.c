/* A vCPU's MTRRs as the guest sees them (see include/x86/guest_mtrr.h). */
#include "x86/guest_mtrr.h"
#include "x86/asm.h"
#include "x86/cpuid_bits.h"
#include "x86/msr.h"
#include "x86/pat.h"

/* MTRRcap (APM vol. 2 §7.7.1): the count of variable ranges in bits 7:0,
 * then whether the fixed ranges and the write-combining type exist. */
#define MTRR_CAP_FIX (1u << 8)
#define MTRR_CAP_WC (1u << 10)
#define MTRR_CAP_VALUE (GUEST_MTRR_VAR | MTRR_CAP_FIX | MTRR_CAP_WC)

/* A memory type in an MTRR: one byte (MTRRdefType and PhysBase bits 7:0;
 * each of a fixed-range MTRR's eight ranges). */
#define MTRR_TYPE_BITS 8
#define MTRR_TYPE_MASK ((1ULL << MTRR_TYPE_BITS) - 1)
#define MTRR_FIXED_RANGES 8 /* ranges in one fixed-range MTRR */

/* MTRRdefType: the default type, FE (fixed ranges enabled), E (enabled). */
#define DEF_TYPE_FE (1u << 10)
#define DEF_TYPE_E (1u << 11)

/* The reserved bits below the address of a variable range: PhysBase 11:8
 * (the type is 7:0), PhysMask 10:0 (bit 11 is Valid). */
#define PHYS_BASE_RESERVED 0xF00ULL
#define PHYS_MASK_RESERVED 0x7FFULL

/* Physical-address bits above the CPU's (CPUID 0x80000008 EAX[7:0]) are
 * reserved in the variable ranges. */
static uint64_t phys_reserved(void)
{
    unsigned int bits = cpuid(CPUID_LEAF_ADDRESS_SIZES, 0).eax & CPUID_E8_EAX_PHYS_BITS_MASK;

    return ~0ULL << bits;
}

/* The index of a fixed-range MTRR, or -1. */
static int fixed_index(uint32_t msr)
{
    if (msr == MSR_MTRR_FIX_64K_00000)
        return 0;
    if (msr == MSR_MTRR_FIX_16K_80000 || msr == MSR_MTRR_FIX_16K_A0000)
        return 1 + (int)(msr - MSR_MTRR_FIX_16K_80000);
    if (msr >= MSR_MTRR_FIX_4K_C0000 && msr < MSR_MTRR_FIX_4K_C0000 + 8) /* C0000 .. F8000 */
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
        if ((value & ~(MTRR_TYPE_MASK | DEF_TYPE_FE | DEF_TYPE_E)) ||
            !memtype_valid_mtrr(value & MTRR_TYPE_MASK))
            return false;
        m->def_type = value;
        return true;
    }
    if (fixed >= 0) {
        for (unsigned int i = 0; i < MTRR_FIXED_RANGES; i++) {
            if (!memtype_valid_mtrr((value >> (MTRR_TYPE_BITS * i)) & MTRR_TYPE_MASK))
                return false;
        }
        m->fixed[fixed] = value;
        return true;
    }
    if (is_var(msr)) {
        bool base = !((msr - MSR_MTRR_PHYS_BASE0) & 1);
        uint64_t reserved = phys_reserved() | (base ? PHYS_BASE_RESERVED : PHYS_MASK_RESERVED);

        if ((value & reserved) || (base && !memtype_valid_mtrr(value & MTRR_TYPE_MASK)))
            return false;
        m->var[msr - MSR_MTRR_PHYS_BASE0] = value;
        return true;
    }
    return false; /* MTRRcap is read-only */
}
