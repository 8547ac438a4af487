# Mica: build, boot and test.   `make help` lists the targets.

BUILD := build
DEBUG ?= 1

QEMU := qemu-system-x86_64
QEMU_MACHINE := -machine q35 -cpu qemu64,+svm,+npt -m 256 -display none -no-reboot \
                -device isa-debug-exit,iobase=0xf4,iosize=0x04
RUN_CPUS ?= 2

# --- Mica itself ----------------------------------------------------------------
CC := gcc
LD := ld
NASM := nasm
CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude \
          -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
          -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
          -fno-omit-frame-pointer -fno-optimize-sibling-calls \
          -fno-asynchronous-unwind-tables -fcf-protection=none
ifeq ($(DEBUG),1)
CFLAGS += -DMICA_DEBUG
endif
LDFLAGS := -nostdlib -static -z noexecstack -z max-page-size=0x1000 --no-warn-rwx-segments -T linker.ld

C_SRCS := $(wildcard arch/x86/*.c arch/x86/svm/*.c arch/x86/emulate/*.c common/*.c common/compat/*.c lib/*.c mm/*.c mm/p2m/*.c xsm/*.c)
ASM_SRCS := $(wildcard boot/*.asm arch/x86/*.asm arch/x86/svm/*.asm xsm/*.asm)
OBJS := $(C_SRCS:%.c=$(BUILD)/obj/%.o) $(ASM_SRCS:%.asm=$(BUILD)/obj/%.o)
DEPS := $(OBJS:.o=.d)

.PHONY: all
all: $(BUILD)/mica.iso

include tests/guest/guest.mk

$(BUILD)/obj/%.o: %.c $(BUILD)/cflags
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: %.asm
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@$(NASM) -f elf64 -g -F dwarf -i $(BUILD)/ -o $@ $<

# The boot code's shared numbers (nasm's %include, which make does not see).
$(BUILD)/obj/boot/entry.o $(BUILD)/obj/boot/trampoline.o: boot/x86.inc

# The built-in FLASK policy, compiled from its source at build time.
$(BUILD)/obj/xsm/default_policy.o: $(BUILD)/policy.bin
$(BUILD)/policy.bin: xsm/policy/default.te $(BUILD)/tools/policyc
	$(BUILD)/tools/policyc xsm/policy/default.te -o $@

# Rebuild everything when the flags change (DEBUG=0 vs 1).
$(BUILD)/cflags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CFLAGS)' | cmp -s - $@ || echo '$(CFLAGS)' > $@

# The symbol table needs two links: the first gives the addresses, the second
# builds them in (tools/gen_symbols.py). The table lives in the last section,
# so filling it moves no function; the check below proves it.
$(BUILD)/mica.elf: $(OBJS) linker.ld tools/gen_symbols.py
	python3 tools/gen_symbols.py --empty $(BUILD)/symbols_empty.c
	$(CC) $(CFLAGS) -c -o $(BUILD)/symbols_empty.o $(BUILD)/symbols_empty.c
	$(LD) $(LDFLAGS) -o $(BUILD)/mica.pass1.elf $(OBJS) $(BUILD)/symbols_empty.o
	nm -n -S --defined-only $(BUILD)/mica.pass1.elf > $(BUILD)/mica.pass1.nm
	python3 tools/gen_symbols.py $(BUILD)/mica.pass1.nm $(BUILD)/symbols.c
	$(CC) $(CFLAGS) -c -o $(BUILD)/symbols.o $(BUILD)/symbols.c
	$(LD) $(LDFLAGS) -o $@ $(OBJS) $(BUILD)/symbols.o
	nm -n -S --defined-only $@ | grep -i ' t ' > $(BUILD)/mica.nm
	grep -i ' t ' $(BUILD)/mica.pass1.nm | cmp -s - $(BUILD)/mica.nm || \
	    { echo "symbol table moved code between links"; rm -f $@; exit 1; }

# The demo domains that `make run` boots (module2 lines in boot/grub.cfg).
DEMO_GUESTS := $(BUILD)/guest/hello.elf $(BUILD)/guest/hello-32.elf

$(BUILD)/mica.iso: $(BUILD)/mica.elf boot/grub.cfg tools/mkiso.py $(DEMO_GUESTS)
	python3 tools/mkiso.py --out $@ --grub-cfg boot/grub.cfg \
	    $(foreach g,$(DEMO_GUESTS),--file $(g):$(notdir $(g))) $(BUILD)/mica.elf

-include $(DEPS)

# --- running ----------------------------------------------------------------------
.PHONY: deps run debug
deps:
	@tools/install-deps.sh

# Boots the ISO; QEMU's exit status 33 is Mica's clean end of run.
run: deps $(BUILD)/mica.iso
	@echo "Booting Mica in QEMU ($(RUN_CPUS) CPUs); the serial console follows."
	@$(QEMU) $(QEMU_MACHINE) -smp $(RUN_CPUS) -serial stdio -cdrom $(BUILD)/mica.iso; \
	  status=$$?; tools/exit-status.sh $$status

# QEMU waits for gdb (tools/mica-run --gdb, which prints the gdb command that
# attaches with the Mica commands of tools/mica-gdb.py; docs/debugging.md).
#   make debug CMDLINE="p2m-dump" GUESTS="build/guest/p2m_demo.elf:name=demo,--,seconds=600"
# Without GUESTS: the two demo domains of `make run`.
CMDLINE ?=
GUESTS ?= $(BUILD)/guest/hello.elf:name=hello,mem=16M $(BUILD)/guest/hello-32.elf:name=hello-32,mem=16M,vcpus=1
DEBUG_IMAGES := $(filter $(BUILD)/guest/%.elf,$(foreach g,$(GUESTS),$(firstword $(subst :, ,$(g)))))

debug: deps $(BUILD)/mica.elf $(DEBUG_IMAGES)
	@tools/mica-run --gdb --cpus $(RUN_CPUS) --mem 256M --cmdline "$(CMDLINE)" $(GUESTS); \
	  status=$$?; test $$status = 0 || echo "mica-run: exit status $$status (1 a failure, 2 Mica panicked, 3 anything else: gdb's kill, Ctrl-C)"

# Debian's Linux as a PVH guest (docs/linux.md): build/linux/vmlinux and
# build/linux/initramfs.cpio.gz, fetched and built once (tools/linux.py).
LINUX_GUEST := $(BUILD)/linux/vmlinux:name=linux,mem=256M,vcpus=2,no-priv,--,console=hvc0
.PHONY: linux linux-run
linux: deps
	@python3 tools/linux.py >/dev/null

# Linux with its shell on this terminal: `poweroff` ends the run.
linux-run: linux $(BUILD)/mica.elf
	@tools/mica-run --cpus 2 --mem 1G --boot-module linux=$(BUILD)/linux/initramfs.cpio.gz \
	  $(LINUX_GUEST); status=$$?; test $$status = 0 || echo "mica-run: exit status $$status"

# --- tests --------------------------------------------------------------------------
# Host unit tests: each test_NAME is built from tests/unit/test_NAME.c, the
# harness, and the sources it names, for the host, under ASan and UBSan.
HOST_CC := gcc
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Iinclude -DMICA_HOST \
               -DMICA_DEBUG -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer

# The tests of lib/: test_NAME links lib/NAME.c and nothing else, the
# folder's rule (docs/ARCHITECTURE.md).
LIB_UNIT_TESTS := cmdline vsnprintf lock_order evtchn_2l evtchn_fifo serial_rx time_scale \
                  timer_queue calendar alloc_fail apic_regs string
$(foreach t,$(LIB_UNIT_TESTS),$(eval UNIT_SRCS_$(t) := lib/$(t).c))
UNIT_TESTS := buddy heap p2m vmcb_check policyc flask typesafe guest_acpi emulate guest_cr \
              guest_access physmap physmap_audit $(LIB_UNIT_TESTS)
UNIT_SRCS_buddy := mm/buddy.c
UNIT_SRCS_heap := mm/heap.c mm/buddy.c tests/unit/host_mm.c tests/unit/host_spinlock.c
UNIT_SRCS_emulate := arch/x86/emulate/decode.c arch/x86/emulate/emulate.c arch/x86/emulate/alu.c
# Every call of the test must reach lib/string.c, not gcc's inline builtins.
UNIT_CFLAGS_string := -fno-builtin
UNIT_SRCS_p2m := mm/p2m/p2m.c mm/buddy.c tests/unit/host_mm.c tests/unit/host_spinlock.c
UNIT_SRCS_guest_access := common/guest_access.c mm/p2m/p2m.c mm/buddy.c tests/unit/host_mm.c \
                          tests/unit/host_spinlock.c tests/unit/host_gfn.c
UNIT_SRCS_physmap := mm/p2m/physmap.c mm/p2m/p2m.c mm/frame_owner.c mm/frame_ref.c mm/buddy.c \
                     tests/unit/host_mm.c tests/unit/host_spinlock.c tests/unit/host_gfn.c
UNIT_SRCS_physmap_audit := mm/p2m/physmap.c mm/p2m/p2m.c mm/p2m/p2m_audit.c mm/frame_owner.c \
                           mm/frame_ref.c mm/buddy.c tests/unit/host_mm.c \
                           tests/unit/host_spinlock.c tests/unit/host_gfn.c
UNIT_SRCS_vmcb_check := arch/x86/svm/vmcb_check.c
UNIT_SRCS_guest_acpi := arch/x86/guest_acpi.c
UNIT_SRCS_guest_cr := arch/x86/svm/guest_cr_rules.c arch/x86/svm/mov_cr_decode.c
UNIT_SRCS_policyc := tools/policyc.c
UNIT_CFLAGS_policyc := -DPOLICYC_NO_MAIN -Itools
UNIT_SRCS_flask := xsm/flask_policy.c xsm/flask_avc.c mm/heap.c mm/buddy.c tests/unit/host_mm.c tests/unit/host_spinlock.c tools/policyc.c
UNIT_CFLAGS_flask := -DPOLICYC_NO_MAIN -Itools

# The policy compiler, a host tool (tools/policyc.c).
$(BUILD)/tools/policyc: tools/policyc.c tools/policyc.h include/public/xsm/flask_policy.h include/public/xsm/flask_classes.h
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude -o $@ tools/policyc.c

UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/unit/test_%)

.SECONDEXPANSION:
$(BUILD)/unit/test_%: tests/unit/test_%.c tests/unit/unit.c $$(UNIT_SRCS_$$*) $(wildcard include/*.h include/*/*.h include/*/*/*.h tools/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(UNIT_CFLAGS_$*) -o $@ tests/unit/test_$*.c tests/unit/unit.c $(UNIT_SRCS_$*)

# The oracle of the FLASK policy-loader fuzz test (tests/guest/xsm/xsm_tests.py):
# the guest's policies fed to the host build of the parser.
FUZZ_ORACLE := $(BUILD)/unit/flask_fuzz_oracle
$(FUZZ_ORACLE): tests/unit/flask_fuzz_oracle.c tests/guest/xsm/policy_fuzz.h \
                tests/guest/xsm/policy_builder.h xsm/flask_policy.c mm/heap.c mm/buddy.c \
                tests/unit/host_mm.c tests/unit/host_spinlock.c $(wildcard include/*.h include/*/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ tests/unit/flask_fuzz_oracle.c xsm/flask_policy.c mm/heap.c \
	    mm/buddy.c tests/unit/host_mm.c tests/unit/host_spinlock.c

.PHONY: unit unit-test test check
unit: $(UNIT_BINS) $(FUZZ_ORACLE)

# The host unit tests alone (seconds): build, run, "N passed, N failed".
unit-test: unit
	python3 tests/run_tests.py --unit $(UNIT_BINS) --only $(BUILD)/unit/

# Every test: host unit tests, then Mica booted in QEMU (tests/run_tests.py).
test: deps unit $(BUILD)/mica.elf release guests linux
	python3 tests/run_tests.py --unit $(UNIT_BINS)

# The release build (DEBUG=0) in its own folder, beside the debug one: the
# memop and p2m tests run against it too (tests/release_tests.py).
.PHONY: release
release:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/release DEBUG=0 $(BUILD)/release/mica.elf

# Mutation testing (tools/mutate.py, docs/testing.md): each mutant of
# tools/mutants.txt alone, in a copy of the tree. Long: not part of `test`.
# QUICK=1: only the mutants host unit tests catch. MUTANTS=SUBSTRING: some.
.PHONY: mutate
mutate: deps
	python3 tools/mutate.py $(if $(QUICK),--quick) $(if $(MUTANTS),--only $(MUTANTS))

# Mica under hostile guests for minutes: a million fuzzed hypercalls, a
# million racing operations and a thousand domains built by a guest
# (tools/soak.py; docs/reliability.md). Prints each run's rate; exit status
# 0 only if every run passed.
.PHONY: soak
soak: deps $(BUILD)/mica.elf guests
	python3 tools/soak.py

# Graded labs (docs/labs/): builds, then runs the tests that grade lab LAB and
# prints "grade LAB: SCORE/TOTAL (PCT%)" (tools/grade.py). Exit status 0 only
# on full marks. A lab tree comes from tools/mklab LAB DEST.
LAB ?=
.PHONY: grade
grade: deps unit $(BUILD)/mica.elf guests
	@test -n "$(LAB)" || { echo "make grade LAB=NAME; labs: $$(tools/mklab --list | tr '\n' ' ')"; exit 2; }
	python3 tools/grade.py $(LAB)

# Deterministic benchmarks, Mica beside Xen 4.17 (tools/bench.py).
.PHONY: bench test-xen
bench: deps
	python3 tools/bench.py

# The self-only guest tests under real Xen 4.17 (the test oracle).
test-xen: deps guests
	tools/test-xen.sh

# Static analysis and the format check (tools/format-check.sh against
# .clang-format); CI runs it before the tests.
check: deps
	tools/format-check.sh
	cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 \
	    --inline-suppr -Iinclude -D__x86_64__ arch common lib mm xsm tools/policyc.c

# --- figures --------------------------------------------------------------------------
# docs/p2m.md's pictures: a real run's p2m dumps (the remap of test_shootdown,
# with p2m-dump) drawn by tools/p2m-view. `make figures` boots it again and
# redraws; `make figures-svg` only redraws from the committed log. PNG copies
# for a look go to build/figures/ when rsvg-convert is there.
FIGURES := docs/figures
FIGURE_LOG := $(FIGURES)/shootdown-remap.log
.PHONY: figures figures-svg
figures: $(BUILD)/mica.elf $(BUILD)/guest/test_shootdown.elf
	tools/mica-run --cmdline p2m-dump --cpus 2 \
	    "$(BUILD)/guest/test_shootdown.elf:vcpus=2,name=demo,--,mode=remap,rounds=1" | tr -d '\r' > $(FIGURE_LOG).new
	mv $(FIGURE_LOG).new $(FIGURE_LOG)
	$(MAKE) figures-svg

figures-svg:
	tools/p2m-view $(FIGURE_LOG) -n first -o $(FIGURES)/p2m-fresh.svg
	tools/p2m-view $(FIGURE_LOG) -n last -o $(FIGURES)/p2m-remapped.svg
	tools/p2m-view $(FIGURE_LOG) --diff first last -o $(FIGURES)/p2m-remap-diff.svg
	@mkdir -p $(BUILD)/figures
	@if command -v rsvg-convert >/dev/null; then \
	    for f in $(FIGURES)/*.svg; do rsvg-convert -o $(BUILD)/figures/$$(basename $$f .svg).png $$f; done; \
	    echo "PNG copies in $(BUILD)/figures/"; fi

.PHONY: clean help FORCE
clean:
	rm -rf $(BUILD)

help:
	@echo "make          build build/mica.elf and build/mica.iso"
	@echo "make run      boot the ISO in QEMU (serial console here); RUN_CPUS=N"
	@echo "make debug    QEMU waits for gdb; prints the gdb command (Mica commands: mica-domains,"
	@echo "              mica-p2m, mica-walk); CMDLINE=\"...\" GUESTS=\"build/guest/x.elf:opts ...\""
	@echo "make guests   build every test guest (build/guest/*.elf)"
	@echo "make unit     build the host unit tests (build/unit/test_*; make test runs them)"
	@echo "make unit-test  build and run only the host unit tests"
	@echo "make test     every test: host unit tests and QEMU boot tests (debug and release builds)"
	@echo "make release  build/release/mica.elf, built with DEBUG=0"
	@echo "make mutate   mutation testing (tools/mutants.txt); QUICK=1: unit-caught mutants only"
	@echo "make soak     a million fuzzed hypercalls and racing operations, 1000 domains built; the rates"
	@echo "make grade   LAB=NAME: grade a lab (docs/labs/; tools/mklab LAB DEST makes its tree)"
	@echo "make bench    deterministic benchmarks, Mica beside Xen 4.17"
	@echo "make test-xen the self-only guest tests under real Xen 4.17"
	@echo "make check    format check (.clang-format) and cppcheck; CI runs it"
	@echo "make figures  docs/p2m.md's p2m pictures from a fresh run (figures-svg: redraw only)"
	@echo "make clean    remove build/"
	@echo "DEBUG=0       a build without run-time lock-order checks"
