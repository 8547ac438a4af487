/*
 * The emulator's arithmetic: the eight ALU operations and test, at 8, 16,
 * 32 or 64 bits, with the status flags the CPU computes (APM vol. 1 §3.1.4
 * for the flags, vol. 3 "ADD" .. "XOR" for each instruction).
 *
 * Values are carried in 64 bits and cut to the operand size; each flag is
 * computed from the two inputs and the result:
 *   CF  carry out of (add) or borrow into (sub) the top bit
 *   PF  the low byte of the result has an even number of 1 bits
 *   AF  carry or borrow between bits 3 and 4
 *   ZF  the result is zero
 *   SF  the top bit of the result
 *   OF  signed overflow: the result's sign is wrong for the inputs' signs
 * The logical operations (and, or, xor, test) clear CF and OF; their AF is
 * undefined in the manual, and is cleared here, as the CPUs do.
 */
#include "x86/emulate.h"

static uint64_t size_mask(unsigned int size)
{
    return size == 8 ? ~0UL : (1UL << (size * 8)) - 1;
}

static uint64_t sign_bit(unsigned int size)
{
    return 1UL << (size * 8 - 1);
}

static bool even_parity(uint8_t byte)
{
    return !(__builtin_popcount(byte) & 1);
}

/* ZF, SF and PF, which depend on the result alone. */
static uint64_t result_flags(uint64_t result, unsigned int size)
{
    uint64_t flags = 0;

    if (!result)
        flags |= X86_FLAG_ZF;
    if (result & sign_bit(size))
        flags |= X86_FLAG_SF;
    if (even_parity((uint8_t)result))
        flags |= X86_FLAG_PF;
    return flags;
}

/* dst + src + carry_in, cut to size, with every status flag. */
static uint64_t add(unsigned int size, uint64_t dst, uint64_t src, bool carry_in, uint64_t *flags)
{
    uint64_t mask = size_mask(size);
    uint64_t result = (dst + src + carry_in) & mask;

    *flags = result_flags(result, size);
    /* The sum wrapped: it is below an input, or equal to it with a carry in. */
    if (result < dst || (carry_in && result == dst))
        *flags |= X86_FLAG_CF;
    if ((dst ^ src ^ result) & 0x10)
        *flags |= X86_FLAG_AF;
    /* Both inputs have one sign and the result the other. */
    if ((dst ^ result) & (src ^ result) & sign_bit(size))
        *flags |= X86_FLAG_OF;
    return result;
}

/* dst - src - borrow_in, cut to size, with every status flag. */
static uint64_t sub(unsigned int size, uint64_t dst, uint64_t src, bool borrow_in, uint64_t *flags)
{
    uint64_t mask = size_mask(size);
    uint64_t result = (dst - src - borrow_in) & mask;

    *flags = result_flags(result, size);
    if (dst < src || (borrow_in && dst == src))
        *flags |= X86_FLAG_CF;
    if ((dst ^ src ^ result) & 0x10)
        *flags |= X86_FLAG_AF;
    /* The inputs' signs differ and the result's is not the minuend's. */
    if ((dst ^ src) & (dst ^ result) & sign_bit(size))
        *flags |= X86_FLAG_OF;
    return result;
}

uint64_t x86_alu(enum x86_op op, unsigned int size, uint64_t dst, uint64_t src, uint64_t *rflags)
{
    uint64_t mask = size_mask(size), flags = 0, result;
    bool carry = (*rflags & X86_FLAG_CF) != 0;

    dst &= mask;
    src &= mask;
    switch (op) {
    case X86_OP_ADD:
        result = add(size, dst, src, false, &flags);
        break;
    case X86_OP_ADC:
        result = add(size, dst, src, carry, &flags);
        break;
    case X86_OP_SUB:
    case X86_OP_CMP:
        result = sub(size, dst, src, false, &flags);
        break;
    case X86_OP_SBB:
        result = sub(size, dst, src, carry, &flags);
        break;
    case X86_OP_OR:
        result = dst | src;
        flags = result_flags(result, size);
        break;
    case X86_OP_XOR:
        result = dst ^ src;
        flags = result_flags(result, size);
        break;
    default: /* and, test: the only other operations it is given */
        result = dst & src;
        flags = result_flags(result, size);
        break;
    }
    *rflags = (*rflags & ~X86_ARITH_FLAGS) | flags;
    return op == X86_OP_CMP || op == X86_OP_TEST ? dst : result;
}
