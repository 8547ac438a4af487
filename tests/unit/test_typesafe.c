/*
 * mfn_t and gfn_t (include/frame_nr.h): in debug builds a gfn passed where
 * an mfn is expected must not compile; release builds keep plain integers.
 * Each case compiles tests/unit/typesafe_probe.c with the host compiler.
 */
#include <stdio.h>
#include <stdlib.h>

#include "types.h"
#include "unit.h"

/* 0 if the probe compiles with these extra flags. */
static int compile_probe(const char *flags)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd),
             "${CC:-gcc} -std=gnu11 -Wall -Wextra -Werror -fsyntax-only -Iinclude %s "
             "tests/unit/typesafe_probe.c 2>/dev/null",
             flags);
    return system(cmd);
}

static void test_correct_use_compiles(void)
{
    CHECK_EQ(compile_probe("-DMICA_DEBUG"), 0);
    CHECK_EQ(compile_probe(""), 0);
}

static void test_debug_build_refuses_a_swap(void)
{
    CHECK(compile_probe("-DMICA_DEBUG -DPROBE_GFN_AS_MFN") != 0);
    CHECK(compile_probe("-DMICA_DEBUG -DPROBE_MFN_AS_GFN") != 0);
    CHECK(compile_probe("-DMICA_DEBUG -DPROBE_MFN_PLUS_GFN") != 0);
}

static void test_release_build_has_plain_integers(void)
{
    /* The same code compiles without MICA_DEBUG: the types cost nothing. */
    CHECK_EQ(compile_probe("-DPROBE_GFN_AS_MFN"), 0);
    CHECK_EQ(sizeof(mfn_t), sizeof(uint64_t));
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_correct_use_compiles),
    UNIT_TEST(test_debug_build_refuses_a_swap),
    UNIT_TEST(test_release_build_has_plain_integers),
};

int main(void)
{
    return unit_run("typesafe", tests, ARRAY_SIZE(tests));
}
