/*
 * The test API for guests.
 *
 * A test program defines `void test_main(void)`, names itself with
 * TEST_NAME("cpuid") at file scope or guest_test_begin("cpuid") at run time,
 * and checks with CHECK / CHECK_EQ (a failed check prints file:line, the
 * expression and the values, is counted, and the test continues). After
 * test_main returns the library prints exactly one verdict line,
 *     PASS guest/<name>            or   FAIL guest/<name>: <n> checks failed
 * (<name> gets "-32" appended in the 32-bit flavour), then shuts the domain
 * down with SHUTDOWN_poweroff on PASS and SHUTDOWN_crash on FAIL.
 */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include "guest.h"
#include "console.h"
#include "hypercall.h"
#include <public/hvm/start_info.h>
#ifdef __x86_64__
#include "trap.h"
#include "smp.h"
#endif

/* Provided by each test program. */
void test_main(void);

/* Name the test at file scope: TEST_NAME("cpuid"); */
#define TEST_NAME(name) const char guest_test_name[] = name

/* Name the test at run time (overrides TEST_NAME). */
void guest_test_begin(const char *name);

/* The hvm_start_info the hypervisor passed in EBX. */
const struct hvm_start_info *guest_start_info(void);

/*
 * The guest's memory map: from hvm_start_info when it has one (version >= 1),
 * else from XENMEM_memory_map (Xen 4.17 gives its PVH dom0 a version 0
 * start_info without memmap). Fills up to max entries in the hvm_start_info
 * format; returns the number of entries, or a negative error.
 */
int guest_memory_map(struct hvm_memmap_table_entry *out, unsigned max);

/* Number of failed checks so far. */
unsigned guest_test_failures(void);

/* Record a failure with a message (printf format); counts as one check. */
void guest_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print "FAIL guest/<name>: <reason>" and shut down with SHUTDOWN_crash. */
void guest_test_abort(const char *reason) __attribute__((noreturn));

int guest_check(int ok, const char *file, int line, const char *expr);
int guest_check_eq(int ok, const char *file, int line, const char *ea, const char *eb, uint64_t a,
                   uint64_t b);

#define CHECK(cond) guest_check(!!(cond), __FILE__, __LINE__, #cond)

/* Compares as 64-bit integers (negative values sign-extend, so a long -38
 * equals -XEN_ENOSYS); prints both sides in hex and signed decimal. */
#define CHECK_EQ(a, b)                                                       \
    ({                                                                       \
        uint64_t _ga = (uint64_t)(int64_t)(a), _gb = (uint64_t)(int64_t)(b); \
        guest_check_eq(_ga == _gb, __FILE__, __LINE__, #a, #b, _ga, _gb);    \
    })

/* Called by the entry code: never returns. */
void guest_main(uint32_t start_info_pa) __attribute__((noreturn));

#endif /* GUEST_TEST_H */
