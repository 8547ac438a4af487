/*
 * The parts of the ELF format (System V ABI, "ELF-64 Object File Format")
 * the domain builder reads: file header, program headers, notes.
 */
#ifndef MICA_ELF_H
#define MICA_ELF_H

#include "types.h"

#define ELF_MAGIC "\177ELF"
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_NOTE 4

struct elf_ident {
    uint8_t magic[4];
    uint8_t class; /* ELFCLASS32 / ELFCLASS64 */
    uint8_t data;  /* ELFDATA2LSB */
    uint8_t version;
    uint8_t pad[9];
};

struct elf32_ehdr {
    struct elf_ident ident;
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_ehdr {
    struct elf_ident ident;
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf32_phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

/* A note: header, then the name and the descriptor, each padded to 4 bytes
 * (the same layout in ELF32 and ELF64 files as produced by the GNU tools). */
struct elf_note {
    uint32_t namesz, descsz, type;
};

_Static_assert(sizeof(struct elf32_ehdr) == 52, "ELF32 header");
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header");
_Static_assert(sizeof(struct elf32_phdr) == 32, "ELF32 program header");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header");

#endif
