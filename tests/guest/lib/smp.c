/*
 * Starting secondary vCPUs (see smp.h).
 *
 * A vCPU started with VCPU_HVM_MODE_64B has flat 64-bit segments but null
 * selectors and no GDT or IDT (public/hvm/hvm_vcpu.h). Before it can take an
 * exception or reload a segment it needs tables, so its first instructions
 * (smp_trampoline below) load the caller's GDT and IDT, reload CS and the
 * data segments from them, and only then call C.
 */
#include "smp.h"
#include "test.h"

#define MSR_EFER 0xC0000080

/* What the trampoline loads, filled by the vCPU that starts the others.
 * Offsets are used by the assembly below: gdtr 0, idtr 10, cs 20, ds 22. */
struct __attribute__((packed)) desc_ptr { /* what LGDT and LIDT read */
    uint16_t limit;
    uint64_t base;
};

struct __attribute__((packed)) smp_tables {
    struct desc_ptr gdtr;
    struct desc_ptr idtr;
    uint16_t cs;
    uint16_t ds;
};
_Static_assert(__builtin_offsetof(struct smp_tables, idtr) == 10, "idtr @10");
_Static_assert(__builtin_offsetof(struct smp_tables, cs) == 20, "cs @20");
_Static_assert(__builtin_offsetof(struct smp_tables, ds) == 22, "ds @22");

static struct smp_tables smp_tables;

void smp_trampoline(void);
void guest_vcpu_park(unsigned int id) __attribute__((noreturn));

/*
 * The new vCPU's first code. Registers from the context:
 *   RSP = its stack, RDI = RBX = its id, RSI = fn, RDX = &smp_tables.
 * lretq pops RIP and then CS, so the new CS goes on the stack first.
 * RBX is callee-saved: the id survives fn for the call to the park loop.
 */
__asm__("    .text\n"
        "    .globl smp_trampoline\n"
        "smp_trampoline:\n"
        "    lgdt 0(%rdx)\n"
        "    lidt 10(%rdx)\n"
        "    movzwl 22(%rdx), %eax\n"
        "    mov %eax, %ds\n"
        "    mov %eax, %es\n"
        "    mov %eax, %ss\n"
        "    mov %eax, %fs\n"
        "    mov %eax, %gs\n"
        "    movzwl 20(%rdx), %eax\n"
        "    push %rax\n"
        "    lea 1f(%rip), %rax\n"
        "    push %rax\n"
        "    lretq\n"
        "1:  xor %ebp, %ebp\n"
        "    call *%rsi\n" /* fn(id): RDI still holds the id */
        "    mov %ebx, %edi\n"
        "    call guest_vcpu_park\n"
        "2:  cli\n"
        "    hlt\n"
        "    jmp 2b\n");

void guest_vcpu_park(unsigned int id)
{
    for (;;) {
        HYPERVISOR_vcpu_op(VCPUOP_down, id, NULL);
        HYPERVISOR_sched_op(SCHEDOP_block, NULL); /* if down failed */
    }
}

static uint64_t read_cr(int n)
{
    uint64_t v = 0;

    switch (n) {
    case 0:
        __asm__ volatile("mov %%cr0, %0" : "=r"(v));
        break;
    case 3:
        __asm__ volatile("mov %%cr3, %0" : "=r"(v));
        break;
    case 4:
        __asm__ volatile("mov %%cr4, %0" : "=r"(v));
        break;
    }
    return v;
}

void guest_vcpu_context(struct vcpu_hvm_context *ctx, unsigned int id, void (*fn)(unsigned int id),
                        void *stack_top)
{
    struct vcpu_hvm_x86_64 *r = &ctx->cpu_regs.x86_64;
    uint16_t cs, ds;

    /* This vCPU's tables and selectors, for the trampoline to load. */
    __asm__ volatile("sgdt %0" : "=m"(smp_tables.gdtr));
    __asm__ volatile("sidt %0" : "=m"(smp_tables.idtr));
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    __asm__ volatile("mov %%ds, %0" : "=r"(ds));
    smp_tables.cs = cs;
    smp_tables.ds = ds;

    memset(ctx, 0, sizeof(*ctx));
    ctx->mode = VCPU_HVM_MODE_64B;
    r->rip = (uint64_t)(uintptr_t)smp_trampoline;
    r->rsp = (uint64_t)(uintptr_t)stack_top & ~15UL;
    r->rdi = id;
    r->rbx = id;
    r->rsi = (uint64_t)(uintptr_t)fn;
    r->rdx = (uint64_t)(uintptr_t)&smp_tables;
    r->rflags = 0x2; /* IF=0 */
    r->cr0 = read_cr(0);
    r->cr3 = read_cr(3);
    r->cr4 = read_cr(4);
    r->efer = guest_rdmsr(MSR_EFER);
}

int guest_start_vcpu(unsigned int id, void (*fn)(unsigned int id), void *stack_top)
{
    struct vcpu_hvm_context ctx;
    long rc;

    guest_vcpu_context(&ctx, id, fn, stack_top);
    rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, id, &ctx);
    if (rc == 0)
        rc = HYPERVISOR_vcpu_op(VCPUOP_up, id, NULL);
    return (int)rc;
}
