/*
 * IDT for 64-bit test guests (AMD APM vol. 2, 4.8.4 "Gate Descriptors in
 * Long Mode": 16-byte interrupt gates, type 0xE).
 */
#include "test.h"

#define SEL_CODE64 0x08 /* entry64.asm's GDT */

struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr; /* P=1, DPL=0, type 0xE (64-bit interrupt gate) */
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "long-mode gate is 16 bytes");

extern const uint64_t guest_trap_stubs[32]; /* entry64.asm */

/* 256 gates: 0..31 the exceptions below, the rest absent until a test
 * installs an interrupt handler (guest_set_idt_gate). */
static struct idt_gate idt[256] __attribute__((aligned(16)));

static struct idt_gate gate(uint64_t a)
{
    return (struct idt_gate){
        .offset_lo = (uint16_t)a,
        .selector = SEL_CODE64,
        .type_attr = 0x8E,
        .offset_mid = (uint16_t)(a >> 16),
        .offset_hi = (uint32_t)(a >> 32),
    };
}

void guest_set_idt_gate(unsigned vector, void (*entry)(void))
{
    if (vector >= 32 && vector < 256)
        idt[vector] = gate((uint64_t)(uintptr_t)entry);
}
static guest_trap_handler_t handlers[32];

void guest_trap_init(void)
{
    for (unsigned v = 0; v < 32; v++)
        idt[v] = gate(guest_trap_stubs[v]);
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

void guest_set_trap_handler(unsigned vector, guest_trap_handler_t h)
{
    if (vector < 32)
        handlers[vector] = h;
}

/* Called from entry64.asm's trap_common. */
void guest_trap_dispatch(struct guest_trap_frame *f);
void guest_trap_dispatch(struct guest_trap_frame *f)
{
    if (f->vector < 32 && handlers[f->vector]) {
        handlers[f->vector](f);
        return;
    }
    uint64_t cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    gprintf("unexpected exception %llu (error code 0x%llx) at rip 0x%llx, cr2 0x%llx\n",
            (unsigned long long)f->vector, (unsigned long long)f->error_code,
            (unsigned long long)f->rip, (unsigned long long)cr2);
    guest_test_abort("unexpected exception");
}

/* guest_rdmsr_safe, guest_wrmsr_safe: the #GP handler skips the 2-byte
 * RDMSR (0f 32) or WRMSR (0f 30). */
static volatile int msr_faulted;

static void rdmsr_gp(struct guest_trap_frame *f)
{
    msr_faulted = 1;
    f->rip += 2;
}

int guest_rdmsr_safe(uint32_t msr, uint64_t *val)
{
    guest_trap_handler_t old = handlers[X86_EXC_GP];
    uint32_t lo = 0, hi = 0;
    msr_faulted = 0;
    handlers[X86_EXC_GP] = rdmsr_gp;
    __asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
    handlers[X86_EXC_GP] = old;
    if (msr_faulted)
        return X86_EXC_GP;
    *val = ((uint64_t)hi << 32) | lo;
    return 0;
}

int guest_wrmsr_safe(uint32_t msr, uint64_t val)
{
    guest_trap_handler_t old = handlers[X86_EXC_GP];
    msr_faulted = 0;
    handlers[X86_EXC_GP] = rdmsr_gp;
    __asm__ volatile("wrmsr"
                     :
                     : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
                     : "memory");
    handlers[X86_EXC_GP] = old;
    return msr_faulted ? X86_EXC_GP : 0;
}
