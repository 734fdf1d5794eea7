// SPDX-License-Identifier: GPL-2.0
/*
 * The constats KUnit case that warns by design: constats_add() with a
 * counter index out of range must WARN_ON_ONCE(), change nothing and touch
 * no memory.  Its own module, so the main suites can run on a kernel booted
 * with panic_on_warn; load this one with panic_on_warn off.
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
	constats_acquire(set, &w);
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

static struct kunit_case constats_warn_cases[] = {
	KUNIT_CASE(constats_add_out_of_range_ignored),
	{}
};

static struct kunit_suite constats_warn_suite = {
	.name = "constats_warn",
	.test_cases = constats_warn_cases,
};

kunit_test_suite(constats_warn_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit test for constats: out-of-range counters warn");
