// SPDX-License-Identifier: GPL-2.0
/*
 * constats_trace.ko: counts real kernel events in constats sets, as any
 * third-party caller would, through the public API only.
 *
 *	irq:   hardirq and softirq entries and exits, raised softirqs; each
 *	       event is a bracket from its own (hardirq, softirq) context
 *	sched: context switches, wakeups, forks and exits, with live tasks
 *	       (forks - exits since load) kept in the same brackets
 *	block: requests issued, requeued and completed, with their bytes and
 *	       the bytes in flight kept in the same brackets
 *
 * The tracepoints are found by name with for_each_kernel_tracepoint().
 * Their prototypes below are those of 6.1 and 6.12 alike.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/interrupt.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include <linux/constats.h>

#include "constats_racy.h"

static bool irq = true;
module_param(irq, bool, 0444);
MODULE_PARM_DESC(irq, "Count hardirq and softirq events in the set \"irq\" (default on)");

static bool sched = true;
module_param(sched, bool, 0444);
MODULE_PARM_DESC(sched, "Count scheduler events in the set \"sched\" (default on)");

enum { HARD_IN, HARD_OUT, SOFT_IN, SOFT_OUT, SOFT_RAISED, IRQ_NR };
static const char *const irq_names[IRQ_NR] = {
	"hardirq_entries", "hardirq_exits", "softirq_entries",
	"softirq_exits", "softirq_raised",
};

enum { SWITCHES, WAKEUPS, WAKEUPS_NEW, FORKS, EXITS, LIVE, SCHED_NR };
static const char *const sched_names[SCHED_NR] = {
	"switches", "wakeups", "wakeups_new", "forks", "exits", "live",
};

static bool block = true;
module_param(block, bool, 0444);
MODULE_PARM_DESC(block, "Count block requests in the set \"block\" (default on)");

enum {
	RQ_ISSUED, RQ_REQUEUED, RQ_COMPLETIONS, BYTES_ISSUED, BYTES_REQUEUED,
	BYTES_COMPLETED, BYTES_IN_FLIGHT, BLOCK_NR
};

static const char *const block_names[BLOCK_NR] = {
	"requests_issued", "requests_requeued", "completions", "bytes_issued",
	"bytes_requeued", "bytes_completed", "bytes_in_flight",
};

static unsigned int compare_us;
module_param(compare_us, uint, 0444);
MODULE_PARM_DESC(compare_us, "Also keep every event in percpu_counters and, every compare_us microseconds, hold their racy sums and a constats snapshot to the same invariants, counting the results in the set \"trace_compare\" (default 0: off)");

/**
 * struct trace_set - one set this module keeps
 * @name: the set's name
 * @names: its counters' names
 * @nr: how many
 * @invariants: what every snapshot of it must satisfy, NULL-terminated
 * @enabled: the module parameter that asks for it
 * @set: the set, while it exists
 * @racy: with compare_us, the same events in percpu_counters, which can
 *	  only be summed one counter after another
 */
struct trace_set {
	const char *name;
	const char *const *names;
	unsigned int nr;
	const char *const *invariants;
	bool *enabled;
	struct constats *set;
	struct constats_racy *racy;
};

static struct trace_set trace_irq = {
	.name = "irq", .names = irq_names, .nr = IRQ_NR, .enabled = &irq,
	.invariants = (const char *const []) {
		"hardirq_exits <= hardirq_entries",
		"softirq_exits <= softirq_entries",
		NULL,
	},
};

static struct trace_set trace_sched = {
	.name = "sched", .names = sched_names, .nr = SCHED_NR,
	.enabled = &sched,
	.invariants = (const char *const []) {
		"live == forks - exits",
		NULL,
	},
};

static struct trace_set trace_block = {
	.name = "block", .names = block_names, .nr = BLOCK_NR,
	.enabled = &block,
	.invariants = (const char *const []) {
		"bytes_in_flight == bytes_issued - bytes_requeued - bytes_completed",
		NULL,
	},
};

static struct trace_set *const trace_sets[] = {
	&trace_irq, &trace_sched, &trace_block,
};

/* Most counters in one of them. */
#define TRACE_MAX_NR	8

/*
 * An exit counts only if this CPU counted the entry: an interrupt already
 * running when the probes were attached must not make exits > entries.
 * Neither hardirq handlers nor softirqs nest on one CPU.
 */
static DEFINE_PER_CPU(bool, trace_in_hardirq);
static DEFINE_PER_CPU(bool, trace_in_softirq);

struct trace_add {
	unsigned int counter;
	s64 delta;
};

/* One event: its adds to @ts in one bracket. */
static void trace_bracket(struct trace_set *ts, const struct trace_add *add,
			  unsigned int nr)
{
	struct constats_writer w;
	unsigned int i;

	constats_acquire(ts->set, &w, ts->nr);
	for (i = 0; i < nr; i++)
		constats_add(&w, add[i].counter, add[i].delta);
	constats_release(&w);

	if (!ts->racy)
		return;
	/* As a percpu_counter user counts: each add on its own. */
	for (i = 0; i < nr; i++)
		constats_racy_add(ts->racy, add[i].counter, add[i].delta);
}

static void trace_count(struct trace_set *ts, unsigned int counter)
{
	const struct trace_add add = { counter, 1 };

	trace_bracket(ts, &add, 1);
}

static void probe_irq_entry(void *data, int nr, struct irqaction *action)
{
	this_cpu_write(trace_in_hardirq, true);
	trace_count(&trace_irq, HARD_IN);
}

static void probe_irq_exit(void *data, int nr, struct irqaction *action,
			   int ret)
{
	if (!this_cpu_read(trace_in_hardirq))
		return;
	this_cpu_write(trace_in_hardirq, false);
	trace_count(&trace_irq, HARD_OUT);
}

static void probe_softirq_entry(void *data, unsigned int vec)
{
	this_cpu_write(trace_in_softirq, true);
	trace_count(&trace_irq, SOFT_IN);
}

static void probe_softirq_exit(void *data, unsigned int vec)
{
	if (!this_cpu_read(trace_in_softirq))
		return;
	this_cpu_write(trace_in_softirq, false);
	trace_count(&trace_irq, SOFT_OUT);
}

static void probe_softirq_raise(void *data, unsigned int vec)
{
	trace_count(&trace_irq, SOFT_RAISED);
}

static void probe_switch(void *data, bool preempt, struct task_struct *prev,
			 struct task_struct *next, unsigned int prev_state)
{
	trace_count(&trace_sched, SWITCHES);
}

static void probe_wakeup(void *data, struct task_struct *p)
{
	trace_count(&trace_sched, WAKEUPS);
}

static void probe_wakeup_new(void *data, struct task_struct *p)
{
	trace_count(&trace_sched, WAKEUPS_NEW);
}

static void probe_fork(void *data, struct task_struct *parent,
		       struct task_struct *child)
{
	static const struct trace_add add[] = { { FORKS, 1 }, { LIVE, 1 } };

	trace_bracket(&trace_sched, add, ARRAY_SIZE(add));
}

static void probe_exit(void *data, struct task_struct *p)
{
	static const struct trace_add add[] = { { EXITS, 1 }, { LIVE, -1 } };

	trace_bracket(&trace_sched, add, ARRAY_SIZE(add));
}

/*
 * A request's bytes are in flight from issue until completed (possibly in
 * parts: block_rq_complete reports each part) or requeued, after which it
 * is issued again with what is left.
 */
static void probe_rq_issue(void *data, struct request *rq)
{
	s64 bytes = blk_rq_bytes(rq);
	const struct trace_add add[] = {
		{ RQ_ISSUED, 1 }, { BYTES_ISSUED, bytes },
		{ BYTES_IN_FLIGHT, bytes },
	};

	trace_bracket(&trace_block, add, ARRAY_SIZE(add));
}

static void probe_rq_requeue(void *data, struct request *rq)
{
	s64 bytes = blk_rq_bytes(rq);
	const struct trace_add add[] = {
		{ RQ_REQUEUED, 1 }, { BYTES_REQUEUED, bytes },
		{ BYTES_IN_FLIGHT, -bytes },
	};

	trace_bracket(&trace_block, add, ARRAY_SIZE(add));
}

static void probe_rq_complete(void *data, struct request *rq,
			      blk_status_t error, unsigned int nr_bytes)
{
	const struct trace_add add[] = {
		{ RQ_COMPLETIONS, 1 }, { BYTES_COMPLETED, nr_bytes },
		{ BYTES_IN_FLIGHT, -(s64)nr_bytes },
	};

	trace_bracket(&trace_block, add, ARRAY_SIZE(add));
}

/* A probe is attached when its set exists. */
struct trace_probe {
	const char *name;
	void *probe;
	struct trace_set *ts;
	struct tracepoint *tp;
	bool attached;
};

static struct trace_probe trace_probes[] = {
	{ "irq_handler_entry", (void *)probe_irq_entry, &trace_irq },
	{ "irq_handler_exit", (void *)probe_irq_exit, &trace_irq },
	{ "softirq_entry", (void *)probe_softirq_entry, &trace_irq },
	{ "softirq_exit", (void *)probe_softirq_exit, &trace_irq },
	{ "softirq_raise", (void *)probe_softirq_raise, &trace_irq },
	{ "sched_switch", (void *)probe_switch, &trace_sched },
	{ "sched_wakeup", (void *)probe_wakeup, &trace_sched },
	{ "sched_wakeup_new", (void *)probe_wakeup_new, &trace_sched },
	{ "sched_process_fork", (void *)probe_fork, &trace_sched },
	{ "sched_process_exit", (void *)probe_exit, &trace_sched },
	{ "block_rq_issue", (void *)probe_rq_issue, &trace_block },
	{ "block_rq_requeue", (void *)probe_rq_requeue, &trace_block },
	{ "block_rq_complete", (void *)probe_rq_complete, &trace_block },
};

static void trace_find(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(trace_probes); i++)
		if (!strcmp(tp->name, trace_probes[i].name))
			trace_probes[i].tp = tp;
}

static void trace_detach(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(trace_probes); i++) {
		if (!trace_probes[i].attached)
			continue;
		tracepoint_probe_unregister(trace_probes[i].tp,
					    trace_probes[i].probe, NULL);
		trace_probes[i].attached = false;
	}
	/* No probe runs past here: the sets can go. */
	tracepoint_synchronize_unregister();
}

static void trace_set_destroy(struct trace_set *ts)
{
	constats_destroy(ts->set);
	ts->set = NULL;
	constats_racy_destroy(ts->racy);
	ts->racy = NULL;
}

static int trace_set_create(struct trace_set *ts)
{
	const char *const *inv;
	struct constats *set;
	int ret;

	set = constats_create(ts->name, ts->names, ts->nr);
	if (IS_ERR(set))
		return PTR_ERR(set);
	ts->set = set;
	for (inv = ts->invariants; *inv; inv++) {
		ret = constats_declare(set, *inv);
		if (ret)
			goto err;
	}
	if (compare_us) {
		ts->racy = constats_racy_create(ts->nr);
		if (!ts->racy) {
			ret = -ENOMEM;
			goto err;
		}
	}
	return 0;

err:
	trace_set_destroy(ts);
	return ret;
}

/*
 * The comparison (compare_us): the percpu_counter sums of constats_racy.h
 * and a constats snapshot of the same set, taken right after, are held to
 * the same invariants.  Each round is one bracket in "trace_compare".
 */
static const char *const compare_names[] = {
	"rounds",
	"irq_racy_violations", "irq_constats_violations",
	"sched_racy_violations", "sched_constats_violations",
	"block_racy_violations", "block_constats_violations",
};

/* Where set @i of trace_sets[] counts its racy and constats violations. */
#define CMP_RACY(i)	(1 + 2 * (i))
#define CMP_CONSTATS(i)	(2 + 2 * (i))

static struct constats *trace_compare_set;
static struct task_struct *trace_compare_task;

/*
 * Counts a round of @ts into @bad[0] (racy sums) and @bad[1] (constats);
 * CMP_RACY() and CMP_CONSTATS() are adjacent.
 */
static void trace_compare_set_round(struct trace_set *ts, s64 *v, s64 *bad)
{
	constats_racy_sum(ts->racy, v);
	bad[0] = constats_check(ts->set, v, ts->nr) > 0;
	bad[1] = constats_read(ts->set, v, ts->nr, NULL) == ts->nr &&
		 constats_check(ts->set, v, ts->nr) > 0;
}

static int trace_compare_fn(void *unused)
{
	s64 v[TRACE_MAX_NR], bad[ARRAY_SIZE(compare_names)];

	BUILD_BUG_ON(ARRAY_SIZE(compare_names) !=
		     CMP_CONSTATS(ARRAY_SIZE(trace_sets) - 1) + 1);
	BUILD_BUG_ON(IRQ_NR > TRACE_MAX_NR || SCHED_NR > TRACE_MAX_NR ||
		     BLOCK_NR > TRACE_MAX_NR);
	while (!kthread_should_stop()) {
		struct constats_writer w;
		unsigned int i;

		memset(bad, 0, sizeof(bad));
		for (i = 0; i < ARRAY_SIZE(trace_sets); i++)
			if (trace_sets[i]->set)
				trace_compare_set_round(trace_sets[i], v,
							&bad[CMP_RACY(i)]);
		bad[0] = 1;	/* rounds */
		constats_acquire(trace_compare_set, &w, ARRAY_SIZE(bad));
		for (i = 0; i < ARRAY_SIZE(bad); i++)
			constats_add(&w, i, bad[i]);
		constats_release(&w);
		usleep_range(compare_us, compare_us + compare_us / 4 + 1);
	}
	return 0;
}

static void trace_compare_stop(void)
{
	if (trace_compare_task)
		kthread_stop(trace_compare_task);
	constats_destroy(trace_compare_set);
}

static int trace_compare_start(void)
{
	int ret;

	trace_compare_set = constats_create("trace_compare", compare_names,
					    ARRAY_SIZE(compare_names));
	if (IS_ERR(trace_compare_set))
		return PTR_ERR(trace_compare_set);
	trace_compare_task = kthread_run(trace_compare_fn, NULL,
					 "constats_compare");
	if (IS_ERR(trace_compare_task)) {
		ret = PTR_ERR(trace_compare_task);
		goto err_destroy;
	}
	return 0;

err_destroy:
	constats_destroy(trace_compare_set);
	return ret;
}

static int __init trace_init(void)
{
	unsigned int i;
	int ret;

	if (compare_us > USEC_PER_SEC) {
		pr_err("compare_us=%u: at most %lu\n", compare_us, USEC_PER_SEC);
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(trace_sets); i++) {
		if (!*trace_sets[i]->enabled)
			continue;
		ret = trace_set_create(trace_sets[i]);
		if (ret)
			goto err_sets;
	}

	for_each_kernel_tracepoint(trace_find, NULL);
	for (i = 0; i < ARRAY_SIZE(trace_probes); i++) {
		struct trace_probe *p = &trace_probes[i];

		if (!p->ts->set)
			continue;
		if (!p->tp) {
			pr_err("tracepoint %s not found\n", p->name);
			ret = -ENOENT;
			goto err_detach;
		}
		ret = tracepoint_probe_register(p->tp, p->probe, NULL);
		if (ret)
			goto err_detach;
		p->attached = true;
	}

	if (compare_us) {
		ret = trace_compare_start();
		if (ret)
			goto err_detach;
	}
	return 0;

err_detach:
	trace_detach();
err_sets:
	for (i = ARRAY_SIZE(trace_sets); i-- > 0;)
		trace_set_destroy(trace_sets[i]);
	return ret;
}

static void __exit trace_exit(void)
{
	unsigned int i;

	if (compare_us)
		trace_compare_stop();
	trace_detach();
	for (i = ARRAY_SIZE(trace_sets); i-- > 0;)
		trace_set_destroy(trace_sets[i]);
}

module_init(trace_init);
module_exit(trace_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("constats fed by kernel tracepoints: irq, sched and block event sets");
