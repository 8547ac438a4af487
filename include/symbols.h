/*
 * Mica's own symbol table, built into the image so that a fault can print
 * "function+offset/size" without a debugger. tools/gen_symbols.py writes it
 * from the first link's `nm` output; the second link places it in
 * .mica_symbols, after everything else, so no code address moves.
 */
#ifndef MICA_SYMBOLS_H
#define MICA_SYMBOLS_H

#include "types.h"

struct symbol_entry {
    uint64_t addr;        /* start address of the function */
    uint32_t size;        /* its size in bytes */
    uint32_t name_offset; /* into mica_symbol_names */
};

extern const struct symbol_entry mica_symbol_table[]; /* sorted by addr */
extern const uint32_t mica_symbol_count;
extern const char mica_symbol_names[];

/* The function containing addr, and addr's offset in it; NULL if none. */
const char *symbols_lookup(uintptr_t addr, uintptr_t *offset, uintptr_t *size);

/* "name+0xoff/0xsize", or "?" when addr is in no known function. */
void symbols_describe(uintptr_t addr, char *buf, size_t size);
/* The same for a return address on the stack: names the function holding
 * the call before it. */
void symbols_describe_return(uintptr_t addr, char *buf, size_t size);

#endif
