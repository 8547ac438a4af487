"""gdb commands that know Mica (docs/debugging.md): mica-domains, mica-p2m DOMID,
mica-walk DOMID GFN. Load with `gdb -x tools/mica-gdb.py build/mica.elf`.

They only read memory, never call into Mica (an inferior call from gdb into a
QEMU-emulated hypervisor can drop the connection). Structures (struct domain,
struct vcpu, struct p2m, enum p2m_type, the static list `domlist` of
common/domain.c) come from build/mica.elf's debug information. Preprocessor
constants are not in it (Mica builds with -g, not -g3), so the few this file
needs are written below, in CONSTANTS, each naming the header it comes from;
tests/gdb_tests.py (the host test gdb/constants) compiles those headers and
fails if any value here differs. Machine frames are read through Mica's
direct map: machine address + DIRECTMAP_BASE, a virtual address of Mica's own
page tables, so the reads run on a CPU stopped in Mica (the commands pick one).

Without gdb (e.g. imported by the host test) only CONSTANTS and the pure
helpers below are defined.
"""

# ---- Mica's values (checked against the headers by tests/gdb_tests.py) -------------

CONSTANTS = {
    # include/x86/memlayout.h
    "DIRECTMAP_BASE": 0xFFFF880000000000,
    "KERNEL_VBASE": 0xFFFFFFFF80000000,
    # include/x86/pte.h: entry bits, the address field, table geometry
    "PTE_PRESENT": 1 << 0,
    "PTE_WRITE": 1 << 1,
    "PTE_USER": 1 << 2,
    "PTE_PWT": 1 << 3,
    "PTE_PCD": 1 << 4,
    "PTE_ACCESSED": 1 << 5,
    "PTE_DIRTY": 1 << 6,
    "PTE_LARGE": 1 << 7,
    "PTE_NX": 1 << 63,
    "PTE_ADDR_MASK": 0x000FFFFFFFFFF000,
    "PT_LEVELS": 4,
    "PT_INDEX_BITS": 9,
    "PT_ENTRIES": 512,
    "PAGE_SHIFT": 12,
    # include/x86/npt.h: the p2m type in the software bits 11:9
    "NPT_TYPE_SHIFT": 9,
    "NPT_TYPE_MASK": 7 << 9,
}

# include/x86/npt.h, npt_type_bits(): the permission bits of each p2m type
# (include/p2m/p2m_types.h's numbers), so a walk can say if a leaf disagrees.
_P, _W, _U, _NX = (CONSTANTS[k] for k in ("PTE_PRESENT", "PTE_WRITE", "PTE_USER", "PTE_NX"))
_PCD_PWT = CONSTANTS["PTE_PCD"] | CONSTANTS["PTE_PWT"]
TYPE_BITS = {
    0: 0,                               # p2m_invalid
    1: _P | _U | _W,                    # p2m_ram_rw
    2: _P | _U,                         # p2m_ram_ro
    3: _P | _U | _W | _NX,              # p2m_grant_map_rw
    4: _P | _U | _NX,                   # p2m_grant_map_ro
    5: _P | _U | _W | _NX | _PCD_PWT,   # p2m_mmio_direct
    6: _P | _U | _W | _NX,              # p2m_map_foreign
}
# The bits npt_type_bits() may set: a leaf's other low bits are A and D (set by
# the CPU), PS, the type field and the address.
PERM_MASK = _P | _W | _U | _NX | _PCD_PWT

# What p2m_dump (mm/p2m/p2m_dump.c) calls each type when the symbols cannot say.
TYPE_NAMES = {0: "invalid", 1: "ram_rw", 2: "ram_ro", 3: "grant_map_rw", 4: "grant_map_ro",
              5: "mmio_direct", 6: "map_foreign"}


def level_order(level):
    """PT_LEVEL_ORDER: log2 of the 4 KiB frames one entry at `level` covers."""
    return CONSTANTS["PT_INDEX_BITS"] * level


def pt_index_frame(frame, level):
    """pt_index_frame (pte.h): the entry for a frame number in a table at `level`."""
    return (frame >> level_order(level)) & (CONSTANTS["PT_ENTRIES"] - 1)


def entry_present(e):
    return bool(e & CONSTANTS["PTE_PRESENT"])


def entry_is_leaf(e, level):
    return level == 0 or bool(e & CONSTANTS["PTE_LARGE"])


def entry_mfn(e):
    return (e & CONSTANTS["PTE_ADDR_MASK"]) >> CONSTANTS["PAGE_SHIFT"]


def entry_type(e):
    """npt_type: the type field of a present entry, else 0 (p2m_invalid)."""
    if not entry_present(e):
        return 0
    return (e & CONSTANTS["NPT_TYPE_MASK"]) >> CONSTANTS["NPT_TYPE_SHIFT"]


def entry_flags(e):
    """The decoded bits, e.g. "P W U -PS -NX" (a '-' for a clear bit)."""
    names = (("P", "PTE_PRESENT"), ("W", "PTE_WRITE"), ("U", "PTE_USER"), ("PS", "PTE_LARGE"),
             ("NX", "PTE_NX"))
    words = [(n if e & CONSTANTS[k] else "-" + n) for n, k in names]
    if e & (CONSTANTS["PTE_PCD"] | CONSTANTS["PTE_PWT"]):
        words.append("PCD" if e & CONSTANTS["PTE_PCD"] else "-PCD")
        words.append("PWT" if e & CONSTANTS["PTE_PWT"] else "-PWT")
    if e & CONSTANTS["PTE_ACCESSED"]:
        words.append("A")
    if e & CONSTANTS["PTE_DIRTY"]:
        words.append("D")
    return " ".join(words)


def size_name(order):
    return {0: "4K", 9: "2M", 18: "1G"}.get(order, "2^%d pages" % order)


def coalesce(leaves):
    """p2m_dump's runs: leaves (gfn, mfn, order, type) in gfn order -> lists
    [gfn, mfn, order, type, count] of leaves contiguous in gfn and mfn."""
    runs = []
    for gfn, mfn, order, t in leaves:
        if runs:
            r = runs[-1]
            pages = r[4] << r[2]
            if r[2] == order and r[3] == t and r[0] + pages == gfn and r[1] + pages == mfn:
                r[4] += 1
                continue
        runs.append([gfn, mfn, order, t, 1])
    return runs


def format_run(run, type_name):
    """One line as p2m_dump's print_run prints it."""
    gfn, mfn, order, t, count = run
    pages = count << order
    return "  gfn 0x%05x-0x%05x -> mfn 0x%05x-0x%05x  %s x%-5u %s" % (
        gfn, gfn + pages - 1, mfn, mfn + pages - 1, size_name(order), count, type_name(t))


# ---- the gdb commands ----------------------------------------------------------------

try:
    import gdb
except ImportError:         # imported by the host test
    gdb = None


if gdb is not None:

    class MicaError(Exception):
        pass

    def _u64(value):
        """A gdb.Value holding an mfn_t/gfn_t (a one-member struct in debug
        builds, a plain integer in release ones) or an integer -> int."""
        if value.type.strip_typedefs().code == gdb.TYPE_CODE_STRUCT:
            value = value[value.type.strip_typedefs().fields()[0]]
        return int(value) & 0xFFFFFFFFFFFFFFFF

    def _enum_name(value, prefix):
        """DOMAIN_RUNNING -> running."""
        text = str(value)
        return text[len(prefix):].lower() if text.startswith(prefix) else text

    def _type_name(t):
        """A p2m type's name as p2m_dump prints it, from the symbols' enum p2m_type."""
        try:
            for field in gdb.lookup_type("enum p2m_type").fields():
                if field.enumval == t:
                    return field.name[len("p2m_"):] if field.name.startswith("p2m_") else field.name
        except gdb.error:
            pass
        return TYPE_NAMES.get(t, "type%d" % t)

    class _InMica:
        """Select, for the duration, a CPU (gdb thread) whose PC is in Mica's
        image: its CR3 is Mica's, so the direct map is there. A CPU stopped in
        a guest runs on the guest's page tables."""

        def __enter__(self):
            self.before = gdb.selected_thread()
            chosen = None
            for thread in sorted(gdb.selected_inferior().threads(), key=lambda t: t.num):
                thread.switch()
                try:
                    pc = int(gdb.parse_and_eval("$pc")) & 0xFFFFFFFFFFFFFFFF
                except gdb.error:
                    continue
                if pc >= CONSTANTS["KERNEL_VBASE"]:
                    chosen = thread
                    if thread == self.before:
                        break
            if chosen is None:
                self.__exit__(None, None, None)
                raise MicaError("no CPU is stopped in Mica (each is in a guest or not yet "
                                "booted): break in Mica first, e.g. `break physmap_add`")
            chosen.switch()
            return self

        def __exit__(self, *exc):
            if self.before is not None and self.before.is_valid():
                self.before.switch()
            return False

    def _read_frame(mfn):
        """The 512 entries of the table page at machine frame mfn (direct map)."""
        addr = CONSTANTS["DIRECTMAP_BASE"] + (mfn << CONSTANTS["PAGE_SHIFT"])
        try:
            data = bytes(gdb.selected_inferior().read_memory(addr, 1 << CONSTANTS["PAGE_SHIFT"]))
        except gdb.MemoryError:
            raise MicaError("cannot read mfn 0x%x at its direct-map address 0x%x" % (mfn, addr))
        return [int.from_bytes(data[i:i + 8], "little") for i in range(0, len(data), 8)]

    def _domains():
        """Every domain on Mica's list (common/domain.c's static `domlist`)."""
        sym = gdb.lookup_static_symbol("domlist")
        if sym is None:
            raise MicaError("no symbol domlist: is build/mica.elf loaded (gdb build/mica.elf)?")
        head = sym.value()
        head_addr = int(head.address)
        dom_type = gdb.lookup_type("struct domain")
        offset = dom_type["domlist_link"].bitpos // 8
        pos = head["next"]
        seen = 0
        while int(pos) != head_addr:
            if int(pos) == 0 or seen > 4096:
                raise MicaError("the domain list looks broken (Mica not booted that far?)")
            yield gdb.Value(int(pos) - offset).cast(dom_type.pointer()).dereference()
            pos = pos["next"]
            seen += 1

    def _domain(domid):
        for d in _domains():
            if int(d["domid"]) == domid:
                return d
        raise MicaError("no domain d%d (mica-domains lists them)" % domid)

    def _name(d):
        return d["name"].string()

    def _leaves(table_mfn, level, base):
        """(gfn, mfn, order, type) of every leaf under a table, in gfn order,
        as p2m_for_each_leaf visits them."""
        for i, e in enumerate(_read_frame(table_mfn)):
            if not entry_present(e):
                continue
            gfn = base + (i << level_order(level))
            if entry_is_leaf(e, level):
                yield gfn, entry_mfn(e), level_order(level), entry_type(e)
            else:
                yield from _leaves(entry_mfn(e), level - 1, gfn)

    def _tables(table_mfn, level):
        """(mfn, level) of every table page, as p2m_for_each_table visits them."""
        yield table_mfn, level
        if level == 0:
            return
        for e in _read_frame(table_mfn):
            if entry_present(e) and not entry_is_leaf(e, level):
                yield from _tables(entry_mfn(e), level - 1)

    def _int_arg(text, what):
        try:
            return int(gdb.parse_and_eval(text)) & 0xFFFFFFFFFFFFFFFF
        except gdb.error as e:
            raise MicaError("%s: %s" % (what, e))

    class _MicaCommand(gdb.Command):
        def invoke(self, arg, from_tty):
            try:
                with _InMica():
                    self.run(gdb.string_to_argv(arg))
            except MicaError as e:
                raise gdb.GdbError("%s: %s" % (self.name, e))
            except gdb.error as e:      # e.g. a pointer that cannot be read
                raise gdb.GdbError("%s: %s (is Mica stopped in a consistent state?)"
                                   % (self.name, e))

    class MicaDomains(_MicaCommand):
        """mica-domains: every domain: id, name, state, pages, its vCPUs (state,
        and the CPU running it)."""
        name = "mica-domains"

        def __init__(self):
            super().__init__(self.name, gdb.COMMAND_DATA)

        def run(self, argv):
            count = 0
            for d in _domains():
                count += 1
                flags = ", privileged" if bool(d["privileged"]) else ""
                print("d%u (%s): %s, %u pages (max %u), %u p2m table pages, %u vCPU(s)%s" % (
                    int(d["domid"]), _name(d), _enum_name(d["state"], "DOMAIN_"),
                    int(d["tot_pages"]), int(d["max_pages"]), int(d["p2m"]["table_pages"]),
                    int(d["nr_vcpus"]), flags))
                for i in range(int(d["nr_vcpus"])):
                    v = d["vcpus"][i]
                    if int(v) == 0:
                        continue
                    v = v.dereference()
                    cpu = int(v["processor"])
                    print("  vCPU%u: %s%s" % (int(v["id"]), _enum_name(v["state"], "VCPU_"),
                                              " on CPU%d" % cpu if cpu >= 0 else ""))
            if not count:
                print("no domains")

    class MicaP2m(_MicaCommand):
        """mica-p2m DOMID: the domain's p2m as p2m_dump prints it (the `p` key,
        the p2m-dump option): runs of leaves gfn -> mfn, page size, type; then
        its table pages. Read from the nested page tables, calling nothing."""
        name = "mica-p2m"

        def __init__(self):
            super().__init__(self.name, gdb.COMMAND_DATA)

        def run(self, argv):
            if len(argv) != 1:
                raise MicaError("usage: mica-p2m DOMID")
            d = _domain(_int_arg(argv[0], "DOMID"))
            p2m = d["p2m"]
            root = _u64(p2m["root"])
            top = CONSTANTS["PT_LEVELS"] - 1
            print("p2m of d%u (%s): %u pages owned, %u table pages, leaves up to %s" % (
                int(d["domid"]), _name(d), int(d["tot_pages"]), int(p2m["table_pages"]),
                "1G" if int(p2m["max_order"]) == level_order(2) else "2M"))
            for run in coalesce(_leaves(root, top, 0)):
                print(format_run(run, _type_name))
            for mfn, level in _tables(root, top):
                print("  table L%u at mfn 0x%x" % (level, mfn))

    class MicaWalk(_MicaCommand):
        """mica-walk DOMID GFN: walk one gfn through the domain's nested page
        table, level by level: each level's table mfn, index, raw entry and its
        decoded bits and type field, then the mfn it reaches or where it stops."""
        name = "mica-walk"

        def __init__(self):
            super().__init__(self.name, gdb.COMMAND_DATA)

        def run(self, argv):
            if len(argv) != 2:
                raise MicaError("usage: mica-walk DOMID GFN")
            d = _domain(_int_arg(argv[0], "DOMID"))
            gfn = _int_arg(argv[1], "GFN")
            max_gfn = (1 << level_order(CONSTANTS["PT_LEVELS"])) - 1
            print("walk of gfn 0x%x in d%u (%s), root (L3) at mfn 0x%x:" % (
                gfn, int(d["domid"]), _name(d), _u64(d["p2m"]["root"])))
            if gfn > max_gfn:
                print("  gfn beyond 48-bit guest-physical addresses (P2M_MAX_GFN 0x%x): "
                      "never mapped" % max_gfn)
                return
            table = _u64(d["p2m"]["root"])
            for level in range(CONSTANTS["PT_LEVELS"] - 1, -1, -1):
                index = pt_index_frame(gfn, level)
                e = _read_frame(table)[index]
                t = entry_type(e)
                head = "  L%u table mfn 0x%-6x index %3u  entry 0x%016x  %-17s type %u" % (
                    level, table, index, e, entry_flags(e), t)
                if not entry_present(e):
                    print(head + "  -> not present")
                    print("gfn 0x%x is not mapped (stops at L%u): a guest access is a #NPF" % (
                        gfn, level))
                    return
                if not entry_is_leaf(e, level):
                    print(head + "  -> L%u table mfn 0x%x" % (level - 1, entry_mfn(e)))
                    table = entry_mfn(e)
                    continue
                order = level_order(level)
                offset = gfn & ((1 << order) - 1)
                print(head + " (%s)  -> %s leaf at mfn 0x%x" % (
                    _type_name(t), size_name(order), entry_mfn(e)))
                print("gfn 0x%x -> mfn 0x%x (%s leaf at L%u, %s, frame %u of the leaf)" % (
                    gfn, entry_mfn(e) + offset, size_name(order), level, _type_name(t), offset))
                expected = TYPE_BITS.get(t)
                if expected is None or (e & PERM_MASK) != expected:
                    print("  note: the permission bits do not match type %u's (npt_type_bits "
                          "gives 0x%x)" % (t, expected or 0))
                return

    MicaDomains()
    MicaP2m()
    MicaWalk()
    gdb.execute("set architecture i386:x86-64", to_string=True)
    print("Mica commands: mica-domains, mica-p2m DOMID, mica-walk DOMID GFN "
          "(help mica-p2m; docs/debugging.md)")
