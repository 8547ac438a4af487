/* Interrupt handlers for vectors 32..255 (see irq.h). 64-bit only. */
#include "irq.h"

#ifdef __x86_64__
#include "trap.h"

static guest_irq_handler_t handlers[256];

void guest_irq_dispatch(uint64_t vector);
void guest_irq_dispatch(uint64_t vector)
{
    if (handlers[vector & 0xFF])
        handlers[vector & 0xFF]((unsigned int)vector);
}

/* 224 stubs of 16 bytes: push the vector (push imm32, 5 bytes), jump to
 * the common part. The CPU aligned RSP to 16 and pushed 5 words; the
 * vector and 9 saved registers make 15, so the call needs one more
 * (the sub) for an ABI-aligned stack. */
__asm__("    .text\n"
        "    .align 16\n"
        "guest_irq_stubs:\n"
        "    .set vec, 32\n"
        "    .rept 224\n"
        "    .byte 0x68\n" /* push imm32 */
        "    .long vec\n"
        "    jmp guest_irq_common\n"
        "    .align 16\n"
        "    .set vec, vec + 1\n"
        "    .endr\n"
        "guest_irq_common:\n"
        "    push %rax\n    push %rcx\n    push %rdx\n    push %rsi\n    push %rdi\n"
        "    push %r8\n    push %r9\n    push %r10\n    push %r11\n"
        "    mov 72(%rsp), %rdi\n"
        "    sub $8, %rsp\n"
        "    cld\n"
        "    call guest_irq_dispatch\n"
        "    add $8, %rsp\n"
        "    pop %r11\n    pop %r10\n    pop %r9\n    pop %r8\n"
        "    pop %rdi\n    pop %rsi\n    pop %rdx\n    pop %rcx\n    pop %rax\n"
        "    add $8, %rsp\n" /* the vector */
        "    iretq\n");

extern const uint8_t guest_irq_stubs[];

void guest_irq_set(unsigned int vector, guest_irq_handler_t fn)
{
    if (vector < 32 || vector > 255)
        return;
    handlers[vector] = fn;
    guest_set_idt_gate(vector, (void (*)(void))(uintptr_t)(guest_irq_stubs + (vector - 32) * 16));
}
#endif
