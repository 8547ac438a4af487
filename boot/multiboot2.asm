; The multiboot2 header: tells GRUB this image is a multiboot2 kernel and what
; it wants handed over. Layout from the Multiboot2 specification §3.1: the
; header must be 8-byte aligned within the first 32 KiB of the image.

MB2_MAGIC        equ 0xE85250D6
MB2_ARCH_I386    equ 0          ; 32-bit protected-mode entry
MB2_TAG_END      equ 0
MB2_TAG_INFO_REQ equ 1
MB2_INFO_CMDLINE equ 1
MB2_INFO_MODULE  equ 3
MB2_INFO_MMAP    equ 6
MB2_INFO_ACPI_OLD equ 14
MB2_INFO_ACPI_NEW equ 15

section .multiboot2 progbits alloc noexec nowrite align=8
header_start:
    dd MB2_MAGIC
    dd MB2_ARCH_I386
    dd header_end - header_start
    dd -(MB2_MAGIC + MB2_ARCH_I386 + (header_end - header_start)) & 0xFFFFFFFF

    ; Information request: GRUB fails the boot if it cannot supply one of
    ; these (flags bit 0 clear = required). ACPI RSDP tags are not requested
    ; (GRUB gives them anyway when it finds the RSDP; Mica then scans if not).
    align 8
info_request:
    dw MB2_TAG_INFO_REQ
    dw 0
    dd info_request_end - info_request
    dd MB2_INFO_CMDLINE
    dd MB2_INFO_MMAP
    dd MB2_INFO_MODULE
info_request_end:

    align 8
    dw MB2_TAG_END
    dw 0
    dd 8
header_end:
