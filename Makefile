# Mica: build, boot and test. `make help` lists the targets.

BUILD := build

# --- host unit tests ---------------------------------------------------------
# Each test_NAME is built from tests/unit/test_NAME.c, the harness, and the
# sources it names, for the host, under AddressSanitizer and UBSan.
HOST_CC := gcc
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Iinclude -DMICA_HOST \
               -DMICA_DEBUG -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer

UNIT_TESTS := buddy heap cmdline vsnprintf lock_order
UNIT_SRCS_buddy := mm/buddy.c
UNIT_SRCS_heap := mm/heap.c mm/buddy.c tests/unit/host_mm.c tests/unit/host_spinlock.c
UNIT_SRCS_cmdline := common/cmdline.c
UNIT_SRCS_vsnprintf := common/vsnprintf.c
UNIT_SRCS_lock_order := common/lock_order.c

UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/unit/test_%)

.SECONDEXPANSION:
$(BUILD)/unit/test_%: tests/unit/test_%.c tests/unit/unit.c $$(UNIT_SRCS_$$*) $(wildcard include/*.h) tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ tests/unit/test_$*.c tests/unit/unit.c $(UNIT_SRCS_$*)

.PHONY: unit
unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do $$t; done
