/*
 * Decoding the instructions that write CR0, CR4 or CR8, for the write
 * intercepts (guest_cr.c; CR8: intr.c). QEMU has no decode assists (docs/qemu.md): the #VMEXIT says
 * which control register, not which general register holds the value, so
 * Mica reads the instruction itself. Only these encodings (AMD APM vol. 3,
 * "MOV CRn", "LMSW", "CLTS"):
 *
 *   [prefixes] [REX] 0F 22 /r    MOV CRn, reg    ModRM.reg = n, ModRM.rm = reg;
 *                                                the mod field is ignored (read
 *                                                as 11b), REX.R and REX.B extend
 *                                                reg and rm
 *   [prefixes] [REX] 0F 01 /6    LMSW r/m16      the register form only is
 *                                                emulated
 *   [prefixes] [REX] 0F 06       CLTS
 *
 * Operand-size, address-size, segment and REP prefixes change nothing here;
 * a LOCK prefix turns MOV CR0 into MOV CR8 (AMD's alternative encoding, for
 * 32-bit code; with any other instruction here it is #UD). A REX prefix counts only right before the opcode (64-bit
 * mode only; elsewhere 40-4F are INC/DEC). Pure function: unit-tested on the
 * host. (The general instruction emulator should take this over.)
 */
#include "x86/guest_cr.h"
#include "x86/emulate.h"

#define PREFIX_LOCK 0xF0
#define OPCODE_ESCAPE 0x0F
#define OPCODE_MOV_TO_CR 0x22
#define OPCODE_GROUP7 0x01 /* 0F 01 /6 is LMSW */
#define OPCODE_CLTS 0x06
#define GROUP7_LMSW 6

#define REX_B 0x1
#define REX_R 0x4

#define MODRM_MOD(m) ((m) >> 6)
#define MODRM_REG(m) (((m) >> 3) & 7)
#define MODRM_RM(m) ((m)&7)

static bool is_ignored_prefix(uint8_t b)
{
    switch (b) {
    case 0x26:
    case 0x2E:
    case 0x36:
    case 0x3E:
    case 0x64:
    case 0x65: /* segments */
    case 0x66:
    case 0x67: /* sizes */
    case 0xF2:
    case 0xF3: /* REP */
        return true;
    default:
        return false;
    }
}

bool cr_write_decode(const uint8_t *bytes, unsigned int len, bool mode64,
                     struct cr_write_insn *insn)
{
    unsigned int i = 0;
    uint8_t rex = 0;
    bool lock = false;

    if (len > X86_MAX_INSN_LEN)
        len = X86_MAX_INSN_LEN;
    for (;; i++) {
        if (i >= len)
            return false;
        if (bytes[i] == PREFIX_LOCK)
            lock = true, rex = 0;
        else if (is_ignored_prefix(bytes[i]))
            rex = 0; /* a REX followed by another prefix is ignored */
        else if (mode64 && (bytes[i] & 0xF0) == 0x40)
            rex = bytes[i];
        else
            break;
    }
    if (i + 2 > len || bytes[i] != OPCODE_ESCAPE)
        return false;
    if (lock && bytes[i + 1] != OPCODE_MOV_TO_CR)
        return false; /* #UD */
    if (bytes[i + 1] == OPCODE_CLTS) {
        *insn = (struct cr_write_insn){ CR_WRITE_CLTS, 0, 0, i + 2 };
        return true;
    }
    if (i + 3 > len)
        return false;

    uint8_t opcode = bytes[i + 1], modrm = bytes[i + 2];
    unsigned int rm = MODRM_RM(modrm) | ((rex & REX_B) ? 8 : 0);

    if (opcode == OPCODE_MOV_TO_CR) {
        unsigned int cr = MODRM_REG(modrm) | ((rex & REX_R) ? 8 : 0);

        if (lock && MODRM_REG(modrm) != 0)
            return false; /* LOCK with a CR other than 0 (or 8) is #UD */
        *insn = (struct cr_write_insn){ CR_WRITE_MOV, lock ? 8 : cr, rm, i + 3 };
        return true;
    }
    if (opcode == OPCODE_GROUP7 && MODRM_REG(modrm) == GROUP7_LMSW) {
        if (MODRM_MOD(modrm) == 3)
            *insn = (struct cr_write_insn){ CR_WRITE_LMSW_REG, 0, rm, i + 3 };
        else /* its length would need the whole addressing form */
            *insn = (struct cr_write_insn){ CR_WRITE_LMSW_MEM, 0, 0, 0 };
        return true;
    }
    return false;
}
