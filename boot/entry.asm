; Mica's first instructions: from GRUB's 32-bit protected mode to 64-bit C.
;
; GRUB's multiboot2 machine state (Multiboot2 spec §3.3): EAX = 0x36d76289,
; EBX = physical address of the boot information, protected mode with flat
; segments, paging off, interrupts off, no usable stack.
;
; We build boot page tables that map the first 1 GiB twice (identity, so the
; instruction after enabling paging still runs, and at KERNEL_VBASE where
; Mica is linked), enable long mode (AMD APM vol. 2 §14.6.1: PAE, CR3,
; EFER.LME, then CR0.PG), and jump to start_mica(magic, info) in the higher
; half. arch/x86/paging.c replaces these tables with Mica's real ones.

%include "boot/x86.inc"

KERNEL_VBASE     equ 0xFFFFFFFF80000000
COM1             equ 0x3F8

%define PHYS(x) ((x) - KERNEL_VBASE)

extern start_mica
global mica_entry
global boot_stack_top

section .boot.text progbits alloc exec nowrite align=16
bits 32
mica_entry:
    cli
    cld
    mov esp, PHYS(boot_stack_top)
    mov edi, eax                    ; multiboot2 magic (kept for start_mica)
    mov esi, ebx                    ; boot information physical address

    ; Long mode needs CPUID 0x80000001 EDX bit 29 (LM).
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29
    jz .no_long_mode

    ; PML4[0] and PML4[511] -> PDPT; PDPT[0] and PDPT[510] -> PD;
    ; PD maps 0..1 GiB with 2 MiB pages.
    mov eax, PHYS(boot_pdpt) + (PTE_P | PTE_W)
    mov [PHYS(boot_pml4)], eax
    mov [PHYS(boot_pml4) + 511 * 8], eax
    mov eax, PHYS(boot_pd) + (PTE_P | PTE_W)
    mov [PHYS(boot_pdpt)], eax
    mov [PHYS(boot_pdpt) + 510 * 8], eax
    xor ecx, ecx
.fill_pd:
    mov eax, ecx
    shl eax, 21
    or eax, PTE_P | PTE_W | PTE_PS
    mov [PHYS(boot_pd) + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jb .fill_pd

    ENTER_LONG_MODE PHYS(boot_pml4)

    lgdt [PHYS(boot_gdt_desc)]
    jmp 0x08:PHYS(.long_mode)

.no_long_mode:
    ; No 64-bit CPU: say so on COM1 and stop.
    mov esi, PHYS(no_long_mode_msg)
.print:
    lodsb
    test al, al
    jz .halt
    mov dx, COM1
    out dx, al
    jmp .print
.halt:
    hlt
    jmp .halt

bits 64
.long_mode:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    ; Leave the identity map: continue at the linked (higher-half) address.
    mov rax, .higher_half
    jmp rax
.higher_half:
    mov rsp, boot_stack_top
    xor ebp, ebp                    ; ends the backtrace frame chain
    ; rdi = magic, rsi = info (physical), as set above. start_mica never
    ; returns (it ends in mica_main); its return address is 0, where gdb's
    ; backtrace stops (this label has no unwind information, so after a
    ; `call` gdb would go on reading whatever follows the boot stack as
    ; frames). The push keeps the ABI's entry alignment, as a call would.
    push 0
    jmp start_mica

section .rodata
no_long_mode_msg: db "Mica: this CPU has no 64-bit long mode; cannot boot.", 13, 10, 0

align 16
boot_gdt:
    dq 0                            ; null descriptor
    dq 0x00AF9A000000FFFF           ; 0x08: 64-bit code, DPL 0 (L=1, D=0)
    dq 0x00CF92000000FFFF           ; 0x10: data, DPL 0
boot_gdt_end:
boot_gdt_desc:
    dw boot_gdt_end - boot_gdt - 1
    dq PHYS(boot_gdt)

section .bss
alignb 4096
boot_pml4: resb 4096
boot_pdpt: resb 4096
boot_pd:   resb 4096
boot_stack: resb 16384
boot_stack_top:
