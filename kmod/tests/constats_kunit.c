// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for constats: argument checks, the ring's arithmetic, brackets
 * nested from hardirq, softirq and NMI over a task bracket, the reader's waiting
 * rules, a multi-CPU conservation stress and destroy racing a reader.
 *
 * The out-of-range constats_add() case warns by design, so it lives in
 * constats_kunit_warn.ko, for a kernel not set to panic on warnings.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>

#include <linux/constats.h>

#ifdef CONFIG_X86_LOCAL_APIC
#include <asm/apic.h>
#include <asm/nmi.h>
#endif

#include "../constats_compat.h"
#include "../constats_internal.h"

static const char *const names2[] = { "a", "b" };
static const char *const names4[] = { "c0", "c1", "c2", "c3" };

static struct constats *create_or_fail(struct kunit *test, const char *name,
				       const char *const *names,
				       unsigned int nr)
{
	struct constats *set = constats_create(name, names, nr);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(set), "create %s: %ld", name,
			       PTR_ERR(set));
	return set;
}

/* Kthreads park here until kthread_stop(): they never exit on their own. */
static void idle_until_stop(void)
{
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
}

static s64 self_value(unsigned int counter)
{
	s64 v[CONSTATS_SELF_NR];

	if (constats_read(constats_kunit_self(), v, CONSTATS_SELF_NR, NULL) !=
	    CONSTATS_SELF_NR)
		return -1;
	return v[counter];
}

/* constats_create(): every rejected argument, table-driven. */

static const char *const names_bad_char[] = { "ok", "Bad" };
static const char *const names_dup[] = { "x", "y", "x" };
static const char *const names_null[] = { "x", NULL };
static const char *const names_empty[] = { "" };
static const char *const names_long[] = { "abcdefghijklmnopqrstuvwxyz012345" };

struct create_case {
	const char *desc;
	const char *name;
	const char *const *names;
	unsigned int nr;
};

static const struct create_case create_cases[] = {
	{ "null_name", NULL, names2, 2 },
	{ "empty_name", "", names2, 2 },
	{ "name_32_chars", "abcdefghijklmnopqrstuvwxyz012345", names2, 2 },
	{ "uppercase_name", "Kunit", names2, 2 },
	{ "dash_in_name", "k-unit", names2, 2 },
	{ "space_in_name", "k unit", names2, 2 },
	{ "null_counter_names", "kunit_bad", NULL, 2 },
	{ "zero_counters", "kunit_bad", names2, 0 },
	{ "too_many_counters", "kunit_bad", names2, CONSTATS_MAX_COUNTERS + 1 },
	{ "bad_counter_char", "kunit_bad", names_bad_char, 2 },
	{ "duplicate_counter", "kunit_bad", names_dup, 3 },
	{ "null_counter_name", "kunit_bad", names_null, 2 },
	{ "empty_counter_name", "kunit_bad", names_empty, 1 },
	{ "long_counter_name", "kunit_bad", names_long, 1 },
};

static void create_case_desc(const struct create_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(create_bad, create_cases, create_case_desc);

static void constats_create_bad_args_einval(struct kunit *test)
{
	const struct create_case *c = test->param_value;
	struct constats *set = constats_create(c->name, c->names, c->nr);

	KUNIT_EXPECT_EQ(test, PTR_ERR(set), -EINVAL);
	if (!IS_ERR(set))
		constats_destroy(set);
}

static void constats_create_name_in_use_eexist(struct kunit *test)
{
	struct constats *set = create_or_fail(test, "kunit_dup", names2, 2);
	struct constats *again = constats_create("kunit_dup", names4, 4);

	KUNIT_EXPECT_EQ(test, PTR_ERR(again), -EEXIST);
	if (!IS_ERR(again))
		constats_destroy(again);
	constats_destroy(set);
}

static void constats_create_destroyed_name_reusable(struct kunit *test)
{
	struct constats *set = create_or_fail(test, "kunit_reuse", names2, 2);

	constats_destroy(set);
	set = create_or_fail(test, "kunit_reuse", names4, 4);
	constats_destroy(set);
}

static void constats_create_limits_accepted(struct kunit *test)
{
	const char **names;
	struct constats *set;
	s64 *v;
	int i;

	names = kunit_kcalloc(test, CONSTATS_MAX_COUNTERS, sizeof(*names),
			      GFP_KERNEL);
	v = kunit_kcalloc(test, CONSTATS_MAX_COUNTERS, sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, names);
	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < CONSTATS_MAX_COUNTERS; i++) {
		names[i] = kunit_kzalloc(test, CONSTATS_NAME_MAX + 1,
					 GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, names[i]);
		/* 31 characters, distinct in the last three */
		snprintf((char *)names[i], CONSTATS_NAME_MAX + 1,
			 "counter_name_with_31_chars_%03d", i);
	}
	set = create_or_fail(test, "abcdefghijklmnopqrstuvwxyz01234",
			     names, CONSTATS_MAX_COUNTERS);
	KUNIT_EXPECT_EQ(test, constats_read(set, v, CONSTATS_MAX_COUNTERS,
					    NULL), CONSTATS_MAX_COUNTERS);
	constats_destroy(set);
}

static void constats_destroy_null_or_err_ignored(struct kunit *test)
{
	constats_destroy(NULL);
	constats_destroy(ERR_PTR(-EINVAL));
}

static void constats_read_bad_args_einval(struct kunit *test)
{
	struct constats *set = create_or_fail(test, "kunit_read", names2, 2);

	KUNIT_EXPECT_EQ(test, constats_read(NULL, NULL, 0, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, constats_read(set, NULL, 1, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, constats_read(set, NULL, 0, NULL), 0);
	constats_destroy(set);
}

static void constats_read_nr_fills_min(struct kunit *test)
{
	struct constats *set = create_or_fail(test, "kunit_min", names4, 4);
	struct constats_writer w;
	s64 v[6] = { 0, 0, 0, 0, 55, 66 };
	int i;

	constats_acquire(set, &w, 4);
	for (i = 0; i < 4; i++)
		constats_add(&w, i, i + 1);
	constats_release(&w);

	KUNIT_EXPECT_EQ(test, constats_read(set, v, 2, NULL), 2);
	KUNIT_EXPECT_EQ(test, v[0], 1);
	KUNIT_EXPECT_EQ(test, v[1], 2);
	KUNIT_EXPECT_EQ(test, v[2], 0);	/* beyond nr: untouched */
	KUNIT_EXPECT_EQ(test, constats_read(set, v, 6, NULL), 4);
	KUNIT_EXPECT_EQ(test, v[3], 4);
	KUNIT_EXPECT_EQ(test, v[4], 55);	/* beyond the set: untouched */
	KUNIT_EXPECT_EQ(test, v[5], 66);
	constats_destroy(set);
}

/* constats_declare(): rejected expressions, table-driven. */

struct declare_case {
	const char *desc;
	const char *expr;
};

static const struct declare_case declare_cases[] = {
	{ "null", NULL },
	{ "empty", "" },
	{ "no_operator", "a" },
	{ "no_right_side", "a ==" },
	{ "no_left_side", "== a" },
	{ "unknown_counter", "a == zz" },
	{ "bad_operator", "a =< b" },
	{ "trailing_text", "a == b c" },
	{ "dangling_factor", "2 * == a" },
	{ "overflowing_number", "a <= 99999999999999999999" },
	{ "uppercase_name", "A == b" },
};

static void declare_case_desc(const struct declare_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(declare_bad, declare_cases, declare_case_desc);

static void constats_declare_bad_expr_einval(struct kunit *test)
{
	const struct declare_case *c = test->param_value;
	struct constats *set = create_or_fail(test, "kunit_declare", names2, 2);

	KUNIT_EXPECT_EQ(test, constats_declare(set, c->expr), -EINVAL);
	constats_destroy(set);
}

/* CONSTATS_INVARIANT_MAX characters are accepted, one more is not. */
static void constats_declare_length_limit(struct kunit *test)
{
	struct constats *set = create_or_fail(test, "kunit_declare", names2, 2);
	char expr[CONSTATS_INVARIANT_MAX + 2];

	/* "a >= 000...0": a valid invariant of any length. */
	memset(expr, '0', sizeof(expr) - 1);
	memcpy(expr, "a >= ", 5);
	expr[CONSTATS_INVARIANT_MAX] = '\0';
	KUNIT_EXPECT_EQ(test, constats_declare(set, expr), 0);
	expr[CONSTATS_INVARIANT_MAX] = '0';
	expr[CONSTATS_INVARIANT_MAX + 1] = '\0';
	KUNIT_EXPECT_EQ(test, constats_declare(set, expr), -EINVAL);
	constats_destroy(set);
}

static void constats_declare_too_many_enospc(struct kunit *test)
{
	struct constats *set = create_or_fail(test, "kunit_declare", names2, 2);
	int i;

	for (i = 0; i < CONSTATS_MAX_INVARIANTS; i++)
		KUNIT_EXPECT_EQ(test, constats_declare(set, "a + b >= 0"), 0);
	KUNIT_EXPECT_EQ(test, constats_declare(set, "a + b >= 0"), -ENOSPC);
	constats_destroy(set);
}

static void bracket2(struct constats *set, s64 a, s64 b)
{
	struct constats_writer w;

	constats_acquire(set, &w, 2);
	constats_add(&w, 0, a);
	constats_add(&w, 1, b);
	constats_release(&w);
}

static void constats_declare_checked_on_every_read(struct kunit *test)
{
	struct constats *set = create_or_fail(test, "kunit_declare", names2, 2);
	s64 v[2], before;

	KUNIT_ASSERT_EQ(test, constats_declare(set, "a <= b"), 0);
	KUNIT_ASSERT_EQ(test, constats_declare(set, " 2*a - b + 3 > a - 1 - b"), 0);
	bracket2(set, 1, 1);
	before = self_value(CONSTATS_SELF_INVARIANT_VIOLATIONS);
	KUNIT_EXPECT_EQ(test, constats_read(set, v, 2, NULL), 2);
	KUNIT_EXPECT_EQ(test, self_value(CONSTATS_SELF_INVARIANT_VIOLATIONS),
			before);
	bracket2(set, 5, 0);		/* a = 6 > b = 1 */
	KUNIT_EXPECT_EQ(test, constats_read(set, v, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, self_value(CONSTATS_SELF_INVARIANT_VIOLATIONS),
			before + 1);
	constats_destroy(set);
}

/* Coefficients and constants count: each of these holds at a=6, b=12. */
static void constats_declare_arithmetic(struct kunit *test)
{
	static const char *const hold[] = {
		"2 * a == b", "b - 2*a == 0", "a == 6", "-a + 18 == b",
		"b != 13", "3 * a < 19", "10 * b >= 120", "a + b > 17",
	};
	static const char *const fail[] = {
		"a == 7", "2 * a < b", "b == 2 * a + 1", "a + b > 18",
	};
	struct constats *set = create_or_fail(test, "kunit_arith", names2, 2);
	s64 v[2], before;
	unsigned int i;

	bracket2(set, 6, 12);
	for (i = 0; i < ARRAY_SIZE(hold); i++) {
		KUNIT_ASSERT_EQ(test, constats_declare(set, hold[i]), 0);
		before = self_value(CONSTATS_SELF_INVARIANT_VIOLATIONS);
		constats_read(set, v, 2, NULL);
		KUNIT_EXPECT_EQ_MSG(test, before,
				    self_value(CONSTATS_SELF_INVARIANT_VIOLATIONS),
				    "\"%s\" should hold", hold[i]);
	}
	constats_destroy(set);
	for (i = 0; i < ARRAY_SIZE(fail); i++) {
		set = create_or_fail(test, "kunit_arith", names2, 2);
		bracket2(set, 6, 12);
		KUNIT_ASSERT_EQ(test, constats_declare(set, fail[i]), 0);
		before = self_value(CONSTATS_SELF_INVARIANT_VIOLATIONS);
		constats_read(set, v, 2, NULL);
		KUNIT_EXPECT_EQ_MSG(test, before + 1,
				    self_value(CONSTATS_SELF_INVARIANT_VIOLATIONS),
				    "\"%s\" should fail", fail[i]);
		constats_destroy(set);
	}
}

/* constats_check(): other figures held to the declared invariants. */
static void constats_check_counts_violations(struct kunit *test)
{
	static const struct { s64 v[2]; int bad; } cases[] = {
		{ { 5, 5 }, 0 }, { { 1, 2 }, 1 }, { { 6, 4 }, 1 },
		{ { 9, 7 }, 2 }, { { -3, 13 }, 0 },
	};
	struct constats *set = create_or_fail(test, "kunit_check", names2, 2);
	s64 before;
	unsigned int i;

	KUNIT_EXPECT_EQ(test, constats_check(set, cases[0].v, 2), 0);
	KUNIT_ASSERT_EQ(test, constats_declare(set, "a <= b"), 0);
	KUNIT_ASSERT_EQ(test, constats_declare(set, "a + b == 10"), 0);
	before = self_value(CONSTATS_SELF_INVARIANT_VIOLATIONS);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, constats_check(set, cases[i].v, 2),
				    cases[i].bad, "a=%lld b=%lld",
				    cases[i].v[0], cases[i].v[1]);
	/* Not snapshots: nothing counted. */
	KUNIT_EXPECT_EQ(test, self_value(CONSTATS_SELF_INVARIANT_VIOLATIONS),
			before);
	KUNIT_EXPECT_EQ(test, constats_check(NULL, cases[0].v, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, constats_check(set, NULL, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, constats_check(set, cases[0].v, 1), -EINVAL);
	constats_destroy(set);
}

/* The self-stats set declares its own invariant, and it holds. */
static void constats_check_self_invariant(struct kunit *test)
{
	struct constats *self = constats_kunit_self();
	s64 v[CONSTATS_SELF_NR];

	KUNIT_ASSERT_NOT_NULL(test, self);
	KUNIT_ASSERT_EQ(test, constats_read(self, v, CONSTATS_SELF_NR, NULL),
			CONSTATS_SELF_NR);
	KUNIT_EXPECT_EQ(test, constats_check(self, v, CONSTATS_SELF_NR), 0);
	KUNIT_EXPECT_EQ(test, v[CONSTATS_SELF_SETS_ALIVE],
			v[CONSTATS_SELF_SETS_CREATED] -
			v[CONSTATS_SELF_SETS_DESTROYED]);
	v[CONSTATS_SELF_SETS_ALIVE]++;
	KUNIT_EXPECT_EQ(test, constats_check(self, v, CONSTATS_SELF_NR), 1);
}

static struct kunit_case constats_api_cases[] = {
	KUNIT_CASE_PARAM(constats_create_bad_args_einval,
			 create_bad_gen_params),
	KUNIT_CASE(constats_create_name_in_use_eexist),
	KUNIT_CASE(constats_create_destroyed_name_reusable),
	KUNIT_CASE(constats_create_limits_accepted),
	KUNIT_CASE(constats_destroy_null_or_err_ignored),
	KUNIT_CASE(constats_read_bad_args_einval),
	KUNIT_CASE(constats_read_nr_fills_min),
	KUNIT_CASE_PARAM(constats_declare_bad_expr_einval, declare_bad_gen_params),
	KUNIT_CASE(constats_declare_length_limit),
	KUNIT_CASE(constats_declare_too_many_enospc),
	KUNIT_CASE(constats_declare_checked_on_every_read),
	KUNIT_CASE(constats_declare_arithmetic),
	KUNIT_CASE(constats_check_counts_violations),
	KUNIT_CASE(constats_check_self_invariant),
	{}
};

static struct kunit_suite constats_api_suite = {
	.name = "constats",
	.test_cases = constats_api_cases,
};

/* The ring: totals survive every rotation, generations increase. */

static void constats_read_ring_merges_every_rotation(struct kunit *test)
{
	struct constats *set = create_or_fail(test, "kunit_ring", names4, 4);
	s64 expect[4] = {}, v[4];
	u64 gen, last_gen = 0;
	int i, c;

	/* Many rotations, with 0..3 brackets between snapshots. */
	for (i = 0; i < 300; i++) {
		int brackets = i % 4;

		while (brackets--) {
			struct constats_writer w;

			constats_acquire(set, &w, 4);
			for (c = 0; c < 4; c++) {
				constats_add(&w, c, (s64)(i + 1) * (c + 1));
				expect[c] += (s64)(i + 1) * (c + 1);
			}
			constats_release(&w);
		}
		KUNIT_ASSERT_EQ(test, constats_read(set, v, 4, &gen), 4);
		for (c = 0; c < 4; c++)
			KUNIT_ASSERT_EQ_MSG(test, v[c], expect[c],
					    "snapshot %d counter %d", i, c);
		KUNIT_ASSERT_GT(test, gen, last_gen);
		last_gen = gen;
	}
	constats_destroy(set);
}

struct cpu_bracket_arg {
	struct constats *set;
	int count;
};

static void cpu_bracket_fn(void *info)
{
	struct cpu_bracket_arg *a = info;
	struct constats_writer w;

	constats_acquire(a->set, &w, 2);
	constats_add(&w, 0, 1);
	constats_add(&w, 1, smp_processor_id());
	constats_release(&w);
}

static void constats_read_sums_every_cpu(struct kunit *test)
{
	struct constats *set = create_or_fail(test, "kunit_cpus", names2, 2);
	struct cpu_bracket_arg a = { .set = set };
	s64 v[2], cpu_sum = 0;
	int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		smp_call_function_single(cpu, cpu_bracket_fn, &a, true);
		cpu_sum += cpu;
		a.count++;
	}
	cpus_read_unlock();
	KUNIT_EXPECT_EQ(test, constats_read(set, v, 2, NULL), 2);
	KUNIT_EXPECT_EQ(test, v[0], a.count);
	KUNIT_EXPECT_EQ(test, v[1], cpu_sum);
	constats_destroy(set);
}

static struct kunit_case constats_ring_cases[] = {
	KUNIT_CASE(constats_read_ring_merges_every_rotation),
	KUNIT_CASE(constats_read_sums_every_cpu),
	{}
};

static struct kunit_suite constats_ring_suite = {
	.name = "constats_ring",
	.test_cases = constats_ring_cases,
};

/* Brackets nested from interrupts over a task bracket on the same CPU. */

/* How a bracket was opened. */
enum {
	PATH_CPU,	/* this CPU's sequence and slot */
	PATH_LOCK,	/* the set's fallback lock */
	PATH_NMI,	/* this CPU's NMI sequence and scratch slot */
};

/*
 * The path an open bracket took, as it shows: only the NMI path makes its
 * CPU's NMI sequence odd.
 */
static unsigned int writer_path(const struct constats_writer *w)
{
	if (!w->slow)
		return PATH_CPU;
	return this_cpu_read(w->set->cpu->nmi_seq) & 1 ? PATH_NMI : PATH_LOCK;
}

struct nest {
	struct constats *set;
	struct irq_work work;
	struct tasklet_struct tasklet;
	unsigned int path, nmi_path;
	bool hardirq, softirq, ran;
	bool nmi_inside;	/* nest_bracket() NMIs its CPU from inside */
	bool nmi_pending, nmi_ran;
};

static void nest_nmi_self(struct nest *n);

static void nest_bracket(struct nest *n)
{
	struct constats_writer w;

	constats_acquire(n->set, &w, 2);
	n->path = writer_path(&w);
	constats_add(&w, 0, 10);
	if (n->nmi_inside)
		nest_nmi_self(n);
	constats_add(&w, 1, -10);
	constats_release(&w);
	n->hardirq = in_hardirq();
	n->softirq = in_serving_softirq();
	WRITE_ONCE(n->ran, true);
}

static void nest_irq_work_fn(struct irq_work *work)
{
	nest_bracket(container_of(work, struct nest, work));
}

static void nest_tasklet_fn(struct tasklet_struct *t)
{
	struct nest *n = from_tasklet(n, t, tasklet);

	nest_bracket(n);
}

/*
 * Run @trigger inside a task bracket, or outside one if !@nested; the
 * brackets it causes add @amount to counter 0 and take it from counter 1.
 */
static void nest_run(struct kunit *test, struct nest *n, bool nested,
		     void (*trigger)(struct nest *), s64 amount)
{
	s64 expect = (nested ? 1 : 0) + amount;
	struct constats_writer w;
	s64 v[2];

	n->set = create_or_fail(test, "kunit_nest", names2, 2);
	/*
	 * Hard: on PREEMPT_RT a plain irq_work runs in a kthread, which
	 * trigger_hardirq(), spinning with preemption off, would never let
	 * run.
	 */
	n->work = IRQ_WORK_INIT_HARD(nest_irq_work_fn);
	tasklet_setup(&n->tasklet, nest_tasklet_fn);

	/* Either way on one CPU: the trigger runs on the CPU it queues on. */
	if (nested) {
		constats_acquire(n->set, &w, 2);
		constats_add(&w, 0, 1);
	} else {
		preempt_disable();
	}
	trigger(n);
	if (nested) {
		constats_add(&w, 1, -1);
		constats_release(&w);
	} else {
		preempt_enable();
	}
	tasklet_kill(&n->tasklet);

	KUNIT_EXPECT_TRUE(test, READ_ONCE(n->ran));
	KUNIT_EXPECT_EQ(test, constats_read(n->set, v, 2, NULL), 2);
	KUNIT_EXPECT_EQ(test, v[0], expect);
	KUNIT_EXPECT_EQ(test, v[1], -expect);
	constats_destroy(n->set);
}

/* Raise the irq_work on this CPU and wait, without sleeping, for it. */
static void trigger_hardirq(struct nest *n)
{
	irq_work_queue(&n->work);
	while (irq_work_is_busy(&n->work))
		cpu_relax();
}

/* local_bh_enable() runs the tasklet's softirq right here, on this CPU. */
static void trigger_softirq(struct nest *n)
{
	local_bh_disable();
	tasklet_schedule(&n->tasklet);
	local_bh_enable();
}

#ifdef CONFIG_X86_LOCAL_APIC
/*
 * NMI brackets, on x86: the test NMIs its own CPU, from inside a bracket or
 * not, and the handler brackets too.  One NMI in flight at a time.
 */
static struct nest *nest_nmi_target;

static int nest_nmi_handler(unsigned int type, struct pt_regs *regs)
{
	struct nest *n = READ_ONCE(nest_nmi_target);
	struct constats_writer w;

	if (!n || !READ_ONCE(n->nmi_pending))
		return NMI_DONE;
	constats_acquire(n->set, &w, 2);
	n->nmi_path = writer_path(&w);
	constats_add(&w, 0, 100);
	constats_add(&w, 1, -100);
	constats_release(&w);
	WRITE_ONCE(n->nmi_ran, true);
	WRITE_ONCE(n->ran, true);
	WRITE_ONCE(n->nmi_pending, false);
	return NMI_HANDLED;
}

/* NMI this CPU and wait, without sleeping, for the handler's bracket. */
static void nest_nmi_self(struct nest *n)
{
	u64 deadline = ktime_get_ns() + NSEC_PER_SEC;

	WRITE_ONCE(n->nmi_pending, true);
	apic->send_IPI_mask(cpumask_of(smp_processor_id()), NMI_VECTOR);
	while (READ_ONCE(n->nmi_pending) && ktime_get_ns() < deadline)
		cpu_relax();
}

static void trigger_nmi(struct nest *n)
{
	nest_nmi_self(n);
}

/* nest_run() with our NMI handler registered for @n. */
static void nest_run_nmi(struct kunit *test, struct nest *n, bool nested,
			 void (*trigger)(struct nest *), s64 amount)
{
	WRITE_ONCE(nest_nmi_target, n);
	KUNIT_ASSERT_EQ(test, register_nmi_handler(NMI_LOCAL, nest_nmi_handler,
						   0, "constats_kunit"), 0);
	nest_run(test, n, nested, trigger, amount);
	unregister_nmi_handler(NMI_LOCAL, "constats_kunit");
	WRITE_ONCE(nest_nmi_target, NULL);
	KUNIT_EXPECT_TRUE(test, n->nmi_ran);
	/* Only an NMI over an open bracket needs a slot of its own. */
	KUNIT_EXPECT_EQ(test, n->nmi_path, nested ?
			(unsigned int)PATH_NMI :
			(unsigned int)PATH_CPU);
}

/* An NMI over an open task bracket: counted, through no lock. */
static void constats_acquire_nmi_nested_over_task(struct kunit *test)
{
	struct nest *n = kunit_kzalloc(test, sizeof(*n), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, n);
	nest_run_nmi(test, n, true, trigger_nmi, 100);
}

/* An NMI outside any bracket brackets on its CPU's sequence and slot. */
static void constats_acquire_nmi_alone(struct kunit *test)
{
	struct nest *n = kunit_kzalloc(test, sizeof(*n), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, n);
	nest_run_nmi(test, n, false, trigger_nmi, 100);
}

/*
 * An NMI over a hardirq bracket nested over a task bracket: the hardirq
 * holds the set's fallback lock, which the NMI must not take.
 */
static void constats_acquire_nmi_over_fallback_lock(struct kunit *test)
{
	struct nest *n = kunit_kzalloc(test, sizeof(*n), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, n);
	n->nmi_inside = true;
	nest_run_nmi(test, n, true, trigger_hardirq, 110);
	KUNIT_EXPECT_TRUE(test, n->hardirq);
	KUNIT_EXPECT_EQ(test, n->path, (unsigned int)PATH_LOCK);
}
#else
static void nest_nmi_self(struct nest *n)
{
}
#endif

static void constats_acquire_hardirq_nested_takes_fallback(struct kunit *test)
{
	struct nest *n = kunit_kzalloc(test, sizeof(*n), GFP_KERNEL);
	s64 before = self_value(CONSTATS_SELF_FALLBACK_BRACKETS);

	KUNIT_ASSERT_NOT_NULL(test, n);
	nest_run(test, n, true, trigger_hardirq, 10);
	KUNIT_EXPECT_TRUE(test, n->hardirq);
	KUNIT_EXPECT_EQ(test, n->path, (unsigned int)PATH_LOCK);
	KUNIT_EXPECT_GE(test, self_value(CONSTATS_SELF_FALLBACK_BRACKETS),
			before + 1);
}

static void constats_acquire_softirq_nested_takes_fallback(struct kunit *test)
{
	struct nest *n;
	s64 before;

	/* There softirqs run in preemptible task context, never nested. */
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		kunit_skip(test, "no softirq nests over a bracket on PREEMPT_RT");
	n = kunit_kzalloc(test, sizeof(*n), GFP_KERNEL);
	before = self_value(CONSTATS_SELF_FALLBACK_BRACKETS);

	KUNIT_ASSERT_NOT_NULL(test, n);
	nest_run(test, n, true, trigger_softirq, 10);
	KUNIT_EXPECT_TRUE(test, n->softirq);
	KUNIT_EXPECT_EQ(test, n->path, (unsigned int)PATH_LOCK);
	KUNIT_EXPECT_GE(test, self_value(CONSTATS_SELF_FALLBACK_BRACKETS),
			before + 1);
}

static void constats_acquire_hardirq_alone_uses_cpu(struct kunit *test)
{
	struct nest *n = kunit_kzalloc(test, sizeof(*n), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, n);
	nest_run(test, n, false, trigger_hardirq, 10);
	KUNIT_EXPECT_TRUE(test, n->hardirq);
	KUNIT_EXPECT_EQ(test, n->path, (unsigned int)PATH_CPU);
}

static struct kunit_case constats_nesting_cases[] = {
	KUNIT_CASE(constats_acquire_hardirq_nested_takes_fallback),
	KUNIT_CASE(constats_acquire_softirq_nested_takes_fallback),
	KUNIT_CASE(constats_acquire_hardirq_alone_uses_cpu),
#ifdef CONFIG_X86_LOCAL_APIC
	KUNIT_CASE(constats_acquire_nmi_nested_over_task),
	KUNIT_CASE(constats_acquire_nmi_alone),
	KUNIT_CASE(constats_acquire_nmi_over_fallback_lock),
#endif
	{}
};

static struct kunit_suite constats_nesting_suite = {
	.name = "constats_nesting",
	.test_cases = constats_nesting_cases,
};

/* The reader: waits for brackets in flight, and only for those. */

struct held {
	struct constats *set;
	struct task_struct *writer, *reader;
	struct completion opened, read_done;
	bool released, returned_early;
	s64 v[2];
	int read_ret;
	unsigned int hold_ms;
};

static int held_writer_fn(void *arg)
{
	struct held *h = arg;
	struct constats_writer w;

	constats_acquire(h->set, &w, 2);
	constats_add(&w, 0, 1);
	complete_all(&h->opened);	/* the reader and the test wait */
	mdelay(h->hold_ms);	/* a long bracket, but one that cannot sleep */
	constats_add(&w, 1, 1);
	WRITE_ONCE(h->released, true);
	constats_release(&w);
	idle_until_stop();
	return 0;
}

static int held_reader_fn(void *arg)
{
	struct held *h = arg;

	wait_for_completion(&h->opened);
	h->read_ret = constats_read(h->set, h->v, 2, NULL);
	/* Ordered after the reader saw the sequence move on. */
	h->returned_early = !READ_ONCE(h->released);
	complete(&h->read_done);
	idle_until_stop();
	return 0;
}

/* Start a held bracket on one CPU and a reader of it on another. */
static struct held *held_start(struct kunit *test, unsigned int hold_ms)
{
	struct held *h;
	int wcpu, rcpu;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	h->set = create_or_fail(test, "kunit_held", names2, 2);
	h->hold_ms = hold_ms;
	init_completion(&h->opened);
	init_completion(&h->read_done);

	wcpu = cpumask_first(cpu_online_mask);
	rcpu = cpumask_next(wcpu, cpu_online_mask);
	h->writer = kthread_create_on_cpu(held_writer_fn, h, wcpu,
					  "constats_kw/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(h->writer));
	h->reader = kthread_create_on_cpu(held_reader_fn, h, rcpu,
					  "constats_kr/%u");
	if (IS_ERR(h->reader))
		kthread_stop(h->writer);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h->reader));
	wake_up_process(h->writer);
	wake_up_process(h->reader);
	return h;
}

static void held_stop(struct held *h)
{
	wait_for_completion(&h->read_done);
	kthread_stop(h->reader);
	kthread_stop(h->writer);
}

static void constats_read_waits_for_open_bracket(struct kunit *test)
{
	struct held *h = held_start(test, 200);

	held_stop(h);
	KUNIT_EXPECT_EQ(test, h->read_ret, 2);
	/* The reader returned only after the bracket closed ... */
	KUNIT_EXPECT_FALSE(test, h->returned_early);
	/* ... and the bracket is in the snapshot wholly. */
	KUNIT_EXPECT_EQ(test, h->v[0], 1);
	KUNIT_EXPECT_EQ(test, h->v[1], 1);
	constats_destroy(h->set);
}

static void constats_destroy_waits_for_reader(struct kunit *test)
{
	/*
	 * A second: a destroy that does not wait is slowed by the debug
	 * kernel's report of the mutex it destroys locked (a few hundred ms
	 * on the serial console), and must still return before the bracket
	 * closes.
	 */
	struct held *h = held_start(test, 1000);

	/*
	 * The reader is in constats_read(), waiting for the bracket.  The
	 * writer touches the set for the last time in the release that lets
	 * the reader go, so destroying the set now is safe if, and only if,
	 * destroy waits for the reader.
	 */
	wait_for_completion(&h->opened);
	msleep(50);
	/*
	 * A reader that did not wait for the bracket (the no_wait mutant)
	 * leaves nothing for destroy to wait for.  That is the reader's bug,
	 * caught by constats_read_waits_for_open_bracket; here the threads
	 * are stopped before the set goes, so that they cannot outlive this
	 * module and take the next tests down with them.
	 */
	if (completion_done(&h->read_done)) {
		held_stop(h);
		constats_destroy(h->set);
		KUNIT_FAIL(test, "constats_read() returned under an open bracket");
		return;
	}
	constats_destroy(h->set);
	if (!READ_ONCE(h->released)) {
		if (completion_done(&h->read_done)) {
			/* The same reader bug, seen late: destroy did wait. */
			held_stop(h);
			KUNIT_FAIL(test, "constats_read() returned under an open bracket");
			return;
		}
		/*
		 * Destroy did not wait (the destroy_no_wait mutant): the
		 * reader and the writer go on in freed memory and may oops.
		 * Report now, before they do, and do not wait for them.
		 */
		KUNIT_FAIL(test, "constats_destroy() returned under a reader");
		return;
	}
	held_stop(h);
	KUNIT_EXPECT_EQ(test, h->read_ret, 2);
}

/*
 * A writer that closes each bracket and at once opens the next, so its
 * CPU's sequence is odd all but an instant, and goes on until the reader
 * returns.  A reader must wait for the bracket open when it rotated, and
 * for no later one: it returns while the writer is still relaying.  A
 * reader that waited for an even sequence instead would wait until it
 * happened to see that instant; so that it cannot, the writer holds the
 * reader's CPU in an IPI while it closes each bracket and opens the next.
 * Such a reader returns only when the writer gives up, RELAY_MAX_MS on.
 *
 * The grace period ends once the writer's CPU passes a quiescent state,
 * in one of the gaps (its preempt_enable() reschedules when RCU asked it
 * to); on PREEMPT_RT, where it is a normal one, that may take several
 * brackets, so the test counts none of them.
 */
#define RELAY_HOLD_MS	50
#define RELAY_MAX_MS	5000

struct relay {
	struct constats *set;
	struct completion opened, read_done;
	struct task_struct *writer, *reader;
	int closed, closed_at_return, read_ret;
	int held, relayed;	/* the relay the reader's CPU waits for */
	bool returned, over, over_at_return;
	int rcpu;
};

/* On the reader's CPU, in hard interrupt context: wait for the relay. */
static void relay_hold_fn(void *arg)
{
	struct relay *r = arg;
	int i = READ_ONCE(r->closed) + 1;
	u64 deadline = ktime_get_ns() + 100 * NSEC_PER_MSEC;

	WRITE_ONCE(r->held, i);
	while (READ_ONCE(r->relayed) < i && ktime_get_ns() < deadline)
		cpu_relax();
}

static int relay_writer_fn(void *arg)
{
	struct relay *r = arg;
	u64 end = ktime_get_ns() + RELAY_MAX_MS * NSEC_PER_MSEC;
	struct constats_writer w;
	int i;

	constats_acquire(r->set, &w, 2);
	complete_all(&r->opened);
	for (i = 1; !READ_ONCE(r->returned) && ktime_get_ns() < end; i++) {
		u64 deadline = ktime_get_ns() + 100 * NSEC_PER_MSEC;

		constats_add(&w, 0, 1);
		mdelay(RELAY_HOLD_MS);
		/* Hold the reader's CPU while the sequence is even. */
		smp_call_function_single(r->rcpu, relay_hold_fn, r, 0);
		while (READ_ONCE(r->held) < i && ktime_get_ns() < deadline)
			cpu_relax();
		WRITE_ONCE(r->closed, i);
		constats_release(&w);
		constats_acquire(r->set, &w, 2);
		WRITE_ONCE(r->relayed, i);
	}
	WRITE_ONCE(r->over, true);
	constats_release(&w);
	idle_until_stop();
	return 0;
}

static int relay_reader_fn(void *arg)
{
	struct relay *r = arg;
	s64 v[2];

	wait_for_completion(&r->opened);
	r->read_ret = constats_read(r->set, v, 2, NULL);
	r->closed_at_return = READ_ONCE(r->closed);
	r->over_at_return = READ_ONCE(r->over);
	WRITE_ONCE(r->returned, true);
	complete(&r->read_done);
	idle_until_stop();
	return 0;
}

static void constats_read_waits_only_for_inflight(struct kunit *test)
{
	int wcpu, rcpu;
	struct relay *r;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->set = create_or_fail(test, "kunit_relay", names2, 2);
	init_completion(&r->opened);
	init_completion(&r->read_done);
	wcpu = cpumask_first(cpu_online_mask);
	rcpu = cpumask_next(wcpu, cpu_online_mask);
	r->rcpu = rcpu;
	r->writer = kthread_create_on_cpu(relay_writer_fn, r, wcpu,
					  "constats_kw/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(r->writer));
	r->reader = kthread_create_on_cpu(relay_reader_fn, r, rcpu,
					  "constats_kr/%u");
	if (IS_ERR(r->reader))
		kthread_stop(r->writer);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r->reader));
	wake_up_process(r->writer);
	wake_up_process(r->reader);

	wait_for_completion(&r->read_done);
	kthread_stop(r->reader);
	kthread_stop(r->writer);
	KUNIT_EXPECT_EQ(test, r->read_ret, 2);
	/* It waited for the first bracket, and not for the writer to stop. */
	KUNIT_EXPECT_GE(test, r->closed_at_return, 1);
	KUNIT_EXPECT_FALSE_MSG(test, r->over_at_return,
			       "the reader waited out %d brackets",
			       r->closed_at_return);
	constats_destroy(r->set);
}

/*
 * Readers that queue on a set while a snapshot is being taken share the
 * next one, which began after they arrived: the first reader waits for a
 * held bracket, two more arrive meanwhile, and one of them takes snapshot
 * 2 while the other returns it too.  Without sharing they would get 2
 * and 3.
 */
struct queued {
	struct constats *set;
	struct task_struct *task;
	struct completion done;
	u64 gen;
	int ret;
};

static int queued_reader_fn(void *arg)
{
	struct queued *q = arg;
	s64 v[2];

	q->ret = constats_read(q->set, v, 2, &q->gen);
	complete(&q->done);
	idle_until_stop();
	return 0;
}

static void constats_read_queued_readers_share(struct kunit *test)
{
	struct held *h = held_start(test, 1000);
	struct queued q[2] = {};
	int i;

	wait_for_completion(&h->opened);
	msleep(200);	/* the first reader has begun snapshot 1, and waits */
	for (i = 0; i < ARRAY_SIZE(q); i++) {
		q[i].set = h->set;
		init_completion(&q[i].done);
		q[i].task = kthread_create(queued_reader_fn, &q[i],
					   "constats_kq/%d", i);
		if (IS_ERR(q[i].task))
			break;
	}
	if (i < ARRAY_SIZE(q)) {
		while (i--)
			kthread_stop(q[i].task);	/* never woken: never ran */
		held_stop(h);
		constats_destroy(h->set);
		KUNIT_FAIL(test, "kthread_create() failed");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(q); i++)
		wake_up_process(q[i].task);
	held_stop(h);
	KUNIT_EXPECT_EQ(test, h->read_ret, 2);
	for (i = 0; i < ARRAY_SIZE(q); i++) {
		wait_for_completion(&q[i].done);
		kthread_stop(q[i].task);
		KUNIT_EXPECT_EQ(test, q[i].ret, 2);
		KUNIT_EXPECT_EQ(test, q[i].gen, 2);
	}
	constats_destroy(h->set);
}

/*
 * Unprivileged readers share one round, begun at most once per
 * shared_interval_ms: two shared snapshots in a row take at least the
 * interval, and are consecutive.  Without the pacing two snapshots of an
 * idle set take well under 200 ms, even under TCG.
 */
static void constats_read_shared_paced(struct kunit *test)
{
	struct constats *set = create_or_fail(test, "kunit_paced", names2, 2);
	unsigned int old = constats_kunit_shared_interval(200);
	struct constats_snapshot snap = { .set = set, .nr = 2 };
	u64 t0, t1, g0, g1;
	s64 v[2];
	int r0, r1;

	snap.values = v;
	r0 = constats_read_sets(&snap, 1, CONSTATS_READ_SHARED);
	t0 = ktime_get_ns();
	g0 = snap.generation;
	r1 = constats_read_sets(&snap, 1, CONSTATS_READ_SHARED);
	t1 = ktime_get_ns();
	g1 = snap.generation;
	constats_kunit_shared_interval(old);
	KUNIT_EXPECT_EQ(test, r0, 0);
	KUNIT_EXPECT_EQ(test, r1, 0);
	KUNIT_EXPECT_EQ(test, g1, g0 + 1);
	/* The second round began at least 200 ms after the first. */
	KUNIT_EXPECT_GE(test, t1 - t0, 150 * NSEC_PER_MSEC);
	constats_destroy(set);
}

/*
 * A bracket RCU does not see: its sequence odd with preemption enabled
 * and the writer asleep, as a writer in noinstr code or RCU-idle would
 * look to the grace period.  The grace period ends without it; the
 * reader's sequence check must still wait for it to close.
 */
static void constats_read_waits_for_bracket_rcu_misses(struct kunit *test)
{
	struct constats *set = create_or_fail(test, "kunit_unseen", names2, 2);
	struct queued q = { .set = set };
	struct constats_cpu *c;
	bool early;

	c = per_cpu_ptr(set->cpu, cpumask_first(cpu_online_mask));
	init_completion(&q.done);
	WRITE_ONCE(c->seq, READ_ONCE(c->seq) + 1);	/* "open" */
	q.task = kthread_run(queued_reader_fn, &q, "constats_kq/u");
	if (IS_ERR(q.task)) {
		WRITE_ONCE(c->seq, READ_ONCE(c->seq) + 1);
		constats_destroy(set);
		KUNIT_FAIL(test, "kthread_run() failed");
		return;
	}
	msleep(300);	/* many grace periods, even under TCG */
	early = completion_done(&q.done);
	WRITE_ONCE(c->seq, READ_ONCE(c->seq) + 1);	/* "close" */
	wait_for_completion(&q.done);
	kthread_stop(q.task);
	KUNIT_EXPECT_FALSE(test, early);
	KUNIT_EXPECT_EQ(test, q.ret, 2);
	constats_destroy(set);
}

/* constats_read_recent(): the cached snapshot while young, a new one after. */
static void constats_read_recent_ages(struct kunit *test)
{
	struct constats *set = create_or_fail(test, "kunit_recent", names2, 2);
	struct constats_writer w;
	u64 g0, g1, g2, age;
	s64 v[2];

	KUNIT_EXPECT_EQ(test, constats_read(set, v, 2, &g0), 2);
	constats_acquire(set, &w, 2);
	constats_add(&w, 0, 5);
	constats_add(&w, 1, 7);
	constats_release(&w);
	/* Young enough: the snapshot before the bracket, no new round. */
	KUNIT_EXPECT_EQ(test, constats_read_recent(set, v, 2, NSEC_PER_SEC * 60,
						   &g1, &age), 2);
	KUNIT_EXPECT_EQ(test, g1, g0);
	KUNIT_EXPECT_EQ(test, v[0], 0);
	KUNIT_EXPECT_LT(test, age, NSEC_PER_SEC * 60);
	/* Too old for a 1 ms limit after 20 ms: a new round, bracket in. */
	msleep(20);
	KUNIT_EXPECT_EQ(test, constats_read_recent(set, v, 2, NSEC_PER_MSEC,
						   &g2, NULL), 2);
	KUNIT_EXPECT_EQ(test, g2, g0 + 1);
	KUNIT_EXPECT_EQ(test, v[0], 5);
	KUNIT_EXPECT_EQ(test, v[1], 7);
	KUNIT_EXPECT_EQ(test, constats_read_recent(NULL, v, 2, 0, NULL, NULL),
			-EINVAL);
	constats_destroy(set);
}

/* Many sets behind one barrier: each gets its own snapshot and values. */
static void constats_read_sets_many(struct kunit *test)
{
	static const char *const names[] = { "sets_a", "sets_b", "sets_c" };
	struct constats_snapshot snaps[ARRAY_SIZE(names)] = {};
	struct constats *sets[ARRAY_SIZE(names)];
	s64 v[ARRAY_SIZE(names)][2];
	struct constats_writer w;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		sets[i] = create_or_fail(test, names[i], names2, 2);
		constats_acquire(sets[i], &w, 2);
		constats_add(&w, 0, i + 1);
		constats_add(&w, 1, 10 * (i + 1));
		constats_release(&w);
		snaps[i] = (struct constats_snapshot){
			.set = sets[i], .values = v[i], .nr = 2,
		};
	}
	KUNIT_EXPECT_EQ(test, constats_read_sets(snaps, ARRAY_SIZE(snaps), 0),
			0);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		KUNIT_EXPECT_EQ(test, v[i][0], i + 1);
		KUNIT_EXPECT_EQ(test, v[i][1], 10 * (i + 1));
		KUNIT_EXPECT_EQ(test, snaps[i].generation, 1);
	}
	/* Bad arguments change nothing. */
	KUNIT_EXPECT_EQ(test, constats_read_sets(NULL, 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, constats_read_sets(snaps, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, constats_read_sets(snaps, 1, 0x80), -EINVAL);
	snaps[1].values = NULL;
	KUNIT_EXPECT_EQ(test, constats_read_sets(snaps, 2, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, snaps[0].generation, 1);
	for (i = 0; i < ARRAY_SIZE(names); i++)
		constats_destroy(sets[i]);
}

static struct kunit_case constats_reader_cases[] = {
	KUNIT_CASE(constats_read_shared_paced),
	KUNIT_CASE(constats_read_waits_for_bracket_rcu_misses),
	KUNIT_CASE(constats_read_recent_ages),
	KUNIT_CASE(constats_read_sets_many),
	KUNIT_CASE(constats_read_waits_for_open_bracket),
	KUNIT_CASE(constats_read_waits_only_for_inflight),
	KUNIT_CASE(constats_read_queued_readers_share),
	{}
};

static struct kunit_suite constats_reader_suite = {
	.name = "constats_reader",
	.test_cases = constats_reader_cases,
};

/*
 * Conservation: kthreads on every CPU and a hardirq hrtimer per CPU move
 * amounts between four counters while a reader checks the sum is 0; at the
 * end every counter equals what the writers tallied.
 */

#define CONS_NR 5	/* four accounts and a bracket count */

struct cons_writer {
	struct constats *set;
	struct task_struct *task;
	struct hrtimer timer;
	s64 tally[CONS_NR];
	u32 rnd;
	bool stop;
};

static void cons_bracket(struct cons_writer *cw)
{
	struct constats_writer w;
	unsigned int from, to;
	s64 amount;

	cw->rnd = cw->rnd * 1103515245 + 12345;
	from = (cw->rnd >> 8) % 4;
	to = (cw->rnd >> 16) % 4;
	amount = (cw->rnd >> 24) + 1;
	constats_acquire(cw->set, &w, CONS_NR);
	constats_add(&w, from, -amount);
	constats_add(&w, to, amount);
	constats_add(&w, 4, 1);
	constats_release(&w);
	cw->tally[from] -= amount;
	cw->tally[to] += amount;
	cw->tally[4]++;
}

static int cons_thread_fn(void *arg)
{
	struct cons_writer *cw = arg;

	while (!READ_ONCE(cw->stop)) {
		cons_bracket(cw);
		cond_resched();
	}
	idle_until_stop();
	return 0;
}

static enum hrtimer_restart cons_timer_fn(struct hrtimer *timer)
{
	struct cons_writer *cw = container_of(timer, struct cons_writer, timer);

	cons_bracket(cw);
	if (READ_ONCE(cw->stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(100 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void cons_start_timer(void *arg)
{
	struct cons_writer *cw = arg;

	hrtimer_start(&cw->timer, ns_to_ktime(100 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_PINNED_HARD);
}

static void constats_read_conserves_across_cpus(struct kunit *test)
{
	static const char *const names[CONS_NR] = {
		"acct0", "acct1", "acct2", "acct3", "brackets",
	};
	struct cons_writer *cw;
	s64 v[CONS_NR], expect[CONS_NR] = {}, last = 0;
	unsigned long end;
	u64 snapshots = 0, violations = 0;
	int cpu, n = 0, i, c;
	struct constats *set;

	set = create_or_fail(test, "kunit_cons", names, CONS_NR);
	cw = kunit_kcalloc(test, 2 * nr_cpu_ids, sizeof(*cw), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cw);

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct cons_writer *t = &cw[n++], *h = &cw[n++];

		t->set = set;
		h->set = set;
		t->rnd = cpu + 1;
		h->rnd = cpu + 1001;
		t->task = kthread_create_on_cpu(cons_thread_fn, t, cpu,
						"constats_kt/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(t->task));
		wake_up_process(t->task);
		hrtimer_setup(&h->timer, cons_timer_fn, CLOCK_MONOTONIC,
			      HRTIMER_MODE_REL_PINNED_HARD);
		smp_call_function_single(cpu, cons_start_timer, h, true);
	}
	cpus_read_unlock();

	end = jiffies + 2 * HZ;
	while (time_before(jiffies, end)) {
		if (constats_read(set, v, CONS_NR, NULL) != CONS_NR)
			violations++;
		snapshots++;
		if (v[0] + v[1] + v[2] + v[3] != 0 || v[4] < last)
			violations++;
		last = v[4];
		cond_resched();
	}

	for (i = 0; i < n; i++)
		WRITE_ONCE(cw[i].stop, true);
	for (i = 0; i < n; i += 2) {
		kthread_stop(cw[i].task);
		hrtimer_cancel(&cw[i + 1].timer);
	}
	for (i = 0; i < n; i++)
		for (c = 0; c < CONS_NR; c++)
			expect[c] += cw[i].tally[c];

	KUNIT_EXPECT_EQ(test, violations, 0);
	KUNIT_EXPECT_GT(test, snapshots, 0);
	KUNIT_ASSERT_EQ(test, constats_read(set, v, CONS_NR, NULL), CONS_NR);
	for (c = 0; c < CONS_NR; c++)
		KUNIT_EXPECT_EQ_MSG(test, v[c], expect[c], "counter %d lost updates", c);
	kunit_info(test, "%llu snapshots, %lld brackets, 0 lost\n", snapshots,
		   v[4]);
	constats_destroy(set);
}

static struct kunit_case constats_stress_cases[] = {
	KUNIT_CASE(constats_read_conserves_across_cpus),
	{}
};

static struct kunit_suite constats_stress_suite = {
	.name = "constats_stress",
	.test_cases = constats_stress_cases,
};

/*
 * Last of all: against a destroy that does not wait (the destroy_no_wait
 * mutant) its case leaves a reader and a writer running in freed memory,
 * which would hang or break any case after it.
 */
static struct kunit_case constats_destroy_cases[] = {
	KUNIT_CASE(constats_destroy_waits_for_reader),
	{}
};

static struct kunit_suite constats_destroy_suite = {
	.name = "constats_destroy",
	.test_cases = constats_destroy_cases,
};

kunit_test_suites(&constats_api_suite, &constats_ring_suite,
		  &constats_nesting_suite, &constats_reader_suite,
		  &constats_stress_suite, &constats_destroy_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for constats");
