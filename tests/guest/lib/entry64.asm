; PVH entry for 64-bit test guests (nasm -f elf64).
;
; Boot ABI (docs/xen-abi.md, "PVH boot ABI"): the hypervisor enters at
; the address in the XEN_ELFNOTE_PHYS32_ENTRY note in 32-bit protected mode,
; paging off, flat segments, IF=0, no stack, EBX = guest-physical address of
; struct hvm_start_info. We build our own GDT and page tables, switch to long
; mode (AMD APM vol. 2, 14.6 "Enabling and Activating Long Mode": CR4.PAE, CR3,
; EFER.LME, then CR0.PG; then a far jump to a 64-bit code segment) and call
; guest_main(start_info_pa).

%define XEN_ELFNOTE_PHYS32_ENTRY 18

%define SEL_CODE64  0x08
%define SEL_DATA    0x10
%define SEL_CODE32  0x18

%define MSR_EFER    0xC0000080
%define EFER_LME    (1 << 8)
%define EFER_NXE    (1 << 11)
%define CR0_PG      (1 << 31)
%define CR4_PAE     (1 << 5)

%define PTE_P       (1 << 0)
%define PTE_W       (1 << 1)
%define PTE_PS      (1 << 7)       ; 2 MiB page in a page-directory entry

extern guest_main
extern __bss_start
extern __bss_end

; --- The PVH ELF note: name "Xen", type 18, payload = 32-bit entry address.
; (ELF note layout: namesz, descsz, type, name padded to 4, desc padded to 4.)
section .note.Xen note alloc noexec nowrite align=4
    dd 4                            ; namesz: "Xen\0"
    dd 4                            ; descsz: one 32-bit address
    dd XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd pvh_start32

section .text.entry progbits alloc exec nowrite align=16
bits 32
global pvh_start32
pvh_start32:
    cld
    mov esi, ebx                    ; keep start_info's address: EBX is needed below
    lgdt [gdt_desc]
    jmp SEL_CODE32:.cs32            ; our own flat 32-bit code segment
.cs32:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax

    ; Zero .bss ourselves (the loader should have: p_memsz > p_filesz).
    mov edi, __bss_start
    mov ecx, __bss_end
    sub ecx, edi
    xor eax, eax
    rep stosb
    mov esp, stack_top
    mov [start_info_pa], esi

    ; --- Page tables: identity-map 0 .. 4 GiB.
    ; PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 512 x 2 MiB;
    ; PD[0][0] -> a 4 KiB page table whose entry 0 is absent, so that a NULL
    ; dereference faults (AMD APM vol. 2, 5.3 "Long-Mode Page Translation").
    mov dword [pml4], pdpt + (PTE_P | PTE_W)
    mov ecx, 0
.pdpt_loop:
    mov eax, ecx
    shl eax, 12
    add eax, pd + (PTE_P | PTE_W)
    mov [pdpt + ecx * 8], eax
    inc ecx
    cmp ecx, 4
    jb .pdpt_loop

    mov ecx, 0                      ; 2048 PDEs, one per 2 MiB
.pd_loop:
    mov eax, ecx
    shl eax, 21
    or eax, PTE_P | PTE_W | PTE_PS
    mov [pd + ecx * 8], eax         ; high dword stays 0 (below 4 GiB)
    inc ecx
    cmp ecx, 2048
    jb .pd_loop
    mov dword [pd], pt0 + (PTE_P | PTE_W)   ; first 2 MiB through 4 KiB pages

    mov ecx, 1                      ; PT entry 0 (page 0) stays absent
.pt_loop:
    mov eax, ecx
    shl eax, 12
    or eax, PTE_P | PTE_W
    mov [pt0 + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jb .pt_loop

    ; --- Long mode.
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, pml4
    mov cr3, eax

    ; EFER.NXE only if CPUID 0x80000001 EDX bit 20 (NX) says it exists.
    mov edi, EFER_LME
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_nx
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 20
    jz .no_nx
    or edi, EFER_NXE
.no_nx:
    mov ecx, MSR_EFER
    rdmsr
    or eax, edi
    wrmsr

    mov eax, cr0
    or eax, CR0_PG
    mov cr0, eax
    jmp SEL_CODE64:long_entry

bits 64
long_entry:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov rsp, stack_top
    xor ebp, ebp
    mov edi, [rel start_info_pa]    ; guest_main(uint32_t start_info_pa)
    call guest_main
.hang:                              ; guest_main does not return; if it does, stop.
    cli
    hlt
    jmp .hang

; --- Exception stubs for vectors 0..31. Each pushes a dummy error code where
; the CPU pushes none (AMD APM vol. 2, 8.2 "Vectors": #DF, #TS, #NP, #SS, #GP,
; #PF, #AC, #CP, #VC, #SX have one), then the vector, then joins trap_common.
extern guest_trap_dispatch

%macro TRAP_STUB 1
trap_stub_%1:
%if (%1 == 8) || (%1 >= 10 && %1 <= 14) || (%1 == 17) || (%1 == 21) || (%1 == 29) || (%1 == 30)
%else
    push 0
%endif
    push %1
    jmp trap_common
    align 16
%endmacro

align 16
%assign v 0
%rep 32
TRAP_STUB v
%assign v v + 1
%endrep

; Saves every GPR in the order of struct guest_trap_frame (tests/guest/lib/trap.h),
; calls guest_trap_dispatch(frame), restores (a handler may change the frame,
; e.g. advance rip) and returns with iretq. The CPU aligned RSP to 16 before
; pushing its 5-quadword frame; with error code, vector and 15 GPRs the total
; is 22 quadwords, so RSP is 16-byte aligned at the call as the SysV ABI wants.
trap_common:
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
    mov rdi, rsp
    call guest_trap_dispatch
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

section .rodata
align 8
global guest_trap_stubs
guest_trap_stubs:                   ; addresses of the 32 stubs, for the IDT
%assign v 0
%rep 32
    dq trap_stub_ %+ v
%assign v v + 1
%endrep

; GDT: null, 64-bit code, flat data, flat 32-bit code (AMD APM vol. 2, 4.8).
align 16
gdt:
    dq 0
    dq 0x00af9a000000ffff           ; 0x08: 64-bit code, DPL 0 (L=1, D=0)
    dq 0x00cf92000000ffff           ; 0x10: data, base 0, limit 4 GiB
    dq 0x00cf9a000000ffff           ; 0x18: 32-bit code, base 0, limit 4 GiB
gdt_end:
gdt_desc:
    dw gdt_end - gdt - 1
    dq gdt                          ; lgdt in 32-bit mode reads only 4 bytes of base

section .bss
align 4096
pml4:   resb 4096
pdpt:   resb 4096
pd:     resb 4 * 4096
pt0:    resb 4096
align 16
stack:  resb 16384
stack_top:
start_info_pa: resd 1
