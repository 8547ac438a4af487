# Test guests: builds every tests/guest/AREA/NAME.c into build/guest/NAME.elf,
# PVH ELF images that run under Mica or real Xen (tools/xen-oracle.sh run).
#
# Include from the top Makefile after BUILD and NASM are defined:
#     include tests/guest/guest.mk
# Layout:    tests/guest/lib/             the guest library, linked into every guest
#            tests/guest/AREA/NAME.c      a guest (core, smp, memop, xsm, bench, ...);
#                                         found by wildcard, so a new guest or a new
#                                         area needs no edit here. Headers shared in
#                                         an area sit beside its guests. NAME must be
#                                         unique over all areas: the images share one
#                                         folder.
# Targets:   guests                      every guest below
#            $(BUILD)/guest/NAME.elf      64-bit flavour of tests/guest/AREA/NAME.c
#            $(BUILD)/guest/NAME-32.elf   32-bit flavour (stays in 32-bit protected mode)
#            $(BUILD)/guest/NAME-elf32x64.elf, NAME-32-elf32x64.elf   either flavour
#                                         as an ELF32 file for x86-64, for the guests
#                                         in GUEST_AS_ELF32_X86_64
# Variables: GUEST_ELFS (all guest images), GUEST_ELFS_64, GUEST_ELFS_32,
#            GUEST_ELFS_ELF32_X86_64.
# Every variable here is prefixed GUEST_ so nothing clashes with the top Makefile.

GUEST_DIR := tests/guest
GUEST_OUT := $(BUILD)/guest
GUEST_CC ?= gcc
GUEST_NASM ?= $(NASM)
GUEST_OBJCOPY ?= objcopy

GUEST_CFLAGS_COMMON := -std=gnu11 -ffreestanding -fno-pic -fno-pie -mno-red-zone \
    -mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables \
    -fcf-protection=none -O2 -g -Wall -Wextra -Werror -Iinclude -I$(GUEST_DIR)/lib
GUEST_CFLAGS_64 := $(GUEST_CFLAGS_COMMON) -m64
GUEST_CFLAGS_32 := $(GUEST_CFLAGS_COMMON) -m32
# Linked through gcc for libgcc (64-bit division in the 32-bit printf).
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 \
    -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -T $(GUEST_DIR)/lib/guest.ld

GUEST_LIB_C := $(wildcard $(GUEST_DIR)/lib/*.c)
GUEST_LIB_H := $(wildcard $(GUEST_DIR)/*/*.h include/public/*.h include/public/*/*.h) \
    include/hypercall_defs.h
# trap.c, smp.c and probe64.asm are 64-bit only (long-mode IDT, 64-bit
# registers and entry state).
GUEST_LIB_OBJS_64 := $(GUEST_LIB_C:$(GUEST_DIR)/lib/%.c=$(GUEST_OUT)/lib64/%.o) \
    $(GUEST_OUT)/lib64/entry64.o $(GUEST_OUT)/lib64/probe64.o
GUEST_LIB_OBJS_32 := $(filter-out $(GUEST_OUT)/lib32/trap.o $(GUEST_OUT)/lib32/smp.o, \
    $(GUEST_LIB_C:$(GUEST_DIR)/lib/%.c=$(GUEST_OUT)/lib32/%.o)) \
    $(GUEST_OUT)/lib32/entry32.o

# Every tests/guest/AREA/NAME.c is a guest. test_compat32 exists only as 32-bit.
GUEST_ONLY_32 := test_compat32
# These start secondary vCPUs (the library does that in 64-bit mode only).
GUEST_ONLY_64 := test_shootdown race
GUEST_AREAS := $(filter-out lib,$(notdir $(patsubst %/,%,$(dir $(wildcard $(GUEST_DIR)/*/*.c)))))
GUEST_AREAS := $(sort $(GUEST_AREAS))
GUEST_SRCS := $(foreach area,$(GUEST_AREAS),$(wildcard $(GUEST_DIR)/$(area)/*.c))
GUEST_NAMES := $(basename $(notdir $(GUEST_SRCS)))
ifneq ($(words $(GUEST_NAMES)),$(words $(sort $(GUEST_NAMES))))
$(error two guests in tests/guest/*/ share a name: $(sort $(foreach n,$(GUEST_NAMES),$(if $(filter-out 1,$(words $(filter $(n),$(GUEST_NAMES)))),$(n)))))
endif
GUEST_ELFS_64 := $(patsubst %,$(GUEST_OUT)/%.elf,$(filter-out $(GUEST_ONLY_32),$(GUEST_NAMES)))
GUEST_ELFS_32 := $(patsubst %,$(GUEST_OUT)/%-32.elf,$(filter-out $(GUEST_ONLY_64),$(GUEST_NAMES)))
# Binutils' elf32-x86-64 (what `ld -m elf32_x86_64` writes, and what some
# PVH kernels are linked as): the same code and PVH note in an ELF32 file
# whose e_machine is x86-64. Made for a few guests, from both flavours.
GUEST_AS_ELF32_X86_64 := hello acpi_tables
GUEST_ELFS_ELF32_X86_64 := $(foreach g,$(GUEST_AS_ELF32_X86_64), \
    $(GUEST_OUT)/$(g)-elf32x64.elf $(GUEST_OUT)/$(g)-32-elf32x64.elf)
GUEST_ELFS := $(GUEST_ELFS_64) $(GUEST_ELFS_32) $(GUEST_ELFS_ELF32_X86_64)

# Keep the objects make would otherwise delete as intermediates.
.SECONDARY: $(GUEST_LIB_OBJS_64) $(GUEST_LIB_OBJS_32) \
    $(GUEST_NAMES:%=$(GUEST_OUT)/obj64/%.o) $(GUEST_NAMES:%=$(GUEST_OUT)/obj32/%.o)

.PHONY: guests
guests: $(GUEST_ELFS)

$(GUEST_OUT)/lib64/%.o: $(GUEST_DIR)/lib/%.c $(GUEST_LIB_H)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS_64) -c -o $@ $<

$(GUEST_OUT)/lib32/%.o: $(GUEST_DIR)/lib/%.c $(GUEST_LIB_H)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS_32) -c -o $@ $<

$(GUEST_OUT)/lib64/%.o: $(GUEST_DIR)/lib/%.asm
	@mkdir -p $(dir $@)
	$(GUEST_NASM) -f elf64 -g -F dwarf -o $@ $<

$(GUEST_OUT)/lib32/%.o: $(GUEST_DIR)/lib/%.asm
	@mkdir -p $(dir $@)
	$(GUEST_NASM) -f elf32 -g -F dwarf -o $@ $<

# One pair of pattern rules per area: make takes the one whose source exists.
define GUEST_AREA_RULES
$$(GUEST_OUT)/obj64/%.o: $$(GUEST_DIR)/$(1)/%.c $$(GUEST_LIB_H)
	@mkdir -p $$(dir $$@)
	$$(GUEST_CC) $$(GUEST_CFLAGS_64) -c -o $$@ $$<

$$(GUEST_OUT)/obj32/%.o: $$(GUEST_DIR)/$(1)/%.c $$(GUEST_LIB_H)
	@mkdir -p $$(dir $$@)
	$$(GUEST_CC) $$(GUEST_CFLAGS_32) -c -o $$@ $$<
endef
$(foreach area,$(GUEST_AREAS),$(eval $(call GUEST_AREA_RULES,$(area))))

$(GUEST_OUT)/%-32.elf: $(GUEST_OUT)/obj32/%.o $(GUEST_LIB_OBJS_32) $(GUEST_DIR)/lib/guest.ld
	$(GUEST_CC) -m32 $(GUEST_LDFLAGS) -o $@ $< $(GUEST_LIB_OBJS_32) -lgcc

$(GUEST_OUT)/%.elf: $(GUEST_OUT)/obj64/%.o $(GUEST_LIB_OBJS_64) $(GUEST_DIR)/lib/guest.ld
	$(GUEST_CC) -m64 $(GUEST_LDFLAGS) -o $@ $< $(GUEST_LIB_OBJS_64) -lgcc

# The stem is shorter than the rule above's, so make picks this one.
$(GUEST_OUT)/%-elf32x64.elf: $(GUEST_OUT)/%.elf
	$(GUEST_OBJCOPY) -O elf32-x86-64 $< $@
