; PVH entry for 32-bit test guests (nasm -f elf32).
;
; Boot ABI (docs/xen-abi.md, "PVH boot ABI"): entered at the
; XEN_ELFNOTE_PHYS32_ENTRY address in 32-bit protected mode, paging off, flat
; segments, IF=0, no stack, EBX = guest-physical address of hvm_start_info.
; This flavour stays in that mode (so linear == guest-physical) and calls
; guest_main(start_info_pa) with the cdecl convention. Hypercalls from here use
; the 32-bit (compat) ABI.

%define XEN_ELFNOTE_PHYS32_ENTRY 18
%define SEL_CODE32  0x08
%define SEL_DATA    0x10

extern guest_main
extern __bss_start
extern __bss_end

section .note.Xen note alloc noexec nowrite align=4
    dd 4                            ; namesz: "Xen\0"
    dd 4                            ; descsz
    dd XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd pvh_start32

section .text.entry progbits alloc exec nowrite align=16
bits 32
global pvh_start32
pvh_start32:
    cld
    mov esi, ebx
    lgdt [gdt_desc]
    jmp SEL_CODE32:.cs32
.cs32:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov edi, __bss_start            ; zero .bss (the loader should have too)
    mov ecx, __bss_end
    sub ecx, edi
    xor eax, eax
    rep stosb
    mov esp, stack_top
    xor ebp, ebp
    push esi                        ; guest_main(uint32_t start_info_pa)
    call guest_main
.hang:
    cli
    hlt
    jmp .hang

section .rodata
align 16
gdt:
    dq 0
    dq 0x00cf9a000000ffff           ; 0x08: 32-bit code, base 0, limit 4 GiB
    dq 0x00cf92000000ffff           ; 0x10: data, base 0, limit 4 GiB
gdt_end:
gdt_desc:
    dw gdt_end - gdt - 1
    dd gdt

section .bss
align 16
stack:  resb 16384
stack_top:
