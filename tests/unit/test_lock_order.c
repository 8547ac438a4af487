/*
 * Unit tests for lib/lock_order.c: the lock-order rule and the stack of
 * held locks, with locks that are never actually taken (only their names
 * and levels matter here).
 */
#include <string.h>

#include "spinlock.h"
#include "unit.h"

static spinlock_t outer = SPINLOCK_INIT("outer", 10);
static spinlock_t middle = SPINLOCK_INIT("middle", 50);
static spinlock_t middle_twin = SPINLOCK_INIT("middle_twin", 50);
static spinlock_t inner = SPINLOCK_INIT("inner", 90);
static spinlock_t innermost = SPINLOCK_INIT("innermost", 100);

/* Acquire: check the rule, then record the lock, as spin_lock() would. */
static bool acquire(struct held_locks *held, const spinlock_t *lock)
{
    return lock_order_conflict(held, lock) == NULL && lock_order_push(held, lock);
}

/* The name of the lock that forbids taking lock, or "" if none does. */
static const char *conflict_name(const struct held_locks *held, const spinlock_t *lock)
{
    const spinlock_t *conflict = lock_order_conflict(held, lock);

    return conflict != NULL ? conflict->name : "";
}

static void test_empty_allows_anything(void)
{
    struct held_locks held = { 0 };

    CHECK(lock_order_conflict(&held, &outer) == NULL);
    CHECK(lock_order_conflict(&held, &innermost) == NULL);
}

static void test_increasing_order_allowed(void)
{
    struct held_locks held = { 0 };

    CHECK(acquire(&held, &outer));
    CHECK(acquire(&held, &middle));
    CHECK(acquire(&held, &inner));
    CHECK(acquire(&held, &innermost));
    CHECK_EQ(held.depth, 4);
    CHECK(held.lock[0] == &outer);
    CHECK(held.lock[3] == &innermost);

    /* Levels may be skipped. */
    struct held_locks skip = { 0 };
    CHECK(acquire(&skip, &outer));
    CHECK(acquire(&skip, &innermost));
}

static void test_same_lock_twice(void)
{
    struct held_locks held = { 0 };

    CHECK(acquire(&held, &middle));
    /* Taking a held lock again would spin forever: caught. */
    CHECK(strcmp(conflict_name(&held, &middle), "middle") == 0);
}

static void test_equal_level_forbidden(void)
{
    struct held_locks held = { 0 };

    CHECK(acquire(&held, &middle));
    /* Two locks of one level have no order between them. */
    CHECK(strcmp(conflict_name(&held, &middle_twin), "middle") == 0);
    CHECK(!acquire(&held, &middle_twin));
    CHECK_EQ(held.depth, 1);
}

static void test_reversed_order_caught(void)
{
    struct held_locks held = { 0 };

    CHECK(acquire(&held, &inner));
    CHECK(strcmp(conflict_name(&held, &outer), "inner") == 0);
    CHECK(strcmp(conflict_name(&held, &middle), "inner") == 0);
    CHECK(lock_order_conflict(&held, &innermost) == NULL);
}

static void test_highest_conflict_reported(void)
{
    struct held_locks held = { 0 };

    CHECK(acquire(&held, &outer));
    CHECK(acquire(&held, &middle));
    CHECK(acquire(&held, &inner));
    /* Both middle and inner forbid middle_twin; inner is the worse one. */
    CHECK(strcmp(conflict_name(&held, &middle_twin), "inner") == 0);
    /* Taking outer again: all three conflict; inner, the highest, is named. */
    CHECK(strcmp(conflict_name(&held, &outer), "inner") == 0);

    /* The highest is found even when it is not the innermost lock (as
     * after out-of-order releases). */
    struct held_locks odd = { 0 };
    CHECK(lock_order_push(&odd, &inner)); /* recorded regardless of order */
    CHECK(lock_order_push(&odd, &outer));
    CHECK(strcmp(conflict_name(&odd, &middle), "inner") == 0);
}

static void test_release_out_of_order(void)
{
    struct held_locks held = { 0 };

    CHECK(acquire(&held, &outer));
    CHECK(acquire(&held, &middle));
    CHECK(acquire(&held, &inner));

    /* Release the middle one first: the others keep their order. */
    CHECK(lock_order_pop(&held, &middle));
    CHECK_EQ(held.depth, 2);
    CHECK(held.lock[0] == &outer);
    CHECK(held.lock[1] == &inner);

    /* middle is no longer held, but inner still forbids it. */
    CHECK(strcmp(conflict_name(&held, &middle), "inner") == 0);

    /* Release the outermost, then the last one. */
    CHECK(lock_order_pop(&held, &outer));
    CHECK_EQ(held.depth, 1);
    CHECK(held.lock[0] == &inner);
    CHECK(lock_order_pop(&held, &inner));
    CHECK_EQ(held.depth, 0);

    /* Now anything may be taken again. */
    CHECK(acquire(&held, &outer));
}

static void test_release_innermost(void)
{
    struct held_locks held = { 0 };

    CHECK(acquire(&held, &outer));
    CHECK(acquire(&held, &middle));
    CHECK(lock_order_pop(&held, &middle));
    CHECK_EQ(held.depth, 1);
    /* After the release, a lock of middle's level is fine again. */
    CHECK(acquire(&held, &middle_twin));
}

static void test_pop_not_held(void)
{
    struct held_locks held = { 0 };

    CHECK(!lock_order_pop(&held, &outer)); /* empty stack */
    CHECK(acquire(&held, &outer));
    CHECK(acquire(&held, &middle));
    CHECK(!lock_order_pop(&held, &middle_twin)); /* same level, other lock */
    CHECK(!lock_order_pop(&held, &inner));
    CHECK_EQ(held.depth, 2);
    CHECK(lock_order_pop(&held, &middle));
    CHECK(!lock_order_pop(&held, &middle)); /* released twice */
    CHECK_EQ(held.depth, 1);
}

static void test_stack_full(void)
{
    struct held_locks held = { 0 };
    spinlock_t locks[LOCK_ORDER_MAX_HELD + 1];

    for (unsigned int i = 0; i < ARRAY_SIZE(locks); i++)
        locks[i] = (spinlock_t)SPINLOCK_INIT("nested", (uint16_t)(10 + i));

    for (unsigned int i = 0; i < LOCK_ORDER_MAX_HELD; i++)
        CHECK(acquire(&held, &locks[i]));
    CHECK_EQ(held.depth, LOCK_ORDER_MAX_HELD);

    /* The order allows one more, but there is no room to record it. */
    CHECK(lock_order_conflict(&held, &locks[LOCK_ORDER_MAX_HELD]) == NULL);
    CHECK(!lock_order_push(&held, &locks[LOCK_ORDER_MAX_HELD]));
    CHECK_EQ(held.depth, LOCK_ORDER_MAX_HELD);

    /* Releasing one makes room again. */
    CHECK(lock_order_pop(&held, &locks[LOCK_ORDER_MAX_HELD - 1]));
    CHECK(lock_order_push(&held, &locks[LOCK_ORDER_MAX_HELD]));
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_empty_allows_anything), UNIT_TEST(test_increasing_order_allowed),
    UNIT_TEST(test_same_lock_twice),       UNIT_TEST(test_equal_level_forbidden),
    UNIT_TEST(test_reversed_order_caught), UNIT_TEST(test_highest_conflict_reported),
    UNIT_TEST(test_release_out_of_order),  UNIT_TEST(test_release_innermost),
    UNIT_TEST(test_pop_not_held),          UNIT_TEST(test_stack_full),
};

int main(void)
{
    return unit_run("lock_order", tests, ARRAY_SIZE(tests));
}
