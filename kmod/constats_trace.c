// SPDX-License-Identifier: GPL-2.0
/*
 * constats_trace.ko: counts real kernel events in constats sets, as any
 * third-party caller would, through the public API only.
 *
 *	irq:   hardirq and softirq entries and exits, raised softirqs; each
 *	       event is a bracket from its own (hardirq, softirq) context
 *	sched: context switches, wakeups, forks and exits, with live tasks
 *	       (forks - exits since load) kept in the same brackets
 *
 * The tracepoints are found by name with for_each_kernel_tracepoint().
 * Their prototypes below are those of 6.1 and 6.12 alike.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include <linux/constats.h>

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

static struct constats *trace_irq_set, *trace_sched_set;

/*
 * An exit counts only if this CPU counted the entry: an interrupt already
 * running when the probes were attached must not make exits > entries.
 * Neither hardirq handlers nor softirqs nest on one CPU.
 */
static DEFINE_PER_CPU(bool, trace_in_hardirq);
static DEFINE_PER_CPU(bool, trace_in_softirq);

static void trace_bracket(struct constats *set, unsigned int a, s64 da,
			  unsigned int b, s64 db)
{
	struct constats_writer w;

	constats_acquire(set, &w);
	constats_add(&w, a, da);
	if (db)
		constats_add(&w, b, db);
	constats_release(&w);
}

static void probe_irq_entry(void *data, int nr, struct irqaction *action)
{
	this_cpu_write(trace_in_hardirq, true);
	trace_bracket(trace_irq_set, HARD_IN, 1, 0, 0);
}

static void probe_irq_exit(void *data, int nr, struct irqaction *action,
			   int ret)
{
	if (!this_cpu_read(trace_in_hardirq))
		return;
	this_cpu_write(trace_in_hardirq, false);
	trace_bracket(trace_irq_set, HARD_OUT, 1, 0, 0);
}

static void probe_softirq_entry(void *data, unsigned int vec)
{
	this_cpu_write(trace_in_softirq, true);
	trace_bracket(trace_irq_set, SOFT_IN, 1, 0, 0);
}

static void probe_softirq_exit(void *data, unsigned int vec)
{
	if (!this_cpu_read(trace_in_softirq))
		return;
	this_cpu_write(trace_in_softirq, false);
	trace_bracket(trace_irq_set, SOFT_OUT, 1, 0, 0);
}

static void probe_softirq_raise(void *data, unsigned int vec)
{
	trace_bracket(trace_irq_set, SOFT_RAISED, 1, 0, 0);
}

static void probe_switch(void *data, bool preempt, struct task_struct *prev,
			 struct task_struct *next, unsigned int prev_state)
{
	trace_bracket(trace_sched_set, SWITCHES, 1, 0, 0);
}

static void probe_wakeup(void *data, struct task_struct *p)
{
	trace_bracket(trace_sched_set, WAKEUPS, 1, 0, 0);
}

static void probe_wakeup_new(void *data, struct task_struct *p)
{
	trace_bracket(trace_sched_set, WAKEUPS_NEW, 1, 0, 0);
}

static void probe_fork(void *data, struct task_struct *parent,
		       struct task_struct *child)
{
	trace_bracket(trace_sched_set, FORKS, 1, LIVE, 1);
}

static void probe_exit(void *data, struct task_struct *p)
{
	trace_bracket(trace_sched_set, EXITS, 1, LIVE, -1);
}

struct trace_probe {
	const char *name;
	void *probe;
	bool *enabled;
	struct tracepoint *tp;
	bool attached;
};

static struct trace_probe trace_probes[] = {
	{ "irq_handler_entry", (void *)probe_irq_entry, &irq },
	{ "irq_handler_exit", (void *)probe_irq_exit, &irq },
	{ "softirq_entry", (void *)probe_softirq_entry, &irq },
	{ "softirq_exit", (void *)probe_softirq_exit, &irq },
	{ "softirq_raise", (void *)probe_softirq_raise, &irq },
	{ "sched_switch", (void *)probe_switch, &sched },
	{ "sched_wakeup", (void *)probe_wakeup, &sched },
	{ "sched_wakeup_new", (void *)probe_wakeup_new, &sched },
	{ "sched_process_fork", (void *)probe_fork, &sched },
	{ "sched_process_exit", (void *)probe_exit, &sched },
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

static int __init trace_init(void)
{
	unsigned int i;
	int ret;

	if (irq) {
		trace_irq_set = constats_create("irq", irq_names, IRQ_NR);
		if (IS_ERR(trace_irq_set))
			return PTR_ERR(trace_irq_set);
		ret = constats_declare(trace_irq_set,
				       "hardirq_exits <= hardirq_entries") ?:
		      constats_declare(trace_irq_set,
				       "softirq_exits <= softirq_entries");
		if (ret)
			goto err_sets;
	}
	if (sched) {
		trace_sched_set = constats_create("sched", sched_names,
						  SCHED_NR);
		if (IS_ERR(trace_sched_set)) {
			ret = PTR_ERR(trace_sched_set);
			trace_sched_set = NULL;
			goto err_sets;
		}
		ret = constats_declare(trace_sched_set, "live == forks - exits");
		if (ret)
			goto err_sets;
	}

	for_each_kernel_tracepoint(trace_find, NULL);
	for (i = 0; i < ARRAY_SIZE(trace_probes); i++) {
		struct trace_probe *p = &trace_probes[i];

		if (!*p->enabled)
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
	return 0;

err_detach:
	trace_detach();
err_sets:
	constats_destroy(trace_sched_set);
	constats_destroy(trace_irq_set);
	return ret;
}

static void __exit trace_exit(void)
{
	trace_detach();
	constats_destroy(trace_sched_set);
	constats_destroy(trace_irq_set);
}

module_init(trace_init);
module_exit(trace_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("constats fed by kernel tracepoints: irq and sched event sets");
