/* The host unit-test harness (see unit.h). */
#include "unit.h"

int unit_failed_checks;
char unit_first_failure[256];

int unit_run(const char *suite, const struct unit_test *tests, size_t count)
{
    int failed = 0;

    for (size_t i = 0; i < count; i++) {
        unit_failed_checks = 0;
        unit_first_failure[0] = '\0';
        tests[i].fn();
        if (unit_failed_checks) {
            failed++;
            printf("FAIL unit/%s/%s: %s\n", suite, tests[i].name, unit_first_failure);
        } else {
            printf("PASS unit/%s/%s\n", suite, tests[i].name);
        }
        fflush(stdout);
    }
    return failed;
}
