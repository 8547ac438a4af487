/* Address -> function name, by binary search in the built-in symbol table. */
#include "symbols.h"
#include "lib/vsnprintf.h"

const char *symbols_lookup(uintptr_t addr, uintptr_t *offset, uintptr_t *size)
{
    uint32_t lo = 0, hi = mica_symbol_count;

    /* Find the last symbol starting at or below addr. */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (mica_symbol_table[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;

    const struct symbol_entry *sym = &mica_symbol_table[lo - 1];
    if (addr - sym->addr >= sym->size)
        return NULL;
    *offset = addr - sym->addr;
    *size = sym->size;
    return &mica_symbol_names[sym->name_offset];
}

void symbols_describe_return(uintptr_t addr, char *buf, size_t size)
{
    uintptr_t offset, len;
    /* The call is the byte before: a call to a noreturn function can be a
     * function's last instruction, so its return address is past the end. */
    const char *name = symbols_lookup(addr - 1, &offset, &len);

    if (name)
        snprintf(buf, size, "%s+0x%lx/0x%lx", name, offset + 1, len);
    else
        snprintf(buf, size, "?");
}

void symbols_describe(uintptr_t addr, char *buf, size_t size)
{
    uintptr_t offset, len;
    const char *name = symbols_lookup(addr, &offset, &len);

    if (name)
        snprintf(buf, size, "%s+0x%lx/0x%lx", name, offset, len);
    else
        snprintf(buf, size, "?");
}
