/*
 * Ending Mica: on purpose (mica_exit) or because an invariant of Mica's own
 * broke (panic, ASSERT). Under QEMU the isa-debug-exit device turns the
 * code into QEMU's exit status ((code << 1) | 1; arch_stop,
 * arch/x86/stop.c), which is how tests learn the outcome; status 0 is never
 * used, because a triple fault also ends QEMU with 0.
 */
#ifndef MICA_PANIC_H
#define MICA_PANIC_H

#include "types.h"

enum mica_exit_code {
    MICA_EXIT_SUCCESS = 0x10, /* QEMU status 33: clean end of run */
    MICA_EXIT_FAILURE = 0x11, /* QEMU status 35: run ended, something failed */
    MICA_EXIT_PANIC = 0x12,   /* QEMU status 37: Mica itself faulted or panicked */
};

__attribute__((noreturn)) void mica_exit(enum mica_exit_code code);
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#endif
