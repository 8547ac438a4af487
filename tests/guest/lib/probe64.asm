; Register-level hypercall probe for 64-bit test guests (nasm -f elf64).
;
; long hypercall_probe(const struct probe_regs *in, struct probe_regs *out,
;                      const void *target)
; Loads every general-purpose register except RSP from *in, calls target (a
; hypercall-page stub, or guest_vmmcall_ret for a bare VMMCALL with RAX = the
; number), and stores every register as it came back into *out. Lets a test
; check that a hypercall preserves everything but RAX (xen-abi.md, "Every
; register that is not the result must be preserved for the guest").
; struct probe_regs is 16 quadwords: rax rbx rcx rdx rsi rdi rbp r8 .. r15.

bits 64
section .text

global guest_vmmcall_ret
guest_vmmcall_ret:                  ; a bare VMMCALL (0f 01 d9), then return
    vmmcall
    ret

global hypercall_probe
hypercall_probe:
    push rbx                        ; callee-saved registers of the SysV ABI
    push rbp
    push r12
    push r13
    push r14
    push r15
    push rsi                        ; [rsp+8]: out
    push rdx                        ; [rsp]:   target

    mov rax, rdi
    mov rbx, [rax + 1*8]
    mov rcx, [rax + 2*8]
    mov rdx, [rax + 3*8]
    mov rsi, [rax + 4*8]
    mov rdi, [rax + 5*8]
    mov rbp, [rax + 6*8]
    mov r8,  [rax + 7*8]
    mov r9,  [rax + 8*8]
    mov r10, [rax + 9*8]
    mov r11, [rax + 10*8]
    mov r12, [rax + 11*8]
    mov r13, [rax + 12*8]
    mov r14, [rax + 13*8]
    mov r15, [rax + 14*8]
    mov rax, [rax + 0*8]
    call [rsp]

    push rax                        ; [rsp+16]: out now
    mov rax, [rsp + 16]
    pop qword [rax + 0*8]
    mov [rax + 1*8], rbx
    mov [rax + 2*8], rcx
    mov [rax + 3*8], rdx
    mov [rax + 4*8], rsi
    mov [rax + 5*8], rdi
    mov [rax + 6*8], rbp
    mov [rax + 7*8], r8
    mov [rax + 8*8], r9
    mov [rax + 9*8], r10
    mov [rax + 10*8], r11
    mov [rax + 11*8], r12
    mov [rax + 12*8], r13
    mov [rax + 13*8], r14
    mov [rax + 14*8], r15
    mov rax, [rax + 0*8]            ; return the hypercall's result

    add rsp, 16
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    ret
