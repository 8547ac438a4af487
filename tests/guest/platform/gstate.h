/*
 * For the guest-state tests (tests/guest/platform/gstate_*.c), in both
 * flavours: run one privileged instruction and learn which exception, if
 * any, it raised, then carry on after it.
 *
 *     gstate_catch_init();                  once, at the start of test_main
 *     int vec = gstate_write_cr4(value);    GSTATE_NONE, X86_EXC_GP, ...
 *
 * Each gstate_* instruction wrapper first stores the address just after its
 * instruction in gstate_resume (the GSTATE_ARM prologue); the exception
 * handler records the vector and returns there. The 64-bit flavour catches
 * through the guest library's IDT (tests/guest/lib/trap.h); the 32-bit one,
 * which the library leaves without an IDT, gets its own below (32-bit
 * interrupt gates, AMD APM vol. 2 §4.8.3).
 */
#ifndef GSTATE_H
#define GSTATE_H

#include "test.h"

#define GSTATE_NONE (-1) /* the instruction completed */
#ifndef X86_EXC_DE
#define X86_EXC_UD 6
#define X86_EXC_GP 13
#endif
#define X86_EXC_DB 1

/* Where the handler resumes, the vector it saw and the error code. Global
 * (not static) so GSTATE_ARM can name them in assembly. */
unsigned long gstate_resume;
volatile int gstate_vector;
volatile unsigned long gstate_error;

#ifdef __x86_64__
#define GSTATE_ARM "lea 1f(%%rip), %%r11\n\tmov %%r11, gstate_resume(%%rip)\n\t"
#define GSTATE_CLOBBERS "r11", "memory"
#else
#define GSTATE_ARM "movl $1f, gstate_resume\n\t"
#define GSTATE_CLOBBERS "memory"
#endif

#ifdef __x86_64__
static void gstate_trap(struct guest_trap_frame *f)
{
    gstate_vector = (int)f->vector;
    gstate_error = f->error_code;
    f->rip = gstate_resume;
}

static void gstate_catch_init(void)
{
    for (unsigned v = 0; v < 32; v++)
        guest_set_trap_handler(v, gstate_trap);
}
#else
/* What gstate_trap_common leaves on the stack: PUSHAD's registers, then the
 * vector and error code, then what the CPU pushed (same privilege: no SS:ESP). */
struct gstate_frame32 {
    uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
    uint32_t vector, error_code;
    uint32_t eip, cs, eflags;
};

void gstate_trap32(struct gstate_frame32 *f);
void gstate_trap32(struct gstate_frame32 *f)
{
    gstate_vector = (int)f->vector;
    gstate_error = f->error_code;
    f->eip = (uint32_t)gstate_resume;
}

/* Stubs for vectors 0..31, 16 bytes apart: the CPU pushes an error code for
 * #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX (APM vol. 2 §8.2); the
 * others push a dummy one. */
__asm__(".pushsection .text\n"
        ".balign 16\n"
        "gstate_stubs32:\n"
        ".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,"
        "28,29,30,31\n"
        ".balign 16\n"
        ".if (\\v == 8) || (\\v >= 10 && \\v <= 14) || (\\v == 17) || (\\v == 21) || "
        "(\\v == 29) || (\\v == 30)\n"
        ".else\n"
        "pushl $0\n"
        ".endif\n"
        "pushl $\\v\n"
        "jmp gstate_trap_common\n"
        ".endr\n"
        "gstate_trap_common:\n"
        "pushal\n"
        "pushl %esp\n"
        "call gstate_trap32\n"
        "addl $4, %esp\n"
        "popal\n"
        "addl $8, %esp\n"
        "iretl\n"
        ".popsection\n");
extern const char gstate_stubs32[];

struct gstate_gate32 {
    uint16_t offset_lo, selector;
    uint8_t zero, type_attr; /* P=1, DPL=0, type 0xE: 32-bit interrupt gate */
    uint16_t offset_hi;
};
static struct gstate_gate32 gstate_idt32[32] __attribute__((aligned(8)));

static void gstate_catch_init(void)
{
    for (unsigned v = 0; v < 32; v++) {
        uint32_t a = (uint32_t)(uintptr_t)gstate_stubs32 + 16 * v;
        gstate_idt32[v] = (struct gstate_gate32){ (uint16_t)a, 0x08 /* entry32.asm's code */, 0,
                                                  0x8E, (uint16_t)(a >> 16) };
    }
    struct __attribute__((packed)) {
        uint16_t limit;
        uint32_t base;
    } idtr = { sizeof(gstate_idt32) - 1, (uint32_t)(uintptr_t)gstate_idt32 };
    __asm__ volatile("lidt %0" : : "m"(idtr));
}
#endif

static inline void gstate_begin(void)
{
    gstate_vector = GSTATE_NONE;
    gstate_error = 0;
}

/* ---- control registers, EFER, MSRs ---------------------------------------- */

static inline unsigned long gstate_read_cr0(void)
{
    unsigned long v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}

static inline unsigned long gstate_read_cr4(void)
{
    unsigned long v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

static inline int gstate_write_cr0(unsigned long v)
{
    gstate_begin();
    __asm__ volatile(GSTATE_ARM "mov %0, %%cr0\n1:" : : "r"(v) : GSTATE_CLOBBERS);
    return gstate_vector;
}

static inline int gstate_write_cr4(unsigned long v)
{
    gstate_begin();
    __asm__ volatile(GSTATE_ARM "mov %0, %%cr4\n1:" : : "r"(v) : GSTATE_CLOBBERS);
    return gstate_vector;
}

static inline int gstate_rdmsr(uint32_t msr, uint64_t *value)
{
    uint32_t lo = 0, hi = 0;
    gstate_begin();
    __asm__ volatile(GSTATE_ARM "rdmsr\n1:" : "+a"(lo), "+d"(hi) : "c"(msr) : GSTATE_CLOBBERS);
    if (gstate_vector == GSTATE_NONE)
        *value = ((uint64_t)hi << 32) | lo;
    return gstate_vector;
}

static inline int gstate_wrmsr(uint32_t msr, uint64_t value)
{
    gstate_begin();
    __asm__ volatile(GSTATE_ARM "wrmsr\n1:"
                     :
                     : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
                     : GSTATE_CLOBBERS);
    return gstate_vector;
}

/* ---- debug registers (MOV DRn, APM vol. 2 §13.1.1) --------------------- */

#define GSTATE_DEFINE_DR(n)                                                                      \
    static inline __attribute__((unused)) int gstate_read_dr##n(unsigned long *v)                \
    {                                                                                            \
        unsigned long value = 0;                                                                 \
        gstate_begin();                                                                          \
        __asm__ volatile(GSTATE_ARM "mov %%dr" #n ", %0\n1:" : "+r"(value) : : GSTATE_CLOBBERS); \
        *v = value;                                                                              \
        return gstate_vector;                                                                    \
    }                                                                                            \
    static inline __attribute__((unused)) int gstate_write_dr##n(unsigned long value)            \
    {                                                                                            \
        gstate_begin();                                                                          \
        __asm__ volatile(GSTATE_ARM "mov %0, %%dr" #n "\n1:" : : "r"(value) : GSTATE_CLOBBERS);  \
        return gstate_vector;                                                                    \
    }
GSTATE_DEFINE_DR(0)
GSTATE_DEFINE_DR(1)
GSTATE_DEFINE_DR(2)
GSTATE_DEFINE_DR(3)
GSTATE_DEFINE_DR(4)
GSTATE_DEFINE_DR(5)
GSTATE_DEFINE_DR(6)
GSTATE_DEFINE_DR(7)

/* ---- other instructions -------------------------------------------------- */

/* Any instruction without operands, given as its bytes ("0x0f, 0x01, 0xc1"). */
#define GSTATE_TRY_BYTES(bytes)                                                   \
    ({                                                                            \
        gstate_begin();                                                           \
        __asm__ volatile(GSTATE_ARM ".byte " bytes "\n1:" : : : GSTATE_CLOBBERS); \
        gstate_vector;                                                            \
    })

/* ... with RAX holding rax (an operand of VMRUN, VMLOAD, VMSAVE). */
#define GSTATE_TRY_BYTES_RAX(bytes, rax)                  \
    ({                                                    \
        gstate_begin();                                   \
        __asm__ volatile(GSTATE_ARM ".byte " bytes "\n1:" \
                         :                                \
                         : "a"((unsigned long)(rax))      \
                         : GSTATE_CLOBBERS);              \
        gstate_vector;                                    \
    })

static inline __attribute__((unused)) int gstate_rdpmc(uint32_t counter, uint64_t *value)
{
    uint32_t lo = 0, hi = 0;
    gstate_begin();
    __asm__ volatile(GSTATE_ARM "rdpmc\n1:" : "+a"(lo), "+d"(hi) : "c"(counter) : GSTATE_CLOBBERS);
    *value = ((uint64_t)hi << 32) | lo;
    return gstate_vector;
}

static inline __attribute__((unused)) int gstate_rdtscp(uint32_t *aux)
{
    uint32_t lo = 0, hi = 0, c = 0;
    gstate_begin();
    __asm__ volatile(GSTATE_ARM "rdtscp\n1:" : "+a"(lo), "+d"(hi), "+c"(c) : : GSTATE_CLOBBERS);
    *aux = c;
    return gstate_vector;
}

static inline __attribute__((unused)) int gstate_xsetbv(uint32_t xcr, uint64_t value)
{
    gstate_begin();
    __asm__ volatile(GSTATE_ARM "xsetbv\n1:"
                     :
                     : "c"(xcr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
                     : GSTATE_CLOBBERS);
    return gstate_vector;
}

static inline __attribute__((unused)) int gstate_xgetbv(uint32_t xcr, uint64_t *value)
{
    uint32_t lo = 0, hi = 0;
    gstate_begin();
    __asm__ volatile(GSTATE_ARM "xgetbv\n1:" : "+a"(lo), "+d"(hi) : "c"(xcr) : GSTATE_CLOBBERS);
    *value = ((uint64_t)hi << 32) | lo;
    return gstate_vector;
}

#endif /* GSTATE_H */
