; Interrupt and exception entry: one small stub per vector pushes a uniform
; frame (a dummy error code where the CPU pushes none, AMD APM vol. 2 §8.2,
; then the vector number) and jumps to a common path that saves every general
; register and calls interrupt_dispatch(struct cpu_regs *).
;
; The frame below matches struct cpu_regs in include/x86/regs.h.

extern interrupt_dispatch
global interrupt_stubs

section .text
bits 64

%macro STUB 1
align 16
    %if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
        ; the CPU pushed an error code
    %else
    push 0
    %endif
    push %1
    jmp interrupt_common
%endmacro

align 16
interrupt_stubs:
%assign vec 0
%rep 256
    STUB vec
%assign vec vec + 1
%endrep

interrupt_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    cld
    mov rdi, rsp
    call interrupt_dispatch
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16                     ; vector and error code
    iretq
