/* Setting up and inspecting machine memory (mm/page_alloc.c). */
#ifndef MICA_MM_H
#define MICA_MM_H

#include "buddy.h"
#include "types.h"

/* Build the frame table and the buddy allocator from boot_info. */
void page_alloc_init(void);

uint64_t page_alloc_free_frames(void);
/* The frames the allocator was given at boot (free or not). */
uint64_t page_alloc_usable_frames(void);
/* A snapshot of the number of free blocks of each order. */
void page_alloc_free_blocks(uint64_t blocks[BUDDY_NR_ORDERS]);
void page_alloc_print_summary(void);

#endif
