// SPDX-License-Identifier: GPL-2.0
/*
 * constats_stress.ko: moves amounts between counters of the "stress" set in
 * brackets from task (a kthread per CPU), softirq (a pinned timer_list per
 * CPU) and hardirq (a pinned hrtimer per CPU) context, while reader kthreads
 * snapshot it and check its invariants:
 *
 *	acct0 + acct1 + acct2 + acct3 == 0
 *	brackets == task + softirq + hardirq
 *	brackets never decreases, the generation strictly increases
 *
 * Every writer keeps a private tally of what it added; when the run ends
 * (after @duration seconds, or at unload when @duration is 0) the final
 * snapshot must equal the sum of the tallies exactly.  The verdict is the
 * line "End of test: SUCCESS" or "End of test: FAILURE".
 *
 * Only the public API is used, as any other caller would.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#include <linux/constats.h>

static uint duration = 10;
module_param(duration, uint, 0444);
MODULE_PARM_DESC(duration, "Seconds to run; 0 runs until unload (default 10)");

static uint delay_us;
module_param(delay_us, uint, 0444);
MODULE_PARM_DESC(delay_us,
		 "Sleep between task brackets and between snapshots in us; 0 runs flat out (default 0)");

static uint hrtimer_us = 200;
module_param(hrtimer_us, uint, 0444);
MODULE_PARM_DESC(hrtimer_us, "Hardirq writer period in us; 0 disables (default 200)");

static bool softirq = true;
module_param(softirq, bool, 0444);
MODULE_PARM_DESC(softirq, "Run a softirq writer on every CPU (default on)");

static uint readers = 1;
module_param(readers, uint, 0444);
MODULE_PARM_DESC(readers, "Reader kthreads checking invariants (default 1)");

enum {
	STRESS_ACCT0,
	STRESS_ACCT1,
	STRESS_ACCT2,
	STRESS_ACCT3,
	STRESS_TASK,
	STRESS_SOFTIRQ,
	STRESS_HARDIRQ,
	STRESS_BRACKETS,
	STRESS_NR
};

#define STRESS_NR_ACCTS 4

static const char *const stress_names[STRESS_NR] = {
	"acct0", "acct1", "acct2", "acct3",
	"task", "softirq", "hardirq", "brackets",
};

/* What one writer added, for the exact comparison at the end. */
struct stress_tally {
	s64 v[STRESS_NR];
	u32 rnd;
};

struct stress_cpu {
	struct task_struct *writer;
	struct timer_list timer;
	struct hrtimer hrtimer;
	struct stress_tally task, soft, hard;
	bool timer_armed, hrtimer_armed;
};

struct stress_reader {
	struct task_struct *task;
	u64 snapshots, violations, gen_errors, last_gen;
};

static struct constats *stress_set;
static struct stress_cpu __percpu *stress_cpus;
static struct stress_reader *stress_readers;
static bool stress_stop;
static bool stress_finished;
static DEFINE_MUTEX(stress_finish_mutex);
static struct delayed_work stress_finish_work;

static u32 stress_rand(struct stress_tally *t)
{
	/* xorshift32: cheap, usable in any context, and per writer. */
	t->rnd ^= t->rnd << 13;
	t->rnd ^= t->rnd >> 17;
	t->rnd ^= t->rnd << 5;
	return t->rnd;
}

/* One bracket: move a random amount between two accounts. */
static void stress_bracket(struct stress_tally *t, unsigned int ctx)
{
	u32 r = stress_rand(t);
	unsigned int from = r % STRESS_NR_ACCTS;
	unsigned int to = (r >> 8) % STRESS_NR_ACCTS;
	s64 amount = (r >> 16) % 1000 + 1;
	struct constats_writer w;

	constats_acquire(stress_set, &w);
	constats_add(&w, STRESS_ACCT0 + from, -amount);
	constats_add(&w, ctx, 1);
	constats_add(&w, STRESS_ACCT0 + to, amount);
	constats_add(&w, STRESS_BRACKETS, 1);
	constats_release(&w);

	t->v[STRESS_ACCT0 + from] -= amount;
	t->v[STRESS_ACCT0 + to] += amount;
	t->v[ctx]++;
	t->v[STRESS_BRACKETS]++;
}

static void stress_pause(void)
{
	if (delay_us)
		usleep_range(delay_us, delay_us * 2);
	else
		cond_resched();
}

static int stress_writer_fn(void *arg)
{
	struct stress_tally *t = arg;

	while (!kthread_should_stop()) {
		if (READ_ONCE(stress_stop)) {
			schedule_timeout_interruptible(HZ / 10);
			continue;
		}
		stress_bracket(t, STRESS_TASK);
		stress_pause();
	}
	return 0;
}

static void stress_timer_fn(struct timer_list *timer)
{
	struct stress_cpu *sc = from_timer(sc, timer, timer);

	stress_bracket(&sc->soft, STRESS_SOFTIRQ);
	if (!READ_ONCE(stress_stop))
		mod_timer(timer, jiffies + 1);
}

static enum hrtimer_restart stress_hrtimer_fn(struct hrtimer *hrtimer)
{
	struct stress_cpu *sc = container_of(hrtimer, struct stress_cpu,
					     hrtimer);

	stress_bracket(&sc->hard, STRESS_HARDIRQ);
	if (READ_ONCE(stress_stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(hrtimer, ns_to_ktime(hrtimer_us * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/* Runs on the target CPU: pinned timers are queued on the current CPU. */
static void stress_start_timers(void *arg)
{
	struct stress_cpu *sc = this_cpu_ptr(stress_cpus);

	if (softirq) {
		sc->timer.expires = jiffies + 1;
		add_timer(&sc->timer);
		sc->timer_armed = true;
	}
	if (hrtimer_us) {
		hrtimer_start(&sc->hrtimer,
			      ns_to_ktime(hrtimer_us * NSEC_PER_USEC),
			      HRTIMER_MODE_REL_PINNED_HARD);
		sc->hrtimer_armed = true;
	}
}

static bool stress_check(const s64 *v)
{
	s64 sum = 0;
	int i;

	for (i = 0; i < STRESS_NR_ACCTS; i++)
		sum += v[STRESS_ACCT0 + i];
	return sum == 0 && v[STRESS_BRACKETS] ==
	       v[STRESS_TASK] + v[STRESS_SOFTIRQ] + v[STRESS_HARDIRQ];
}

static int stress_reader_fn(void *arg)
{
	struct stress_reader *r = arg;
	s64 v[STRESS_NR], last_brackets = 0;
	u64 gen;
	int n;

	while (!kthread_should_stop()) {
		if (READ_ONCE(stress_stop)) {
			schedule_timeout_interruptible(HZ / 10);
			continue;
		}
		n = constats_read(stress_set, v, STRESS_NR, &gen);
		r->snapshots++;
		if (n != STRESS_NR || !stress_check(v) ||
		    v[STRESS_BRACKETS] < last_brackets) {
			if (!r->violations)
				pr_err("violation: n=%d acct=%lld,%lld,%lld,%lld task=%lld softirq=%lld hardirq=%lld brackets=%lld (was %lld)\n",
				       n, v[0], v[1], v[2], v[3], v[4], v[5],
				       v[6], v[7], last_brackets);
			r->violations++;
		}
		if (gen <= r->last_gen)
			r->gen_errors++;
		r->last_gen = gen;
		last_brackets = v[STRESS_BRACKETS];
		stress_pause();
	}
	return 0;
}

static void stress_tally_add(s64 *sum, const struct stress_tally *t)
{
	int i;

	for (i = 0; i < STRESS_NR; i++)
		sum[i] += t->v[i];
}

/* Stop every writer and reader, compare, print the verdict.  Once. */
static void stress_finish(void)
{
	s64 expect[STRESS_NR] = {}, got[STRESS_NR];
	u64 snapshots = 0, violations = 0, gen_errors = 0, lost = 0;
	unsigned int i;
	int cpu, n;

	mutex_lock(&stress_finish_mutex);
	if (stress_finished)
		goto out;
	stress_finished = true;

	WRITE_ONCE(stress_stop, true);
	for_each_possible_cpu(cpu) {
		struct stress_cpu *sc = per_cpu_ptr(stress_cpus, cpu);

		if (sc->writer)
			kthread_stop(sc->writer);
		sc->writer = NULL;
		if (sc->timer_armed)
			del_timer_sync(&sc->timer);
		if (sc->hrtimer_armed)
			hrtimer_cancel(&sc->hrtimer);
		stress_tally_add(expect, &sc->task);
		stress_tally_add(expect, &sc->soft);
		stress_tally_add(expect, &sc->hard);
	}
	for (i = 0; i < readers; i++) {
		struct stress_reader *r = &stress_readers[i];

		if (r->task)
			kthread_stop(r->task);
		r->task = NULL;
		snapshots += r->snapshots;
		violations += r->violations;
		gen_errors += r->gen_errors;
	}

	n = constats_read(stress_set, got, STRESS_NR, NULL);
	for (i = 0; i < STRESS_NR; i++)
		lost += abs(expect[i] - got[i]);
	if (n != STRESS_NR || !stress_check(got))
		violations++;

	pr_info("brackets: task=%lld softirq=%lld hardirq=%lld total=%lld\n",
		got[STRESS_TASK], got[STRESS_SOFTIRQ], got[STRESS_HARDIRQ],
		got[STRESS_BRACKETS]);
	pr_info("snapshots=%llu violations=%llu lost=%llu gen_errors=%llu\n",
		snapshots, violations, lost, gen_errors);
	pr_info("End of test: %s\n",
		!violations && !lost && !gen_errors && (snapshots || !readers) ?
		"SUCCESS" : "FAILURE");
out:
	mutex_unlock(&stress_finish_mutex);
}

static void stress_finish_workfn(struct work_struct *work)
{
	stress_finish();
}

static int __init stress_init(void)
{
	unsigned int i;
	int cpu, ret;

	stress_set = constats_create("stress", stress_names, STRESS_NR);
	if (IS_ERR(stress_set))
		return PTR_ERR(stress_set);

	ret = -ENOMEM;
	stress_cpus = alloc_percpu(struct stress_cpu);
	if (!stress_cpus)
		goto err_destroy;
	stress_readers = kcalloc(readers, sizeof(*stress_readers), GFP_KERNEL);
	if (readers && !stress_readers)
		goto err_free_cpus;
	INIT_DELAYED_WORK(&stress_finish_work, stress_finish_workfn);

	for_each_possible_cpu(cpu) {
		struct stress_cpu *sc = per_cpu_ptr(stress_cpus, cpu);

		sc->task.rnd = 2 * cpu + 1;
		sc->soft.rnd = 2 * cpu + 1001;
		sc->hard.rnd = 2 * cpu + 2001;
		timer_setup(&sc->timer, stress_timer_fn, TIMER_PINNED);
		hrtimer_init(&sc->hrtimer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_PINNED_HARD);
		sc->hrtimer.function = stress_hrtimer_fn;
	}

	/*
	 * Writers on the CPUs online now.  Once started, everything is torn
	 * down by stress_finish(), which copes with a partial start.
	 */
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct stress_cpu *sc = per_cpu_ptr(stress_cpus, cpu);
		struct task_struct *t;

		t = kthread_create_on_cpu(stress_writer_fn, &sc->task, cpu,
					  "constats_stress/%u");
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			cpus_read_unlock();
			goto err_finish;
		}
		sc->writer = t;
		wake_up_process(t);
		smp_call_function_single(cpu, stress_start_timers, NULL, true);
	}
	cpus_read_unlock();

	for (i = 0; i < readers; i++) {
		struct task_struct *t;

		t = kthread_run(stress_reader_fn, &stress_readers[i],
				"constats_stress_reader/%u", i);
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			goto err_finish;
		}
		stress_readers[i].task = t;
	}

	if (duration)
		schedule_delayed_work(&stress_finish_work, duration * HZ);
	pr_info("started: %u s, %u online CPUs, hrtimer %u us, softirq %d, %u readers\n",
		duration, num_online_cpus(), hrtimer_us, softirq, readers);
	return 0;

err_finish:
	stress_finish();
	kfree(stress_readers);
err_free_cpus:
	free_percpu(stress_cpus);
err_destroy:
	constats_destroy(stress_set);
	return ret;
}

static void __exit stress_exit(void)
{
	cancel_delayed_work_sync(&stress_finish_work);
	stress_finish();
	kfree(stress_readers);
	free_percpu(stress_cpus);
	constats_destroy(stress_set);
}

module_init(stress_init);
module_exit(stress_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("constats stress test: consistency under task, softirq and hardirq writers");
