#!/usr/bin/env python3
"""Write Mica's built-in symbol table (C source) from `nm` output.

Usage: gen_symbols.py NM_OUTPUT OUT.c    (NM_OUTPUT from `nm -n -S --defined-only`)
       gen_symbols.py --empty OUT.c      (the placeholder for the first link)

Only functions (text symbols with a size) go in. The table is sorted by
address for binary search in common/symbols.c.
"""
import sys

HEADER = '#include "symbols.h"\n#define SYM __attribute__((section(".mica_symbols")))\n'


def read_functions(path):
    functions = []
    with open(path) as nm_output:
        for line in nm_output:
            fields = line.split()
            if len(fields) != 4 or fields[2] not in ("t", "T"):
                continue
            addr, size, _, name = fields
            functions.append((int(addr, 16), int(size, 16), name))
    functions.sort()
    return functions


def write_table(functions, out_path):
    names = bytearray()
    rows = []
    for addr, size, name in functions:
        rows.append("    { 0x%xUL, %d, %d }," % (addr, size, len(names)))
        names += name.encode() + b"\0"
    with open(out_path, "w") as out:
        out.write(HEADER)
        out.write("SYM const uint32_t mica_symbol_count = %d;\n" % len(rows))
        out.write("SYM const struct symbol_entry mica_symbol_table[] = {\n")
        out.write("\n".join(rows) if rows else "    { 0, 0, 0 }")
        out.write("\n};\n")
        escaped = "".join("\\%03o" % b for b in names) if names else ""
        out.write('SYM const char mica_symbol_names[] = "%s";\n' % escaped)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--empty":
        write_table([], sys.argv[2])
    elif len(sys.argv) == 3:
        write_table(read_functions(sys.argv[1]), sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
