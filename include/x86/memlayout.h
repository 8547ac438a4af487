/*
 * Mica's virtual memory layout (x86-64, 4-level paging).
 *
 *   0xFFFF880000000000 ..  DIRECTMAP: all RAM, phys + DIRECTMAP_BASE, NX, RW;
 *                          MMIO pages Mica uses (local APIC) are mapped here
 *                          uncached.
 *   0xFFFFFFFF80000000 ..  Mica's image, linked at KERNEL_VBASE + its load
 *                          address (1 MiB), mapped with 4 KiB pages: text RX,
 *                          rodata R, data and bss RW+NX (W^X).
 *   everything else        unmapped, including page 0, so a NULL pointer
 *                          faults. The boot identity map is gone once the
 *                          APs are up.
 *
 * The image is linked in the top 2 GiB so that gcc's -mcmodel=kernel can
 * address all of it with sign-extended 32-bit displacements.
 */
#ifndef MICA_X86_MEMLAYOUT_H
#define MICA_X86_MEMLAYOUT_H

#define KERNEL_VBASE 0xFFFFFFFF80000000
#define KERNEL_LOAD_PADDR 0x100000
#define DIRECTMAP_BASE 0xFFFF880000000000

/* Real-mode AP start-up code is copied here (a page below 1 MiB; the SIPI
 * vector is this address >> 12, Intel SDM / AMD APM vol. 2 §15.27.8). */
#define TRAMPOLINE_PADDR 0x8000

/* Stacks: 16 KiB per CPU, and one 4 KiB page each for the IST stacks. */
#define STACK_ORDER 2
#define STACK_SIZE (4096 << STACK_ORDER)
#define IST_STACK_SIZE 4096

#endif
