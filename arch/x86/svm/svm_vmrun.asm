; svm_vmrun(vmcb_pa, gprs, host_area_pa): run a guest until its next #VMEXIT.
;
; VMRUN saves and restores only part of the host state (AMD APM vol. 2
; §15.5.1): of the general registers, only RAX, RSP and RIP are swapped
; (docs/qemu.md confirms this for QEMU), so every other guest GPR
; is loaded from and stored to struct guest_gprs here. FS, GS, TR, LDTR and
; the SYSCALL/SYSENTER MSRs are not swapped at all: VMSAVE/VMLOAD move them
; (§15.5.2). We VMSAVE the host's into its per-CPU area, VMLOAD the guest's,
; and reverse both after the exit. Without that, a guest writing GS_BASE
; would change Mica's per-CPU pointer.
;
; Interrupts: CLGI masks everything (GIF=0) while we switch; STI right
; before VMRUN makes the host's RFLAGS.IF, saved by VMRUN, 1, which with
; V_INTR_MASKING lets a physical interrupt (the scheduler tick, an IPI)
; force a #VMEXIT (§15.21.1). After the exit: CLI, then STGI, so the
; interrupt is taken when the caller enables interrupts.

global svm_vmrun

; struct guest_gprs (include/x86/svm.h)
GPR_RBX equ 0
GPR_RCX equ 8
GPR_RDX equ 16
GPR_RSI equ 24
GPR_RDI equ 32
GPR_RBP equ 40
GPR_R8  equ 48
GPR_R9  equ 56
GPR_R10 equ 64
GPR_R11 equ 72
GPR_R12 equ 80
GPR_R13 equ 88
GPR_R14 equ 96
GPR_R15 equ 104

section .text
bits 64
svm_vmrun:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    push rsi                        ; [rsp + 16]: gprs
    push rdx                        ; [rsp + 8]:  host area
    push rdi                        ; [rsp + 0]:  vmcb

    clgi
    mov rax, rdx
    vmsave
    mov rax, rdi
    vmload

    mov rbx, [rsi + GPR_RBX]
    mov rcx, [rsi + GPR_RCX]
    mov rdx, [rsi + GPR_RDX]
    mov rdi, [rsi + GPR_RDI]
    mov rbp, [rsi + GPR_RBP]
    mov r8,  [rsi + GPR_R8]
    mov r9,  [rsi + GPR_R9]
    mov r10, [rsi + GPR_R10]
    mov r11, [rsi + GPR_R11]
    mov r12, [rsi + GPR_R12]
    mov r13, [rsi + GPR_R13]
    mov r14, [rsi + GPR_R14]
    mov r15, [rsi + GPR_R15]
    mov rsi, [rsi + GPR_RSI]
    mov rax, [rsp]
    sti
    vmrun
    cli

    push rsi                        ; guest rsi; gprs is now at [rsp + 24]
    mov rsi, [rsp + 24]
    mov [rsi + GPR_RBX], rbx
    mov [rsi + GPR_RCX], rcx
    mov [rsi + GPR_RDX], rdx
    mov [rsi + GPR_RDI], rdi
    mov [rsi + GPR_RBP], rbp
    mov [rsi + GPR_R8],  r8
    mov [rsi + GPR_R9],  r9
    mov [rsi + GPR_R10], r10
    mov [rsi + GPR_R11], r11
    mov [rsi + GPR_R12], r12
    mov [rsi + GPR_R13], r13
    mov [rsi + GPR_R14], r14
    mov [rsi + GPR_R15], r15
    pop qword [rsi + GPR_RSI]

    mov rax, [rsp]
    vmsave
    mov rax, [rsp + 8]
    vmload
    stgi

    add rsp, 24
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret
