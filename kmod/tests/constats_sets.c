// SPDX-License-Identifier: GPL-2.0
/*
 * constats_sets.ko: many counter sets, and optionally CPUs kept busy in the
 * kernel by writers, for measuring what readers cost the other CPUs
 * (tools/testing/vm/guest/irq.sh, make bench).
 *
 * Creates nr_sets sets called "sets0", "sets1", ..., each of nr_counters
 * counters "c0", "c1", ..., with "c0 == c1" declared on each that has two.
 * With writer_cpus (a cpulist such as "1-2"), a kthread bound to each of
 * those CPUs brackets every set in turn, adding 1 to each of its counters,
 * until unload: its CPU stays busy in the kernel, yet yields at every pass
 * over the sets (cond_resched()), so the guest's own kthreads still run.
 * Unload stops the writers and destroys the sets.  A count out of range,
 * or a cpulist that does not parse or names a CPU that is not online,
 * fails the load with EINVAL and leaves nothing behind.
 *
 * Only the public API is used, as any other caller would.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <linux/constats.h>

/* Sets named "sets<N>": at most 27 digits fit, far more than we allow. */
#define SETS_MAX	100000

static uint nr_sets = 32;
module_param(nr_sets, uint, 0444);
MODULE_PARM_DESC(nr_sets, "Sets to create, 1 to 100000 (default 32)");

static uint nr_counters = 16;
module_param(nr_counters, uint, 0444);
MODULE_PARM_DESC(nr_counters, "Counters in each set, 1 to 256 (default 16)");

static char *writer_cpus = "";
module_param(writer_cpus, charp, 0444);
MODULE_PARM_DESC(writer_cpus,
		 "Online CPUs to keep busy with in-kernel writers, a cpulist like \"1-2\" (default none)");

static struct constats **sets_sets;
static unsigned int sets_created;
static struct task_struct **sets_writers;	/* [nr_cpu_ids] */

/* Every set in turn, one bracket each, until kthread_stop(). */
static int sets_writer_fn(void *unused)
{
	unsigned int i, c;

	while (!kthread_should_stop()) {
		for (i = 0; i < sets_created; i++) {
			struct constats_writer w;

			constats_acquire(sets_sets[i], &w, nr_counters);
			for (c = 0; c < nr_counters; c++)
				constats_add(&w, c, 1);
			constats_release(&w);
		}
		/* Busy, but not hogging: the CPU's other work still runs. */
		cond_resched();
	}
	return 0;
}

static void sets_free(void)
{
	unsigned int cpu;

	for (cpu = 0; sets_writers && cpu < nr_cpu_ids; cpu++)
		if (sets_writers[cpu])
			kthread_stop(sets_writers[cpu]);
	kfree(sets_writers);
	while (sets_created)
		constats_destroy(sets_sets[--sets_created]);
	kfree(sets_sets);
}

static int sets_create(void)
{
	const char **names;
	char name[CONSTATS_NAME_MAX + 1];
	unsigned int i;
	int ret = -ENOMEM;

	names = kcalloc(nr_counters, sizeof(*names), GFP_KERNEL);
	sets_sets = kcalloc(nr_sets, sizeof(*sets_sets), GFP_KERNEL);
	if (!names || !sets_sets)
		goto out;
	for (i = 0; i < nr_counters; i++) {
		names[i] = kasprintf(GFP_KERNEL, "c%u", i);
		if (!names[i])
			goto out;
	}
	for (i = 0; i < nr_sets; i++) {
		struct constats *set;

		snprintf(name, sizeof(name), "sets%u", i);
		set = constats_create(name, names, nr_counters);
		if (IS_ERR(set)) {
			ret = PTR_ERR(set);
			goto out;
		}
		sets_sets[sets_created++] = set;
		/* Every bracket adds to both: a torn snapshot breaks it. */
		if (nr_counters >= 2) {
			ret = constats_declare(set, "c0 == c1");
			if (ret)
				goto out;
		}
	}
	ret = 0;
out:
	for (i = 0; names && i < nr_counters; i++)
		kfree(names[i]);
	kfree(names);
	return ret;
}

static int sets_start_writers(void)
{
	cpumask_var_t mask;
	unsigned int cpu;
	int ret;

	if (!*writer_cpus)
		return 0;
	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	ret = cpulist_parse(writer_cpus, mask);
	if (ret)
		goto out;
	sets_writers = kcalloc(nr_cpu_ids, sizeof(*sets_writers), GFP_KERNEL);
	ret = -ENOMEM;
	if (!sets_writers)
		goto out;
	cpus_read_lock();
	ret = cpumask_subset(mask, cpu_online_mask) ? 0 : -EINVAL;
	for_each_cpu(cpu, ret ? cpu_none_mask : mask) {
		struct task_struct *t;

		t = kthread_create_on_cpu(sets_writer_fn, NULL, cpu,
					  "constats_sets/%u");
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			break;
		}
		sets_writers[cpu] = t;
		wake_up_process(t);
	}
	cpus_read_unlock();
out:
	free_cpumask_var(mask);
	return ret;
}

static int __init sets_init(void)
{
	int ret;

	if (!nr_sets || nr_sets > SETS_MAX || !nr_counters ||
	    nr_counters > CONSTATS_MAX_COUNTERS)
		return -EINVAL;
	ret = sets_create();
	if (ret)
		goto err_free;
	ret = sets_start_writers();
	if (ret)
		goto err_free;
	pr_info("%u sets of %u counters, writers on CPUs \"%s\"\n",
		sets_created, nr_counters, writer_cpus);
	return 0;

err_free:
	sets_free();
	return ret;
}

static void __exit sets_exit(void)
{
	sets_free();
}

module_init(sets_init);
module_exit(sets_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Many constats sets, and CPUs kept busy writing them, for measuring readers");
