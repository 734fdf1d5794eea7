// SPDX-License-Identifier: GPL-2.0
/*
 * constats_bench.ko: what a constats bracket costs against the kernel's own
 * alternatives, measured in one run on the machine it is loaded on.
 *
 * For K = 1, 4 and 16 counters per bracket:
 *  - ns per bracket on one CPU: constats (task and hardirq context), K
 *    __this_cpu_inc with preemption off (the floor), the floor plus one
 *    smp_mb(), K atomic64_add on shared counters, K percpu_counter_add, a
 *    spin_lock_irqsave bracket, a u64_stats bracket, and a Go-style bracket
 *    (per-CPU sequence, shared atomic deltas, as the Go runtime's
 *    consistentHeapStats does);
 *  - brackets per second with 1..nr_online writers on the same counters;
 *  - snapshot latency for 1, 16 and 256 counters against percpu_counter_sum
 *    over as many counters (alone with readers_only=1, which make bench
 *    loads at each -smp), with the median and 99th percentile of the
 *    constats snapshots, and the writer's cost while a reader snapshots
 *    back-to-back.
 *
 * Results go to the kernel log as a table and as lines
 * "constats_bench: csv,<section>,<method>,<k>,<x>,<value>".  Timings, not
 * tests: the module always loads.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/percpu_counter.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>

#include <linux/constats.h>

#include "constats_bench.h"

static uint iterations = 100000;
module_param(iterations, uint, 0444);
MODULE_PARM_DESC(iterations, "Brackets per single-CPU measurement (default 100000)");

static uint duration_ms = 200;
module_param(duration_ms, uint, 0444);
MODULE_PARM_DESC(duration_ms, "Length of each throughput measurement in ms (default 200)");

static bool readers_only;
module_param(readers_only, bool, 0444);
MODULE_PARM_DESC(readers_only,
		 "Measure only the snapshot latency, as make bench does at each -smp (default off)");

#define BENCH_MAX_K 16
#define BENCH_READ_MAX 256

struct bench_floor {
	s64 v[BENCH_MAX_K];
};

struct bench_u64s {
	struct u64_stats_sync syncp;
	u64_stats_t v[BENCH_MAX_K];
};

/* The Go-style baseline: per-CPU sequence, deltas shared by all CPUs. */
struct bench_go {
	atomic64_t deltas[CONSTATS_NR_GENS][BENCH_MAX_K] ____cacheline_aligned;
	atomic_t gen;
};

static struct constats *bench_set;
static struct bench_floor __percpu *bench_floor;
static struct bench_u64s __percpu *bench_u64s;
static atomic_t __percpu *bench_go_seq;
static struct bench_go *bench_go;
static atomic64_t *bench_shared;
static struct percpu_counter bench_pc[BENCH_READ_MAX];
static s64 *bench_locked;
static DEFINE_SPINLOCK(bench_lock);

static void bench_constats(unsigned int k)
{
	constats_bench_bracket(bench_set, k);
}

/* Out of line, for the disassembly in the report. */
static noinline __used void bench_fastpath(struct constats *set)
{
	constats_bench_bracket4(set);
}

static void bench_floor_fn(unsigned int k)
{
	constats_bench_floor(bench_floor->v, k);
}

static void bench_floor_mb(unsigned int k)
{
	bench_floor_fn(k);
	smp_mb();	/* what a fenced writer would pay */
}

static void bench_atomic(unsigned int k)
{
	unsigned int i;

	for (i = 0; i < k; i++)
		atomic64_inc(&bench_shared[i]);
}

static void bench_percpu_counter(unsigned int k)
{
	unsigned int i;

	for (i = 0; i < k; i++)
		percpu_counter_add(&bench_pc[i], 1);
}

static void bench_spinlock(unsigned int k)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&bench_lock, flags);
	for (i = 0; i < k; i++)
		bench_locked[i]++;
	spin_unlock_irqrestore(&bench_lock, flags);
}

static void bench_u64_stats(unsigned int k)
{
	struct bench_u64s *s = get_cpu_ptr(bench_u64s);
	unsigned int i;

	u64_stats_update_begin(&s->syncp);
	for (i = 0; i < k; i++)
		u64_stats_inc(&s->v[i]);
	u64_stats_update_end(&s->syncp);
	put_cpu_ptr(bench_u64s);
}

static void bench_go_style(unsigned int k)
{
	atomic_t *seq;
	unsigned int i, gen;

	preempt_disable();
	seq = this_cpu_ptr(bench_go_seq);
	atomic_inc(seq);		/* Go: atomic.Xadd(&pp.statsSeq, 1) */
	gen = atomic_read(&bench_go->gen) % CONSTATS_NR_GENS;
	for (i = 0; i < k; i++)
		atomic64_inc(&bench_go->deltas[gen][i]);
	atomic_inc(seq);
	preempt_enable();
}

struct bench_method {
	const char *name;
	void (*fn)(unsigned int k);
	bool throughput;
};

static const struct bench_method bench_methods[] = {
	{ "constats", bench_constats, true },
	{ "this_cpu_add", bench_floor_fn, true },
	{ "this_cpu_add+mb", bench_floor_mb, false },
	{ "go_style", bench_go_style, true },
	{ "atomic64", bench_atomic, true },
	{ "percpu_counter", bench_percpu_counter, true },
	{ "spin_lock_irqsave", bench_spinlock, true },
	{ "u64_stats", bench_u64_stats, false },
};

static const unsigned int bench_ks[] = { 1, 4, 16 };

/* ns per bracket of @fn with @k counters, on this CPU. */
static u64 bench_cost(void (*fn)(unsigned int), unsigned int k, unsigned int n)
{
	u64 t0, t1;
	unsigned int i;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++)
		fn(k);
	t1 = ktime_get_ns();
	return (t1 - t0) * 1000 / n;	/* in 1/1000 ns */
}

struct bench_irq {
	struct irq_work work;
	unsigned int k, n;
	u64 cost;
	bool done;
};

static void bench_irq_fn(struct irq_work *work)
{
	struct bench_irq *b = container_of(work, struct bench_irq, work);

	b->cost = bench_cost(bench_constats, b->k, b->n);
	WRITE_ONCE(b->done, true);
}

/* The same, with every bracket in hardirq context (an irq_work). */
static u64 bench_cost_hardirq(unsigned int k, unsigned int n)
{
	struct bench_irq b = { .k = k, .n = n };

	init_irq_work(&b.work, bench_irq_fn);
	preempt_disable();
	irq_work_queue(&b.work);
	while (!READ_ONCE(b.done))
		cpu_relax();
	preempt_enable();
	irq_work_sync(&b.work);
	return b.cost;
}

static void bench_csv(const char *section, const char *method, unsigned int k,
		      unsigned int x, u64 milli)
{
	pr_info("csv,%s,%s,%u,%u,%llu.%03llu\n", section, method, k, x,
		milli / 1000, milli % 1000);
}

static void bench_single_cpu(void)
{
	u64 cost[ARRAY_SIZE(bench_methods)][ARRAY_SIZE(bench_ks)];
	unsigned int m, j;

	pr_info("ns per bracket, one CPU (K counters per bracket):\n");
	for (j = 0; j < ARRAY_SIZE(bench_ks); j++) {
		for (m = 0; m < ARRAY_SIZE(bench_methods); m++) {
			cost[m][j] = bench_cost(bench_methods[m].fn,
						bench_ks[j], iterations);
			bench_csv("cost", bench_methods[m].name, bench_ks[j], 1,
				  cost[m][j]);
			cond_resched();
		}
		bench_csv("cost", "constats_hardirq", bench_ks[j], 1,
			  bench_cost_hardirq(bench_ks[j], iterations / 10));
	}
	for (m = 0; m < ARRAY_SIZE(bench_methods); m++)
		pr_info("  %-18s K=1 %6llu  K=4 %6llu  K=16 %6llu\n",
			bench_methods[m].name, cost[m][0] / 1000,
			cost[m][1] / 1000, cost[m][2] / 1000);
	/* The headline ratios, for K = 4, in 1/1000. */
	bench_csv("ratio", "constats/go_style", 4, 1,
		  cost[0][1] * 1000 / max_t(u64, cost[3][1], 1));
	bench_csv("ratio", "constats/(this_cpu_add+mb)", 4, 1,
		  cost[0][1] * 1000 / max_t(u64, cost[2][1], 1));
	bench_csv("ratio", "constats/this_cpu_add", 4, 1,
		  cost[0][1] * 1000 / max_t(u64, cost[1][1], 1));
}

struct bench_thread {
	struct task_struct *task;
	void (*fn)(unsigned int k);
	unsigned int k;
	u64 ops;
	bool *stop;
	struct completion *ready;
};

static int bench_thread_fn(void *arg)
{
	struct bench_thread *t = arg;
	u64 ops = 0;

	complete(t->ready);
	while (!READ_ONCE(*t->stop)) {
		t->fn(t->k);
		if (!(++ops & 255))
			cond_resched();
	}
	t->ops = ops;
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/* Brackets per second with @writers kthreads on the first online CPUs. */
static u64 bench_throughput(void (*fn)(unsigned int), unsigned int k,
			    unsigned int writers)
{
	struct bench_thread *t;
	DECLARE_COMPLETION_ONSTACK(ready);
	unsigned int i = 0, started = 0;
	bool stop = false;
	u64 ops = 0;
	int cpu;

	t = kcalloc(writers, sizeof(*t), GFP_KERNEL);
	if (!t)
		return 0;
	for_each_online_cpu(cpu) {
		if (i == writers)
			break;
		t[i] = (struct bench_thread){ .fn = fn, .k = k, .stop = &stop,
					      .ready = &ready };
		t[i].task = kthread_create_on_cpu(bench_thread_fn, &t[i], cpu,
						  "constats_bench/%u");
		if (IS_ERR(t[i].task))
			break;
		wake_up_process(t[i].task);
		i++;
	}
	for (started = 0; started < i; started++)
		wait_for_completion(&ready);
	msleep(duration_ms);
	WRITE_ONCE(stop, true);
	while (i--) {
		kthread_stop(t[i].task);
		ops += t[i].ops;
	}
	kfree(t);
	return ops * 1000 / duration_ms;
}

static void bench_scaling(void)
{
	unsigned int m, w, nr = num_online_cpus();

	pr_info("brackets/s (K=4) by writers:\n");
	for (m = 0; m < ARRAY_SIZE(bench_methods); m++) {
		if (!bench_methods[m].throughput)
			continue;
		for (w = 1; w <= nr; w++) {
			u64 ops = bench_throughput(bench_methods[m].fn, 4, w);

			pr_info("  %-18s writers=%u %llu\n",
				bench_methods[m].name, w, ops);
			bench_csv("throughput", bench_methods[m].name, 4, w,
				  ops * 1000);
		}
	}
}

struct bench_reader {
	struct constats *set;
	bool stop;
	struct completion ready;
};

static int bench_reader_fn(void *arg)
{
	struct bench_reader *r = arg;
	s64 v[BENCH_MAX_K];

	complete(&r->ready);
	while (!READ_ONCE(r->stop))
		constats_read(r->set, v, BENCH_MAX_K, NULL);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void bench_readers(void)
{
	static const unsigned int sizes[] = { 1, 16, BENCH_READ_MAX };
	const char **names;
	u64 *lat;
	s64 *v;
	unsigned int j, i, reads = 2000;

	names = kcalloc(BENCH_READ_MAX, sizeof(*names), GFP_KERNEL);
	v = kcalloc(BENCH_READ_MAX, sizeof(*v), GFP_KERNEL);
	lat = kcalloc(reads, sizeof(*lat), GFP_KERNEL);
	if (!names || !v || !lat)
		goto out;
	for (i = 0; i < BENCH_READ_MAX; i++) {
		names[i] = kasprintf(GFP_KERNEL, "c%u", i);
		if (!names[i])
			goto out;
	}
	pr_info("snapshot latency, ns (%u online of %u possible CPUs):\n",
		num_online_cpus(), num_possible_cpus());
	for (j = 0; j < ARRAY_SIZE(sizes); j++) {
		struct constats *set = constats_create("bench_read", names,
						       sizes[j]);
		u64 t0, t_constats, t_pc;
		s64 sum = 0;

		if (IS_ERR(set))
			goto out;
		t0 = ktime_get_ns();
		for (i = 0; i < reads; i++) {
			u64 t1 = ktime_get_ns();

			constats_read(set, v, sizes[j], NULL);
			lat[i] = ktime_get_ns() - t1;
		}
		t_constats = (ktime_get_ns() - t0) * 1000 / reads;
		/* The tail too: one slow snapshot in a hundred matters. */
		sort(lat, reads, sizeof(*lat), bench_cmp_u64, NULL);
		t0 = ktime_get_ns();
		for (i = 0; i < reads; i++) {
			unsigned int c;

			for (c = 0; c < sizes[j]; c++)
				sum += percpu_counter_sum(&bench_pc[c]);
		}
		t_pc = (ktime_get_ns() - t0) * 1000 / reads;
		constats_destroy(set);
		pr_info("  %3u counters: constats_read %llu, percpu_counter_sum x%u %llu (sum %lld)\n",
			sizes[j], t_constats / 1000, sizes[j], t_pc / 1000,
			sum);
		bench_csv("read", "constats_read", sizes[j], num_online_cpus(),
			  t_constats);
		bench_csv("read", "percpu_counter_sum", sizes[j],
			  num_online_cpus(), t_pc);
		bench_csv("read_p50", "constats_read", sizes[j],
			  num_online_cpus(), lat[reads / 2] * 1000);
		bench_csv("read_p99", "constats_read", sizes[j],
			  num_online_cpus(), lat[reads * 99 / 100] * 1000);
	}
out:
	for (i = 0; names && i < BENCH_READ_MAX; i++)
		kfree(names[i]);
	kfree(names);
	kfree(v);
	kfree(lat);
}

/* A writer's cost alone, then with a reader snapshotting back-to-back. */
static void bench_writer_under_reader(void)
{
	struct bench_reader r = { .set = bench_set };
	struct task_struct *t;
	u64 alone, loaded;
	int cpu;

	if (num_online_cpus() < 2)
		return;
	preempt_disable();
	cpu = smp_processor_id();
	alone = bench_cost(bench_constats, 4, iterations);
	preempt_enable();
	init_completion(&r.ready);
	t = kthread_create_on_cpu(bench_reader_fn, &r,
				  cpumask_any_but(cpu_online_mask, cpu),
				  "constats_bench_reader/%u");
	if (IS_ERR(t))
		return;
	wake_up_process(t);
	wait_for_completion(&r.ready);
	preempt_disable();
	loaded = bench_cost(bench_constats, 4, iterations);
	preempt_enable();
	WRITE_ONCE(r.stop, true);
	kthread_stop(t);
	pr_info("writer K=4: %llu ns alone, %llu ns with a reader snapshotting back-to-back\n",
		alone / 1000, loaded / 1000);
	bench_csv("reader_load", "constats_alone", 4, 1, alone);
	bench_csv("reader_load", "constats_with_reader", 4, 1, loaded);
}

static void bench_free(void)
{
	unsigned int i;

	for (i = 0; i < BENCH_READ_MAX; i++)
		percpu_counter_destroy(&bench_pc[i]);
	kfree(bench_locked);
	kfree(bench_shared);
	kfree(bench_go);
	free_percpu(bench_go_seq);
	free_percpu(bench_u64s);
	free_percpu(bench_floor);
	constats_destroy(bench_set);
}

static int __init bench_init(void)
{
	static const char *const names[BENCH_MAX_K] = {
		"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7",
		"c8", "c9", "c10", "c11", "c12", "c13", "c14", "c15",
	};
	unsigned int i;
	int cpu;

	if (!iterations || !duration_ms)
		return -EINVAL;
	bench_set = constats_create("bench", names, BENCH_MAX_K);
	if (IS_ERR(bench_set))
		return PTR_ERR(bench_set);
	bench_floor = alloc_percpu(struct bench_floor);
	bench_u64s = alloc_percpu(struct bench_u64s);
	bench_go_seq = alloc_percpu(atomic_t);
	bench_go = kzalloc(sizeof(*bench_go), GFP_KERNEL);
	bench_shared = kcalloc(BENCH_MAX_K, sizeof(*bench_shared), GFP_KERNEL);
	bench_locked = kcalloc(BENCH_MAX_K, sizeof(*bench_locked), GFP_KERNEL);
	for (i = 0; i < BENCH_READ_MAX; i++)
		if (percpu_counter_init(&bench_pc[i], 0, GFP_KERNEL))
			break;
	if (i < BENCH_READ_MAX || !bench_floor || !bench_u64s ||
	    !bench_go_seq || !bench_go || !bench_shared || !bench_locked) {
		bench_free();
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(bench_u64s, cpu)->syncp);

	pr_info("start: %u iterations, %u ms per throughput point, %u online CPUs\n",
		iterations, duration_ms, num_online_cpus());
	if (!readers_only) {
		bench_single_cpu();
		bench_scaling();
	}
	bench_readers();
	if (!readers_only)
		bench_writer_under_reader();
	pr_info("done\n");
	return 0;
}

static void __exit bench_exit(void)
{
	bench_free();
}

module_init(bench_init);
module_exit(bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("constats benchmarks against the kernel's per-CPU and shared counters");
