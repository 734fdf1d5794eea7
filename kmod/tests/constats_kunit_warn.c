// SPDX-License-Identifier: GPL-2.0
/*
 * The constats KUnit cases that warn by design: constats_add() with a
 * counter index out of range, and a bracket claiming more counters than
 * its set has, must WARN_ONCE(), change nothing and touch no memory of the
 * set's beyond its counters.  Their own module, so the main suites can
 * run on a kernel booted with panic_on_warn; load this one with
 * panic_on_warn off.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/limits.h>
#include <linux/module.h>

#include <linux/constats.h>

static const char *const names2[] = { "a", "b" };

static void constats_add_out_of_range_ignored(struct kunit *test)
{
	struct constats *set;
	struct constats_writer w;
	s64 v[2];

	set = constats_create("kunit_range", names2, 2);
	KUNIT_ASSERT_FALSE(test, IS_ERR(set));
	constats_acquire(set, &w, 2);
	constats_add(&w, 0, 1);
	constats_add(&w, 2, 1000);		/* one past the end */
	constats_add(&w, UINT_MAX, 1000);
	constats_add(&w, 1, -1);
	constats_release(&w);
	KUNIT_EXPECT_EQ(test, constats_read(set, v, 2, NULL), 2);
	KUNIT_EXPECT_EQ(test, v[0], 1);
	KUNIT_EXPECT_EQ(test, v[1], -1);
	constats_destroy(set);
}

static const char *const names4[] = { "a", "b", "c", "d" };

/*
 * A bracket wider than its set: the adds to the set's counters count, the
 * others go nowhere, not even into the next such bracket on this CPU,
 * which shares the slow path's scratch slot.
 */
static void constats_acquire_too_many_counters(struct kunit *test)
{
	struct constats *set2, *set4;
	struct constats_writer w;
	s64 v[4];

	set2 = constats_create("kunit_wide2", names2, 2);
	KUNIT_ASSERT_FALSE(test, IS_ERR(set2));
	set4 = constats_create("kunit_wide4", names4, 4);
	KUNIT_ASSERT_FALSE(test, IS_ERR(set4));

	preempt_disable();	/* both brackets on one CPU's scratch */
	constats_acquire(set2, &w, 4);
	constats_add(&w, 0, 1);
	constats_add(&w, 3, 1000);	/* within the bracket, not the set */
	constats_add(&w, 1, -1);
	constats_release(&w);
	/* Clamped to what the scratch holds. */
	constats_acquire(set4, &w, UINT_MAX);
	constats_add(&w, 0, 7);
	constats_add(&w, CONSTATS_MAX_COUNTERS - 1, 1000);
	constats_add(&w, UINT_MAX - 1, 1000);
	constats_release(&w);
	preempt_enable();

	KUNIT_EXPECT_EQ(test, constats_read(set2, v, 2, NULL), 2);
	KUNIT_EXPECT_EQ(test, v[0], 1);
	KUNIT_EXPECT_EQ(test, v[1], -1);
	KUNIT_EXPECT_EQ(test, constats_read(set4, v, 4, NULL), 4);
	KUNIT_EXPECT_EQ(test, v[0], 7);
	KUNIT_EXPECT_EQ(test, v[1], 0);
	KUNIT_EXPECT_EQ(test, v[2], 0);
	KUNIT_EXPECT_EQ(test, v[3], 0);
	constats_destroy(set4);
	constats_destroy(set2);
}

static struct kunit_case constats_warn_cases[] = {
	KUNIT_CASE(constats_add_out_of_range_ignored),
	KUNIT_CASE(constats_acquire_too_many_counters),
	{}
};

static struct kunit_suite constats_warn_suite = {
	.name = "constats_warn",
	.test_cases = constats_warn_cases,
};

kunit_test_suite(constats_warn_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit test for constats: out-of-range counters warn");
