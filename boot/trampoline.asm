; The application-processor trampoline: copied to TRAMPOLINE_PADDR (0x8000)
; and started there by a STARTUP IPI, whose vector 0x08 makes the AP begin
; in real mode at CS:IP = 0x0800:0000 (AMD APM vol. 2 §15.27.8 / Intel SDM
; vol. 3 §9.4.4). It walks the same road as boot/entry.asm: protected mode,
; PAE, Mica's page tables (CR3 must be below 4 GiB: we are in 32-bit mode when
; we load it), long mode, then jumps to ap_start(cpu) on the AP's own stack.
;
; The BSP fills the parameters at the end before each SIPI. Code here runs
; at its copy's address, so every absolute address is computed from
; TRAMPOLINE_PADDR.

%include "boot/x86.inc"

TRAMPOLINE_PADDR equ 0x8000
%define T(x) ((x) - trampoline_start + TRAMPOLINE_PADDR)

global trampoline_start
global trampoline_cr3
global trampoline_stack
global trampoline_entry
global trampoline_cpu

section .trampoline progbits alloc noexec nowrite align=16
bits 16
trampoline_start:
    cli
    cld
    xor ax, ax
    mov ds, ax
    lgdt [T(trampoline_gdt_desc)]
    mov eax, cr0
    or eax, CR0_PE
    mov cr0, eax
    jmp dword 0x08:T(trampoline_32)

bits 32
trampoline_32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    ENTER_LONG_MODE [T(trampoline_cr3)]
    jmp 0x18:T(trampoline_64)

bits 64
trampoline_64:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, [T(trampoline_stack)]
    mov rdi, [T(trampoline_cpu)]
    xor ebp, ebp                    ; ends the backtrace frame chain
    ; The entry (ap_start) never returns: a zero return address ends gdb's
    ; backtrace there, and leaves RSP as a call would (RSP + 8 a multiple
    ; of 16 at a function's entry, System V ABI 3.2.2).
    push 0
    mov rax, [T(trampoline_entry)]
    jmp rax

align 16
trampoline_gdt:
    dq 0
    dq 0x00CF9A000000FFFF           ; 0x08: 32-bit code
    dq 0x00CF92000000FFFF           ; 0x10: data
    dq 0x00AF9A000000FFFF           ; 0x18: 64-bit code
trampoline_gdt_desc:
    dw trampoline_gdt_desc - trampoline_gdt - 1
    dd T(trampoline_gdt)

align 8
trampoline_cr3:   dq 0
trampoline_stack: dq 0
trampoline_entry: dq 0
trampoline_cpu:   dq 0
