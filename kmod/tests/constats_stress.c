// SPDX-License-Identifier: GPL-2.0
/*
 * constats_stress.ko: the constats torture test, in the manner of
 * kernel/locking/locktorture.c.
 *
 * Writers move random amounts between the accounts of the "stress" set in
 * brackets from task context (writers_per_cpu kthreads per CPU), softirq
 * (a pinned timer_list per CPU), hardirq (a pinned hard hrtimer per CPU,
 * in hard interrupt context on PREEMPT_RT too) and, on x86, NMI: every
 * nmi_interval-th task or hardirq bracket sends its own CPU an NMI from
 * inside the bracket and waits for it, so NMI brackets land over open task
 * brackets and over fallback brackets that hold the set's lock.  Reader
 * kthreads snapshot the set and check its invariants:
 *
 *	acct0 + acct1 + acct2 + acct3 == 0
 *	brackets == task + softirq + hardirq + nmi
 *	sum of the spread counters == brackets	(when nr_counters > 8)
 *	brackets never decreases, the generation strictly increases
 *
 * Optionally a kthread takes CPUs offline and online (onoff_interval).
 * With racy=1 every bracket's adds also go to percpu_counters, and readers
 * sum those too, one counter after another (constats_racy.h), and count the
 * sums that break the set's declared invariants: the tearing constats
 * exists to prevent.
 * Every writer tallies what it added; when the run ends (after duration
 * seconds, or at unload when duration is 0) the final snapshot must equal
 * the tallies exactly.  A stats line is logged every stat_interval seconds
 * and the verdict is "End of test: SUCCESS" or "End of test: FAILURE".
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
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include <linux/constats.h>

#include "../constats_compat.h"
#include "constats_racy.h"

#ifdef CONFIG_X86_LOCAL_APIC
#include <asm/apic.h>
#include <asm/nmi.h>
#endif

static uint duration = 10;
module_param(duration, uint, 0444);
MODULE_PARM_DESC(duration, "Seconds to run; 0 runs until unload (default 10)");

static uint writers_per_cpu = 1;
module_param(writers_per_cpu, uint, 0444);
MODULE_PARM_DESC(writers_per_cpu, "Task-context writer kthreads per CPU (default 1)");

static uint delay_us;
module_param(delay_us, uint, 0444);
MODULE_PARM_DESC(delay_us,
		 "Sleep between task brackets and between snapshots in us; 0 runs flat out (default 0)");

static uint hold_us;
module_param(hold_us, uint, 0444);
MODULE_PARM_DESC(hold_us,
		 "Busy-wait in the middle of each task bracket, in us: widens the window a reader that skips its wait tears (default 0)");

static uint hrtimer_us = 200;
module_param(hrtimer_us, uint, 0444);
MODULE_PARM_DESC(hrtimer_us, "Hardirq writer period per CPU in us; 0 disables (default 200)");

static uint nmi_interval = 16;
module_param(nmi_interval, uint, 0444);
MODULE_PARM_DESC(nmi_interval,
		 "x86: every this many task or hardirq brackets, NMI the CPU from inside the bracket; 0 disables (default 16)");

static bool softirq = true;
module_param(softirq, bool, 0444);
MODULE_PARM_DESC(softirq, "Run a softirq writer on every CPU (default on)");

static uint readers = 1;
module_param(readers, uint, 0444);
MODULE_PARM_DESC(readers, "Reader kthreads checking invariants (default 1)");

static uint nr_counters = 9;
module_param(nr_counters, uint, 0444);
MODULE_PARM_DESC(nr_counters,
		 "Counters in the set, 9..256; those past 9 spread one add per bracket (default 9)");

static uint onoff_interval;
module_param(onoff_interval, uint, 0444);
MODULE_PARM_DESC(onoff_interval,
		 "Take a CPU offline or online every this many ms; 0 disables (default 0)");

static uint set_churn;
module_param(set_churn, uint, 0444);
MODULE_PARM_DESC(set_churn,
		 "Kthreads creating and destroying short-lived sets churn<N>_<0|1> (default 0)");

static bool racy;
module_param(racy, bool, 0444);
MODULE_PARM_DESC(racy,
		 "Also keep percpu_counters, sum them racily in the readers, and count the sums that violate the invariants (default off)");

static uint stat_interval = 5;
module_param(stat_interval, uint, 0444);
MODULE_PARM_DESC(stat_interval, "Seconds between stats lines; 0 disables (default 5)");

enum {
	STRESS_ACCT0,
	STRESS_ACCT1,
	STRESS_ACCT2,
	STRESS_ACCT3,
	STRESS_TASK,
	STRESS_SOFTIRQ,
	STRESS_HARDIRQ,
	STRESS_NMI,
	STRESS_BRACKETS,
	STRESS_FIXED	/* the spread counters follow */
};

#define STRESS_NR_ACCTS 4

static const char *const stress_fixed_names[STRESS_FIXED] = {
	"acct0", "acct1", "acct2", "acct3",
	"task", "softirq", "hardirq", "nmi", "brackets",
};

/* What one writer added, for the exact comparison at the end. */
struct stress_tally {
	s64 v[CONSTATS_MAX_COUNTERS];
	u32 rnd;
};

struct stress_writer {
	struct task_struct *task;
	struct stress_tally tally;
};

/*
 * @nmi_pending is set by whoever sends this CPU an NMI and cleared by the
 * NMI handler; @open says which context's bracket is open while it waits
 * for an NMI it sent itself.  The nmi_* counts are written by this CPU's
 * NMIs only: over a task bracket, over a hardirq bracket, or wherever
 * another CPU's NMI happened to land.
 */
struct stress_cpu {
	struct timer_list timer;
	struct hrtimer hrtimer;
	struct stress_tally soft, hard, nmi;
	bool timer_armed, hrtimer_armed;
	int nmi_pending;
	unsigned int open;
	u64 nmi_over_task, nmi_over_hardirq, nmi_elsewhere;
};

/* Written by its reader only; read racily (READ_ONCE) for the stats line. */
struct stress_reader {
	struct task_struct *task;
	u64 snapshots, violations, gen_errors, max_wait_ns;
	u64 racy_sums, racy_violations;
};

static struct constats *stress_set;
static char (*stress_names)[CONSTATS_NAME_MAX + 1];
static struct stress_cpu __percpu *stress_cpus;
static struct constats_racy *stress_racy;	/* racy=1: the same adds */
static struct stress_writer *stress_writers;
static unsigned int stress_nr_writers;
static struct stress_reader *stress_readers;
static struct task_struct *stress_onoff_task;
static struct task_struct **stress_churn_tasks;
static unsigned long stress_churn_cycles, stress_churn_errors;
static unsigned long stress_onoff_done;
static bool stress_stop;
static bool stress_nmi_registered;
static bool stress_finished;
static DEFINE_MUTEX(stress_finish_mutex);
static struct delayed_work stress_finish_work;
static struct delayed_work stress_stats_work;

static u32 stress_rand(struct stress_tally *t)
{
	/* xorshift32: cheap, usable in any context, and per writer. */
	t->rnd ^= t->rnd << 13;
	t->rnd ^= t->rnd >> 17;
	t->rnd ^= t->rnd << 5;
	return t->rnd;
}

static void stress_bracket(struct stress_tally *t, unsigned int ctx);

#ifdef CONFIG_X86_LOCAL_APIC
/* Ours if this CPU has an NMI of ours pending; NMI_DONE lets others look. */
static int stress_nmi_handler(unsigned int type, struct pt_regs *regs)
{
	struct stress_cpu *sc = this_cpu_ptr(stress_cpus);

	if (!READ_ONCE(sc->nmi_pending))
		return NMI_DONE;
	switch (READ_ONCE(sc->open)) {
	case STRESS_TASK:
		sc->nmi_over_task++;
		break;
	case STRESS_HARDIRQ:
		sc->nmi_over_hardirq++;
		break;
	default:
		sc->nmi_elsewhere++;
	}
	stress_bracket(&sc->nmi, STRESS_NMI);
	WRITE_ONCE(sc->nmi_pending, 0);
	return NMI_HANDLED;
}

static int stress_nmi_register(void)
{
	return register_nmi_handler(NMI_LOCAL, stress_nmi_handler, 0,
				    "constats_stress");
}

static void stress_nmi_unregister(void)
{
	unregister_nmi_handler(NMI_LOCAL, "constats_stress");
}

/*
 * NMI @cpu unless an NMI of ours is on its way there already: one at a
 * time per CPU, so that each finds its flag, however late it comes.
 */
static bool stress_nmi_send(int cpu)
{
	struct stress_cpu *sc = per_cpu_ptr(stress_cpus, cpu);

	if (cmpxchg(&sc->nmi_pending, 0, 1))
		return false;
	apic->send_IPI_mask(cpumask_of(cpu), NMI_VECTOR);
	return true;
}

/*
 * Inside the bracket of context @ctx: NMI this CPU and wait (at most 1 ms)
 * for the handler's bracket, so that it nests over ours.
 */
static void stress_nmi_self(struct stress_cpu *sc, unsigned int ctx)
{
	u64 deadline;

	WRITE_ONCE(sc->open, ctx);
	if (!stress_nmi_send(smp_processor_id())) {
		WRITE_ONCE(sc->open, 0);
		return;
	}
	deadline = ktime_get_ns() + NSEC_PER_MSEC;
	while (READ_ONCE(sc->nmi_pending) && ktime_get_ns() < deadline)
		cpu_relax();
	WRITE_ONCE(sc->open, 0);
}
#else
static int stress_nmi_register(void)
{
	return -EOPNOTSUPP;
}

static void stress_nmi_unregister(void)
{
}

static bool stress_nmi_send(int cpu)
{
	return false;
}

static void stress_nmi_self(struct stress_cpu *sc, unsigned int ctx)
{
}
#endif

/* Wait (at most 1 s) until no NMI of ours is on its way to any CPU. */
static void stress_nmi_drain(void)
{
	unsigned long deadline = jiffies + HZ;
	int cpu;

	for_each_possible_cpu(cpu)
		while (READ_ONCE(per_cpu_ptr(stress_cpus, cpu)->nmi_pending) &&
		       time_before(jiffies, deadline))
			schedule_timeout_uninterruptible(1);
}

/*
 * One bracket: move a random amount between two accounts.  With @send_nmi,
 * an NMI bracket nests inside this one on this CPU.
 */
static void stress_bracket_nmi(struct stress_tally *t, unsigned int ctx,
			       bool send_nmi)
{
	u32 r = stress_rand(t);
	unsigned int from = r % STRESS_NR_ACCTS;
	unsigned int to = (r >> 8) % STRESS_NR_ACCTS;
	unsigned int spread = nr_counters - STRESS_FIXED;
	unsigned int extra = spread ? STRESS_FIXED + (r >> 4) % spread : 0;
	s64 amount = (r >> 16) % 1000 + 1;
	struct constats_writer w;

	constats_acquire(stress_set, &w, nr_counters);
	constats_add(&w, STRESS_ACCT0 + from, -amount);
	constats_add(&w, ctx, 1);
	if (extra)
		constats_add(&w, extra, 1);
	if (hold_us && ctx == STRESS_TASK)
		udelay(hold_us);
	constats_add(&w, STRESS_ACCT0 + to, amount);
	constats_add(&w, STRESS_BRACKETS, 1);
	if (send_nmi)
		stress_nmi_self(this_cpu_ptr(stress_cpus), ctx);
	constats_release(&w);

	/* percpu_counter_add() may take a lock: not from NMI. */
	if (stress_racy && !in_nmi()) {
		/* As a percpu_counter user counts: each add alone. */
		constats_racy_add(stress_racy, STRESS_ACCT0 + from, -amount);
		constats_racy_add(stress_racy, ctx, 1);
		if (extra)
			constats_racy_add(stress_racy, extra, 1);
		constats_racy_add(stress_racy, STRESS_ACCT0 + to, amount);
		constats_racy_add(stress_racy, STRESS_BRACKETS, 1);
	}

	t->v[STRESS_ACCT0 + from] -= amount;
	t->v[STRESS_ACCT0 + to] += amount;
	t->v[ctx]++;
	t->v[STRESS_BRACKETS]++;
	if (extra)
		t->v[extra]++;
}

static void stress_bracket(struct stress_tally *t, unsigned int ctx)
{
	stress_bracket_nmi(t, ctx, false);
}

/* Whether the @n-th bracket of a writer should NMI its CPU. */
static bool stress_nmi_due(u64 n)
{
	return READ_ONCE(stress_nmi_registered) && !(n % nmi_interval);
}

static void stress_pause(void)
{
	if (delay_us)
		usleep_range(delay_us, delay_us * 2);
	else
		cond_resched();
}

/* Park until kthread_stop() once the run is over. */
static void stress_idle(void)
{
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
}

static int stress_writer_fn(void *arg)
{
	struct stress_tally *t = arg;

	while (!kthread_should_stop() && !READ_ONCE(stress_stop)) {
		stress_bracket_nmi(t, STRESS_TASK,
				   stress_nmi_due(t->v[STRESS_BRACKETS] + 1));
		stress_pause();
	}
	stress_idle();
	return 0;
}

static void stress_timer_fn(struct timer_list *timer)
{
	struct stress_cpu *sc = timer_container_of(sc, timer, timer);

	stress_bracket(&sc->soft, STRESS_SOFTIRQ);
	if (!READ_ONCE(stress_stop))
		mod_timer(timer, jiffies + 1);
}

static enum hrtimer_restart stress_hrtimer_fn(struct hrtimer *hrtimer)
{
	struct stress_cpu *sc = container_of(hrtimer, struct stress_cpu,
					     hrtimer);

	u64 n = sc->hard.v[STRESS_BRACKETS] + 1;
	bool due = stress_nmi_due(n);

	/*
	 * Every other NMI goes to the next CPU instead, to land wherever it
	 * lands: in or out of a bracket, under a reader's rotation.
	 */
	if (due && (n / nmi_interval) & 1) {
		unsigned int cpu = cpumask_next(smp_processor_id(),
						cpu_online_mask);

		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		stress_nmi_send(cpu);
		due = false;
	}
	stress_bracket_nmi(&sc->hard, STRESS_HARDIRQ, due);
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
	s64 sum = 0, spread = 0;
	unsigned int i;

	for (i = 0; i < STRESS_NR_ACCTS; i++)
		sum += v[STRESS_ACCT0 + i];
	for (i = STRESS_FIXED; i < nr_counters; i++)
		spread += v[i];
	return sum == 0 &&
	       v[STRESS_BRACKETS] == v[STRESS_TASK] + v[STRESS_SOFTIRQ] +
				     v[STRESS_HARDIRQ] + v[STRESS_NMI] &&
	       (nr_counters == STRESS_FIXED || spread == v[STRESS_BRACKETS]);
}

/* racy=1: one racy sum, held to the declared invariants. */
static void stress_racy_sum(struct stress_reader *r, s64 *v)
{
	constats_racy_sum(stress_racy, v);
	WRITE_ONCE(r->racy_sums, r->racy_sums + 1);
	if (constats_check(stress_set, v, nr_counters) > 0)
		WRITE_ONCE(r->racy_violations, r->racy_violations + 1);
}

static int stress_reader_fn(void *arg)
{
	struct stress_reader *r = arg;
	s64 *v, last_brackets = 0;
	u64 gen, last_gen = 0, t0, wait;
	int n;

	v = kcalloc(nr_counters, sizeof(*v), GFP_KERNEL);
	while (v && !kthread_should_stop() && !READ_ONCE(stress_stop)) {
		t0 = ktime_get_ns();
		n = constats_read(stress_set, v, nr_counters, &gen);
		wait = ktime_get_ns() - t0;
		if (wait > r->max_wait_ns)
			WRITE_ONCE(r->max_wait_ns, wait);
		WRITE_ONCE(r->snapshots, r->snapshots + 1);
		if (n != nr_counters || !stress_check(v) ||
		    v[STRESS_BRACKETS] < last_brackets) {
			if (!r->violations)
				pr_err("violation: n=%d acct=%lld,%lld,%lld,%lld task=%lld softirq=%lld hardirq=%lld nmi=%lld brackets=%lld (was %lld)\n",
				       n, v[0], v[1], v[2], v[3], v[4], v[5],
				       v[6], v[7], v[8], last_brackets);
			WRITE_ONCE(r->violations, r->violations + 1);
		}
		if (gen <= last_gen)
			WRITE_ONCE(r->gen_errors, r->gen_errors + 1);
		last_gen = gen;
		last_brackets = v[STRESS_BRACKETS];
		if (stress_racy)
			stress_racy_sum(r, v);
		stress_pause();
	}
	kfree(v);
	stress_idle();
	return 0;
}

/* Toggle a random CPU other than the boot CPU, offline or back online. */
static int stress_onoff_fn(void *arg)
{
	unsigned int cpu;
	u32 rnd = 12345;

	while (!kthread_should_stop() && !READ_ONCE(stress_stop)) {
		schedule_timeout_interruptible(msecs_to_jiffies(onoff_interval));
		rnd = rnd * 1103515245 + 12345;
		cpu = (rnd >> 16) % nr_cpu_ids;
		if (!cpu || !cpu_possible(cpu) || READ_ONCE(stress_stop))
			continue;
		if ((cpu_online(cpu) ? remove_cpu(cpu) : add_cpu(cpu)) == 0)
			WRITE_ONCE(stress_onoff_done, stress_onoff_done + 1);
	}
	/* Leave every CPU online again. */
	for_each_present_cpu(cpu)
		if (!cpu_online(cpu))
			add_cpu(cpu);
	stress_idle();
	return 0;
}

/*
 * Create a set, bracket into it, destroy it, over and over, under names
 * that come back: readers enumerating meanwhile must never see a stale id.
 * Every bracket keeps x0 == x2 == -x1.
 */
static int stress_churn_fn(void *arg)
{
	static const char *const names[] = { "x0", "x1", "x2" };
	unsigned long id = (unsigned long)arg, i;
	char name[CONSTATS_NAME_MAX + 1];

	for (i = 0; !kthread_should_stop() && !READ_ONCE(stress_stop); i++) {
		struct constats *set;
		int b;

		snprintf(name, sizeof(name), "churn%lu_%lu", id, i & 1);
		set = constats_create(name, names, ARRAY_SIZE(names));
		if (IS_ERR(set)) {
			WRITE_ONCE(stress_churn_errors, stress_churn_errors + 1);
			schedule_timeout_interruptible(1);
			continue;
		}
		for (b = 0; b < 10; b++) {
			struct constats_writer w;

			constats_acquire(set, &w, ARRAY_SIZE(names));
			constats_add(&w, 0, 1);
			constats_add(&w, 1, -1);
			constats_add(&w, 2, 1);
			constats_release(&w);
		}
		stress_pause();
		constats_destroy(set);
		if (!id)	/* one counter, one writer */
			WRITE_ONCE(stress_churn_cycles, stress_churn_cycles + 1);
	}
	stress_idle();
	return 0;
}

struct stress_reader_sum {
	u64 snapshots, violations, gen_errors, max_wait_ns;
	u64 racy_sums, racy_violations;
};

static void stress_sum_readers(struct stress_reader_sum *sum)
{
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < readers; i++) {
		struct stress_reader *r = &stress_readers[i];

		sum->snapshots += READ_ONCE(r->snapshots);
		sum->violations += READ_ONCE(r->violations);
		sum->gen_errors += READ_ONCE(r->gen_errors);
		sum->racy_sums += READ_ONCE(r->racy_sums);
		sum->racy_violations += READ_ONCE(r->racy_violations);
		sum->max_wait_ns = max(sum->max_wait_ns,
				       READ_ONCE(r->max_wait_ns));
	}
}

/* The stats line: brackets per context come from a snapshot of the set. */
static void stress_print_stats(const char *what, const s64 *v)
{
	struct stress_reader_sum sum;

	stress_sum_readers(&sum);
	pr_info("%s: brackets task=%lld softirq=%lld hardirq=%lld nmi=%lld total=%lld snapshots=%llu violations=%llu max_reader_wait_us=%llu cpu_onoff=%lu\n",
		what, v[STRESS_TASK], v[STRESS_SOFTIRQ], v[STRESS_HARDIRQ],
		v[STRESS_NMI], v[STRESS_BRACKETS], sum.snapshots, sum.violations,
		sum.max_wait_ns / NSEC_PER_USEC, READ_ONCE(stress_onoff_done));
}

static void stress_stats_workfn(struct work_struct *work)
{
	s64 v[STRESS_FIXED];

	if (constats_read(stress_set, v, STRESS_FIXED, NULL) == STRESS_FIXED)
		stress_print_stats("stats", v);
	schedule_delayed_work(&stress_stats_work, stat_interval * HZ);
}

static void stress_tally_add(s64 *sum, const struct stress_tally *t)
{
	unsigned int i;

	for (i = 0; i < nr_counters; i++)
		sum[i] += t->v[i];
}

/* Stop every thread and timer, compare, print the verdict.  Once. */
static void stress_finish(void)
{
	s64 *expect = NULL, *got = NULL;
	u64 lost = 0, violations, over_task = 0, over_hardirq = 0, elsewhere = 0;
	struct stress_reader_sum sum;
	unsigned int i;
	int cpu, n = -ENOMEM;

	mutex_lock(&stress_finish_mutex);
	if (stress_finished)
		goto out;
	stress_finished = true;

	WRITE_ONCE(stress_stop, true);
	cancel_delayed_work_sync(&stress_stats_work);
	if (stress_onoff_task)
		kthread_stop(stress_onoff_task);
	for (i = 0; stress_churn_tasks && i < set_churn; i++)
		if (stress_churn_tasks[i])
			kthread_stop(stress_churn_tasks[i]);
	for (i = 0; i < stress_nr_writers; i++)
		if (stress_writers[i].task)
			kthread_stop(stress_writers[i].task);
	for (i = 0; i < readers; i++)
		if (stress_readers[i].task)
			kthread_stop(stress_readers[i].task);
	for_each_possible_cpu(cpu) {
		struct stress_cpu *sc = per_cpu_ptr(stress_cpus, cpu);

		if (sc->timer_armed)
			timer_delete_sync(&sc->timer);
		if (sc->hrtimer_armed)
			hrtimer_cancel(&sc->hrtimer);
	}
	/* An NMI that comes with no handler left is a console splat. */
	if (stress_nmi_registered) {
		stress_nmi_drain();
		stress_nmi_unregister();
		WRITE_ONCE(stress_nmi_registered, false);
	}

	expect = kcalloc(nr_counters, sizeof(*expect), GFP_KERNEL);
	got = kcalloc(nr_counters, sizeof(*got), GFP_KERNEL);
	if (expect && got) {
		for (i = 0; i < stress_nr_writers; i++)
			stress_tally_add(expect, &stress_writers[i].tally);
		for_each_possible_cpu(cpu) {
			stress_tally_add(expect, &per_cpu_ptr(stress_cpus, cpu)->soft);
			stress_tally_add(expect, &per_cpu_ptr(stress_cpus, cpu)->hard);
			stress_tally_add(expect, &per_cpu_ptr(stress_cpus, cpu)->nmi);
		}
		n = constats_read(stress_set, got, nr_counters, NULL);
		for (i = 0; i < nr_counters; i++)
			lost += abs(expect[i] - got[i]);
	}
	stress_sum_readers(&sum);
	violations = sum.violations + READ_ONCE(stress_churn_errors);
	if (n != nr_counters || !stress_check(got))
		violations++;

	if (got)
		stress_print_stats("final", got);
	if (set_churn)
		pr_info("set_churn: %lu cycles by thread 0, %lu create errors\n",
			READ_ONCE(stress_churn_cycles),
			READ_ONCE(stress_churn_errors));
	for_each_possible_cpu(cpu) {
		struct stress_cpu *sc = per_cpu_ptr(stress_cpus, cpu);

		over_task += sc->nmi_over_task;
		over_hardirq += sc->nmi_over_hardirq;
		elsewhere += sc->nmi_elsewhere;
	}
	if (got)
		pr_info("nmi: brackets=%lld over_task=%llu over_hardirq=%llu elsewhere=%llu\n",
			got[STRESS_NMI], over_task, over_hardirq, elsewhere);
	pr_info("snapshots=%llu violations=%llu lost=%llu gen_errors=%llu\n",
		sum.snapshots, violations, lost, sum.gen_errors);
	/* Expected to tear: reported, never part of the verdict. */
	if (racy)
		pr_info("racy sums=%llu violations=%llu\n", sum.racy_sums,
			sum.racy_violations);
	pr_info("End of test: %s\n",
		!violations && !lost && !sum.gen_errors &&
		(sum.snapshots || !readers) ? "SUCCESS" : "FAILURE");
	kfree(expect);
	kfree(got);
out:
	mutex_unlock(&stress_finish_mutex);
}

static void stress_finish_workfn(struct work_struct *work)
{
	stress_finish();
}

static void stress_free(void)
{
	kfree(stress_churn_tasks);
	kfree(stress_readers);
	vfree(stress_writers);
	constats_racy_destroy(stress_racy);
	free_percpu(stress_cpus);
	constats_destroy(stress_set);
	kfree(stress_names);
}

static int stress_create_set(void)
{
	const char **names;
	unsigned int i;

	stress_names = kcalloc(nr_counters, sizeof(*stress_names), GFP_KERNEL);
	names = kcalloc(nr_counters, sizeof(*names), GFP_KERNEL);
	if (!stress_names || !names) {
		kfree(names);
		return -ENOMEM;
	}
	for (i = 0; i < nr_counters; i++) {
		if (i < STRESS_FIXED)
			strscpy(stress_names[i], stress_fixed_names[i],
				sizeof(stress_names[i]));
		else
			snprintf(stress_names[i], sizeof(stress_names[i]),
				 "spread%u", i - STRESS_FIXED);
		names[i] = stress_names[i];
	}
	stress_set = constats_create("stress", names, nr_counters);
	kfree(names);
	if (IS_ERR(stress_set))
		return PTR_ERR(stress_set);
	/* Checked by constats on every snapshot, by anyone. */
	return constats_declare(stress_set, "acct0 + acct1 + acct2 + acct3 == 0") ?:
	       constats_declare(stress_set,
				"brackets == task + softirq + hardirq + nmi");
}

static int __init stress_init(void)
{
	unsigned int i, w;
	int cpu, ret;

	if (nr_counters < STRESS_FIXED || nr_counters > CONSTATS_MAX_COUNTERS ||
	    !writers_per_cpu)
		return -EINVAL;
	INIT_DELAYED_WORK(&stress_finish_work, stress_finish_workfn);
	INIT_DELAYED_WORK(&stress_stats_work, stress_stats_workfn);
	ret = stress_create_set();
	if (ret)
		goto err_free;

	ret = -ENOMEM;
	stress_cpus = alloc_percpu(struct stress_cpu);
	stress_nr_writers = num_possible_cpus() * writers_per_cpu;
	stress_writers = vzalloc(array_size(stress_nr_writers,
					    sizeof(*stress_writers)));
	stress_readers = kcalloc(readers, sizeof(*stress_readers), GFP_KERNEL);
	stress_churn_tasks = kcalloc(set_churn, sizeof(*stress_churn_tasks),
				     GFP_KERNEL);
	if (racy)
		stress_racy = constats_racy_create(nr_counters);
	if (!stress_cpus || !stress_writers || (readers && !stress_readers) ||
	    (set_churn && !stress_churn_tasks) || (racy && !stress_racy))
		goto err_free;

	for_each_possible_cpu(cpu) {
		struct stress_cpu *sc = per_cpu_ptr(stress_cpus, cpu);

		sc->soft.rnd = 2 * cpu + 100001;
		sc->hard.rnd = 2 * cpu + 200001;
		timer_setup(&sc->timer, stress_timer_fn, TIMER_PINNED);
		hrtimer_setup(&sc->hrtimer, stress_hrtimer_fn, CLOCK_MONOTONIC,
			      HRTIMER_MODE_REL_PINNED_HARD);
	}

	if (nmi_interval) {
		ret = stress_nmi_register();
		if (ret && ret != -EOPNOTSUPP)
			goto err_free;
		stress_nmi_registered = !ret;
	}

	/*
	 * Writers on the CPUs online now.  Once anything is started,
	 * stress_finish() tears it all down, whatever was reached.
	 */
	i = 0;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		for (w = 0; w < writers_per_cpu; w++, i++) {
			struct stress_writer *sw = &stress_writers[i];
			struct task_struct *t;

			sw->tally.rnd = 2 * i + 1;
			t = kthread_create_on_cpu(stress_writer_fn, &sw->tally,
						  cpu, "constats_stress/%u");
			if (IS_ERR(t)) {
				ret = PTR_ERR(t);
				cpus_read_unlock();
				goto err_finish;
			}
			sw->task = t;
			wake_up_process(t);
		}
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
	for (i = 0; i < set_churn; i++) {
		struct task_struct *t;

		t = kthread_run(stress_churn_fn, (void *)(unsigned long)i,
				"constats_stress_churn/%u", i);
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			goto err_finish;
		}
		stress_churn_tasks[i] = t;
	}
	if (onoff_interval) {
		struct task_struct *t;

		t = kthread_run(stress_onoff_fn, NULL, "constats_stress_onoff");
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			goto err_finish;
		}
		stress_onoff_task = t;
	}

	if (duration)
		schedule_delayed_work(&stress_finish_work, duration * HZ);
	if (stat_interval)
		schedule_delayed_work(&stress_stats_work, stat_interval * HZ);
	pr_info("started: %u s, %u online CPUs, %u writers per CPU, hrtimer %u us, softirq %d, nmi every %u (%s), %u readers, %u counters, onoff %u ms, set_churn %u, racy %d\n",
		duration, num_online_cpus(), writers_per_cpu, hrtimer_us,
		softirq, nmi_interval,
		stress_nmi_registered ? "on" : "off", readers, nr_counters,
		onoff_interval, set_churn, racy);
	return 0;

err_finish:
	stress_finish();
err_free:
	stress_free();
	return ret;
}

static void __exit stress_exit(void)
{
	cancel_delayed_work_sync(&stress_finish_work);
	stress_finish();
	stress_free();
}

module_init(stress_init);
module_exit(stress_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("constats torture test: consistency under task, softirq, hardirq and NMI writers");
