// SPDX-License-Identifier: GPL-2.0
/*
 * constats reader: consistent snapshots of one set or of many.
 *
 * A snapshot is a round on each set it reads: rotate the set's ->gen to the
 * next generation of the ring, wait until no writer can still be adding to
 * the generation left behind, then sum it.  Between the rotation and the sum
 * stands a barrier that every other CPU must take part in: the writers pay
 * no fence (constats_acquire()), so the reader pays for both sides.
 *
 * The barrier is an RCU grace period, which interrupts no idle CPU and no
 * nohz_full CPU running in user space, and which many rounds, of many sets
 * and many readers, share.
 *
 * Why a grace period orders the writers.  A bracket runs with preemption
 * disabled from its odd sequence store to its even one, and since v5.0 such
 * a region is an RCU read-side critical section; so is a hard interrupt or
 * an NMI handler, where the slow paths' brackets run.  The synchronize_rcu()
 * kernel-doc promises, for every CPU: a critical section that began before
 * the grace period began has ended before it ends, and the CPU ran a full
 * barrier between that end and the grace period's end; a critical section
 * that ends after the grace period ends began after a full barrier that the
 * CPU ran after the grace period began.  The reader stores the new ->gen
 * before the grace period begins (B: smp_mb(), and the full barrier of
 * get_state_synchronize_rcu_full()), and sums only after cond_synchronize_*()
 * returns.  So every bracket is one of:
 *
 * - begun before the grace period: it has been released, and its adds, in
 *   whichever generation it loaded, are seen by the sum (the barrier after
 *   its end on its CPU, and the grace period's end before the sum);
 * - begun after the grace period began: a full barrier on its CPU after the
 *   ->gen store ran before its ->gen load, which so sees the new generation;
 *   it adds nothing to the one being summed.
 *
 * That is barrier A of Documentation/constats.rst with the writer's half
 * run by RCU, and C/D besides (the release's smp_wmb() pairs with the full
 * barrier the grace period runs after it).  The generation left behind is
 * written by no one until two more rounds have passed, and a set has at
 * most one round in flight, so the three-generation ring is safe as before.
 *
 * The sequences.  Right after the rotation the reader loads every CPU's
 * sequences.  After the grace period, a CPU whose sequence still holds the
 * odd value loaded then has had a bracket open all through the grace
 * period, which RCU rules out for every writer it watches: only a bracket
 * opened where RCU is not watching (noinstr code, deep idle) can do it.
 * The reader waits for such a bracket to close, as it waited for every
 * bracket before it had a grace period, and counts it in reader_waits, so
 * a stray writer is seen rather than torn; debug kernels warn at the
 * acquire (RCU_LOCKDEP_WARN in constats_acquire()).  A bracket opened after
 * the rotation moves the sequence on and is not waited for.
 *
 * The flavour.  A caller that wants a snapshot now gets an expedited grace
 * period, which IPIs only CPUs that are in the kernel (neither idle nor in
 * user space on a nohz_full CPU); on PREEMPT_RT it is a normal one, as RT
 * kernels make every expedited grace period (rcu_normal_after_boot).
 * Unprivileged readers and the cached read use a normal grace period, which
 * interrupts no one.
 *
 * Sharing.  Rounds are shared: a reader whose set has a round in flight that
 * began after the reader's call began waits for that round instead of
 * starting one, and readers of many sets rotate them all and wait for one
 * grace period.  Readers without CAP_PERFMON (or CAP_SYS_ADMIN), who come
 * through /proc/constats and its ioctls, also queue on one constats-wide
 * round, begun at most once per shared_interval_ms, so however many sets
 * and processes they use, they cost the other CPUs at most that many grace
 * periods a second.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/export.h>
#include <linux/kcsan-checks.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/processor.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "constats_internal.h"

/*
 * Unprivileged readers queue on one round, begun at most once per
 * shared_interval_ms: whatever they do, the CPUs take at most that many of
 * their grace periods a second.  0 turns the pacing off.
 *
 * A normal grace period interrupts no CPU to end, but beginning one wakes
 * RCU's grace-period kthread, and where that kthread sleeps on an idle CPU
 * the wakeup is an interrupt (about one per round, seen in the 6.1 guest).
 * 250 ms keeps that within four a second.
 */
#define CONSTATS_SHARED_INTERVAL_MS	250
#define CONSTATS_SHARED_INTERVAL_MAX_MS	10000

static unsigned int shared_interval_ms = CONSTATS_SHARED_INTERVAL_MS;

static int constats_shared_interval_set(const char *val,
					const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0,
				     CONSTATS_SHARED_INTERVAL_MAX_MS);
}

static const struct kernel_param_ops constats_shared_interval_ops = {
	.set = constats_shared_interval_set,
	.get = param_get_uint,
};
module_param_cb(shared_interval_ms, &constats_shared_interval_ops,
		&shared_interval_ms, 0644);
MODULE_PARM_DESC(shared_interval_ms,
		 "Least time between two rounds of unprivileged readers, in ms (0 to 10000, default 250)");

/* The unprivileged readers' round: one at a time, paced. */
static DEFINE_MUTEX(constats_shared_mutex);
static u64 constats_shared_last;	/* under constats_shared_mutex */

/*
 * One set of a read, and what the caller will take: a snapshot whose round
 * began after the call did (@begun is the set's ->rotations then), or, for
 * constats_read_recent(), any whose round began at @min_stamp or later.
 */
struct constats_req {
	struct constats_set *s;
	s64 *values;
	unsigned int nr;
	bool recent;
	bool done;
	u64 begun;
	u64 min_stamp;
	u64 generation;
	u64 stamp;
};

/* Log a violation once per set, with the snapshot's first values. */
static void constats_report(struct constats_set *s,
			    const struct constats_invariant *inv)
{
	unsigned int i, nr = min(s->pub.nr_counters, 8U);
	char buf[256];
	int len = 0;

	for (i = 0; i < nr; i++)
		len += scnprintf(buf + len, sizeof(buf) - len, " %s=%lld",
				 s->counter_names[i], s->totals[i]);
	pr_warn("set %s violates \"%s\" in snapshot %llu:%s%s\n", s->name,
		constats_invariant_text(inv), s->generation, buf,
		nr < s->pub.nr_counters ? " ..." : "");
}

/* Check the snapshot in ->totals against the set's invariants. */
static unsigned int constats_check_totals(struct constats_set *s)
{
	unsigned int i, bad = 0;

	lockdep_assert_held(&s->read_mutex);
	for (i = 0; i < s->nr_inv; i++) {
		if (constats_invariant_holds(s->inv[i], s->totals))
			continue;
		bad++;
		if (s->inv_reported)
			continue;
		s->inv_reported = true;
		constats_report(s, s->inv[i]);
	}
	return bad;
}

/*
 * A bracket is a few adds long, so the reader spins for it; but in an
 * overcommitted VM the hypervisor may deschedule a vCPU inside a bracket,
 * and a reader spinning on may be holding the very host CPU that vCPU waits
 * for.  So, as the kernel's optimistic spinners do, the spin is bounded and
 * skipped when the writer's vCPU is known to be preempted; after it the
 * reader sleeps between looks, which lets its own vCPU halt.
 */
#define CONSTATS_WAIT_SPINS	4096

/*
 * After the grace period: if @cpu's sequence at @seqp still holds @seen,
 * odd, the bracket the rotation found open has outlived the grace period
 * (a writer RCU does not watch); wait for it to close.  Returns whether it
 * had to.  Any change will do: a bracket opened since adds into the new
 * generation.
 */
static unsigned int constats_wait_seq(unsigned int *seqp, unsigned int seen,
				      int cpu, u64 *spins)
{
	unsigned int n = 0;

	if (!(seen & 1))
		return 0;
#ifdef CONSTATS_BUSTED_WAIT_EVEN
	/*
	 * Busted: waits for an even sequence, so for later brackets too
	 * (caught by KUnit constats_read_waits_only_for_inflight).
	 */
	if (!(READ_ONCE(*seqp) & 1))
		return 0;
	while (READ_ONCE(*seqp) & 1) {
#else
	if (READ_ONCE(*seqp) != seen)
		return 0;
	while (READ_ONCE(*seqp) == seen) {
#endif
		if (n < CONSTATS_WAIT_SPINS && !vcpu_is_preempted(cpu)) {
			n++;
			cpu_relax();
		} else {
			usleep_range(10, 50);
		}
		(*spins)++;
	}
	return 1;
}

/*
 * Begin a round on @s: writers move to the next generation, and the one
 * they leave waits for the grace period recorded in ->pending_gp.
 */
static void constats_rotate(struct constats_set *s)
{
	struct constats *set = &s->pub;
	unsigned int cur, next, cpu;

	lockdep_assert_held(&s->read_mutex);
	cur = set->gen / set->nr_counters;
#ifdef CONSTATS_BUSTED_ROTATE_NONE
	/* Busted: writers stay in the generation being summed (stress). */
	next = cur;
#else
	next = (cur + 1) % CONSTATS_NR_GENS;
#endif
	/*
	 * Under ->lock: a fallback bracket is wholly before or after it.  A
	 * plain store: the slots are cumulative, so a writer that loads the
	 * new ->gen needs to see nothing else the reader wrote.
	 */
	raw_spin_lock_irq(&s->lock);
	WRITE_ONCE(set->gen, next * set->nr_counters);
	raw_spin_unlock_irq(&s->lock);
	s->pending_cur = cur;
	s->pending_stamp = ktime_get_ns();
	WRITE_ONCE(s->rotations, s->rotations + 1);
	/*
	 * B: the ->gen store before the grace period begins; see the top of
	 * this file.  get_state_synchronize_rcu_full() has a full barrier of
	 * its own, but this one is ours to reason about, and cheap.
	 */
#ifndef CONSTATS_BUSTED_NO_MB_B	/* busted: B removed (arm64 code) */
	smp_mb();
#endif
	/* Which brackets are open now: see constats_wait_seq(). */
	for_each_possible_cpu(cpu) {
		struct constats_cpu *c = per_cpu_ptr(set->cpu, cpu);

		s->pending_seq[2 * cpu] = READ_ONCE(c->seq);
		s->pending_seq[2 * cpu + 1] = READ_ONCE(c->nmi_seq);
	}
	get_state_synchronize_rcu_full(&s->pending_gp);
}

/*
 * Sum generation @cur of every slot into ->stable, and the snapshot into
 * ->totals.  Only reads what writers write: they have all left @cur.
 */
static void constats_sum(struct constats_set *s, unsigned int cur)
{
	unsigned int i, g, nr = s->pub.nr_counters, cpu;
	s64 *stable = s->stable + cur * nr;

	memset(stable, 0, nr * sizeof(*stable));
	for_each_possible_cpu(cpu) {
		const s64 *d = per_cpu_ptr(s->pub.cpu, cpu)->deltas + cur * nr;

		for (i = 0; i < nr; i++) {
			/* A writer here would mean the barrier was wrong. */
			ASSERT_EXCLUSIVE_WRITER(d[i]);
			stable[i] += d[i];
		}
	}
	for (i = 0; i < nr; i++) {
#ifndef CONSTATS_BUSTED_FOLD_SKIP_LOCK	/* busted: lost adds (stress) */
		stable[i] += s->lock_deltas[cur * nr + i];
#endif
		stable[i] += atomic64_read(&s->nmi_deltas[cur * nr + i]);
	}
	memset(s->totals, 0, nr * sizeof(*s->totals));
	for (g = 0; g < CONSTATS_NR_GENS; g++)
		for (i = 0; i < nr; i++)
			s->totals[i] += s->stable[g * nr + i];
}

/* Reader's figures for the self-stats set, counted once per call. */
struct constats_tally {
	u64 waits, spins;
	unsigned int snapshots, violations;
};

/*
 * End @s's round in flight, if its grace period is over: wait for any
 * bracket that outlived it, sum, and publish the snapshot.
 */
static void constats_finish(struct constats_set *s, struct constats_tally *t)
{
	unsigned int cpu;

	lockdep_assert_held(&s->read_mutex);
	if (s->rotations == s->generation)
		return;
#ifndef CONSTATS_BUSTED_NO_GP	/* busted: no barrier at all (native) */
	if (!poll_state_synchronize_rcu_full(&s->pending_gp))
		return;
#endif
	for_each_possible_cpu(cpu) {
		struct constats_cpu *c = per_cpu_ptr(s->pub.cpu, cpu);

#ifdef CONSTATS_BUSTED_NO_WAIT
		break;	/* busted: trusts RCU alone (KUnit) */
#endif
		t->waits += constats_wait_seq(&c->seq, s->pending_seq[2 * cpu],
					      cpu, &t->spins);
		t->waits += constats_wait_seq(&c->nmi_seq,
					      s->pending_seq[2 * cpu + 1],
					      cpu, &t->spins);
	}
	/* D: pairs with C in constats_release(), for the brackets waited on. */
#ifndef CONSTATS_BUSTED_NO_RMB_D	/* busted: D removed (arm64 code) */
	smp_rmb();
#endif
	write_seqcount_begin(&s->cache_seq);
	constats_sum(s, s->pending_cur);
	s->generation++;
	s->stamp = s->pending_stamp;
	write_seqcount_end(&s->cache_seq);
	t->violations += constats_check_totals(s);
}

static bool constats_acceptable(const struct constats_req *r, u64 round,
				u64 stamp)
{
	if (r->recent)
		return round && stamp >= r->min_stamp;
	return round > r->begun;
}

/*
 * Finish what rounds can be finished and take the snapshots that will do.
 * Returns how many requests are still waiting.
 */
static unsigned int constats_collect(struct constats_req *reqs,
				     unsigned int n, struct constats_tally *t)
{
	unsigned int i, left = 0;

	for (i = 0; i < n; i++) {
		struct constats_req *r = &reqs[i];
		struct constats_set *s = r->s;

		if (r->done)
			continue;
		mutex_lock(&s->read_mutex);
		constats_finish(s, t);
		if (constats_acceptable(r, s->generation, s->stamp)) {
			if (r->nr)
				memcpy(r->values, s->totals,
				       r->nr * sizeof(*r->values));
			r->generation = s->generation;
			r->stamp = s->stamp;
			r->done = true;
			t->snapshots++;
		} else {
			left++;
		}
		mutex_unlock(&s->read_mutex);
	}
	return left;
}

/*
 * Make sure a round that will do is in flight on every set still wanted:
 * one the set has, or a new one.  A round in flight that will not do (it
 * began before the call) is left to finish first.
 */
static void constats_start(struct constats_req *reqs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct constats_set *s = reqs[i].s;

		if (reqs[i].done)
			continue;
		mutex_lock(&s->read_mutex);
		if (s->rotations == s->generation)
			constats_rotate(s);
		mutex_unlock(&s->read_mutex);
	}
}

/*
 * The barrier: a grace period that began after every rotation so far.
 * Readers share it: if one has passed since, this returns at once.
 */
static void constats_wait_gp(bool lazy)
{
	struct rcu_gp_seq gp;

	get_state_synchronize_rcu_full(&gp);
#ifndef CONSTATS_BUSTED_NO_GP	/* busted: no barrier at all (native) */
	if (lazy || IS_ENABLED(CONFIG_PREEMPT_RT))
		cond_synchronize_rcu_full(&gp);
	else
		cond_synchronize_rcu_expedited_full(&gp);
#endif
}

/* Sleep until the unprivileged readers' next round may begin. */
static void constats_shared_pace(void)
{
	u64 interval = (u64)READ_ONCE(shared_interval_ms) * NSEC_PER_MSEC;
	u64 since = ktime_get_ns() - constats_shared_last;

	lockdep_assert_held(&constats_shared_mutex);
#ifndef CONSTATS_BUSTED_NO_PACE	/* busted: readers unpaced (KUnit) */
	if (constats_shared_last && since < interval)
		fsleep(div_u64(interval - since, NSEC_PER_USEC) + 1);
#endif
	constats_shared_last = ktime_get_ns();
}

/*
 * Run rounds until every request has a snapshot it will take.  Returns 0,
 * or -EINTR if a fatal signal came while an unprivileged reader queued.
 */
static int constats_read_reqs(struct constats_req *reqs, unsigned int n,
			      unsigned int flags)
{
	bool shared = flags & CONSTATS_READ_SHARED;
	bool lazy = shared || (flags & CONSTATS_READ_LAZY);
	struct constats_tally t = {};
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		/* Until the end of the call: constats_destroy() waits. */
		atomic_inc(&reqs[i].s->readers);
		/* Rounds begun from here on began after the call did. */
		reqs[i].begun = READ_ONCE(reqs[i].s->rotations);
	}
	if (shared && mutex_lock_killable(&constats_shared_mutex)) {
		ret = -EINTR;
		goto out;
	}
	while (constats_collect(reqs, n, &t)) {
		if (shared)
			constats_shared_pace();
		constats_start(reqs, n);
		constats_wait_gp(lazy);
	}
	if (shared)
		mutex_unlock(&constats_shared_mutex);
out:
	for (i = 0; i < n; i++)
		constats_unhold(&reqs[i].s->pub);	/* may free it */
	constats_self_count_read(t.snapshots, t.waits, t.spins, t.violations);
	return ret;
}

/**
 * constats_read_sets() - take consistent snapshots of many sets at once
 * @snaps: one entry per set: its @set, and @values with room for @nr;
 *	   each entry's @generation and @stamp_ns are filled in
 * @n: entries in @snaps
 * @flags: 0, or %CONSTATS_READ_LAZY, or %CONSTATS_READ_SHARED
 *
 * Each entry gets what constats_read() would give for its set, in
 * min(@nr, the set's counters) values, with the same promises: every
 * bracket released before this call started is in the snapshot, every
 * bracket is wholly in it or wholly absent, and a caller's successive
 * snapshots of a set have strictly increasing generations.  The sets are
 * rotated together and wait for one grace period, so reading many sets
 * costs the other CPUs what reading one does.
 *
 * Without flags the grace period is expedited (normal on PREEMPT_RT): it
 * may interrupt CPUs running in the kernel, never idle ones nor nohz_full
 * ones in user space.  %CONSTATS_READ_LAZY waits for a normal grace
 * period, which interrupts no one and takes milliseconds.
 * %CONSTATS_READ_SHARED, for reads on behalf of unprivileged users, also
 * queues on the constats-wide round that begins at most once per
 * shared_interval_ms (module parameter, 100 ms by default).
 *
 * Context: Process context; sleeps.  Not inside a bracket.
 * Return: 0; -EINVAL if @snaps is NULL, @n is 0, an entry has no set or no
 * @values for a non-zero @nr, or @flags has an unknown bit; -ENOMEM; or,
 * with %CONSTATS_READ_SHARED, -EINTR if a fatal signal is pending.
 */
int constats_read_sets(struct constats_snapshot *snaps, unsigned int n,
		       unsigned int flags)
{
	struct constats_req one, *reqs = &one;
	unsigned int i;
	int ret;

	might_sleep();
	if (!snaps || !n || (flags & ~CONSTATS_READ_FLAGS))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!snaps[i].set || (snaps[i].nr && !snaps[i].values))
			return -EINVAL;
	if (n > 1) {
		reqs = kvcalloc(n, sizeof(*reqs), GFP_KERNEL);
		if (!reqs)
			return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		reqs[i] = (struct constats_req){
			.s = constats_to_set(snaps[i].set),
			.values = snaps[i].values,
			.nr = min(snaps[i].nr, snaps[i].set->nr_counters),
		};
	}
	ret = constats_read_reqs(reqs, n, flags);
	for (i = 0; !ret && i < n; i++) {
		snaps[i].generation = reqs[i].generation;
		snaps[i].stamp_ns = reqs[i].stamp;
	}
	if (reqs != &one)
		kvfree(reqs);
	return ret;
}
EXPORT_SYMBOL_GPL(constats_read_sets);

/**
 * constats_read() - take a consistent snapshot of a set
 * @set: counter set
 * @values: where to store the counters' totals
 * @nr: room in @values; the first min(@nr, counters in set) are filled
 * @generation: if not NULL, receives the snapshot's number, which strictly
 *		increases with every snapshot of @set
 *
 * Every bracket released before this call started is in the snapshot;
 * every bracket is either wholly in it or wholly absent.  Calls that wait
 * for one another may share a snapshot, one begun after all of them
 * started, and its number; a caller's successive calls never do.  The
 * barrier is an expedited RCU grace period (a normal one on PREEMPT_RT),
 * shared with other readers: see constats_read_sets().
 *
 * Context: Process context; sleeps.  Not inside a bracket.
 * Return: the number of values filled, or -EINVAL if @set is NULL or
 * @values is NULL while @nr is not zero.
 */
int constats_read(struct constats *set, s64 *values, unsigned int nr,
		  u64 *generation)
{
	struct constats_snapshot snap = {
		.set = set, .values = values, .nr = nr,
	};
	int ret;

	ret = constats_read_sets(&snap, 1, 0);
	if (ret)
		return ret;
	if (generation)
		*generation = snap.generation;
	return min(nr, set->nr_counters);
}
EXPORT_SYMBOL_GPL(constats_read);

/**
 * constats_read_recent() - the latest snapshot of a set, if recent enough
 * @set: counter set
 * @values: where to store the counters' totals
 * @nr: room in @values; the first min(@nr, counters in set) are filled
 * @max_age_ns: the oldest snapshot the caller takes: one whose round began
 *		at most this long before the call
 * @generation: if not NULL, receives the snapshot's number
 * @age_ns: if not NULL, receives how long before the return its round
 *	    began
 *
 * The hot-path read, as percpu_counter_read() is for a percpu_counter,
 * but consistent: every bracket is wholly in the values or wholly absent.
 * When the set's latest snapshot is recent enough, it is copied without a
 * lock, a barrier or a sleep.  Otherwise a new one is taken behind a normal
 * grace period, which interrupts no one; callers that come meanwhile share
 * it.  Brackets released before the call are in the values only if they
 * were released before their round began.
 *
 * Context: Process context.  Sleeps only when the latest snapshot is older
 * than @max_age_ns.  Not inside a bracket.
 * Return: the number of values filled, or -EINVAL if @set is NULL or
 * @values is NULL while @nr is not zero.
 */
int constats_read_recent(struct constats *set, s64 *values, unsigned int nr,
			 u64 max_age_ns, u64 *generation, u64 *age_ns)
{
	struct constats_set *s;
	struct constats_req r;
	u64 now, gen, stamp;
	unsigned int seq;

	if (!set || (nr && !values))
		return -EINVAL;
	s = constats_to_set(set);
	nr = min(nr, set->nr_counters);
	now = ktime_get_ns();
	do {
		seq = read_seqcount_begin(&s->cache_seq);
		gen = s->generation;
		stamp = s->stamp;
		if (nr)
			memcpy(values, s->totals, nr * sizeof(*values));
	} while (read_seqcount_retry(&s->cache_seq, seq));

	if (!gen || now - stamp > max_age_ns) {
		might_sleep();
		r = (struct constats_req){
			.s = s, .values = values, .nr = nr, .recent = true,
			.min_stamp = now > max_age_ns ? now - max_age_ns : 0,
		};
		constats_read_reqs(&r, 1, CONSTATS_READ_LAZY);
		gen = r.generation;
		stamp = r.stamp;
		now = ktime_get_ns();
	}
	if (generation)
		*generation = gen;
	if (age_ns)
		*age_ns = now > stamp ? now - stamp : 0;
	return nr;
}
EXPORT_SYMBOL_GPL(constats_read_recent);

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * constats_kunit_shared_interval() - set shared_interval_ms, for KUnit
 * @ms: the new interval, in milliseconds
 *
 * Context: Any.
 * Return: the interval it replaces.
 */
unsigned int constats_kunit_shared_interval(unsigned int ms)
{
	return xchg(&shared_interval_ms,
		    min_t(unsigned int, ms, CONSTATS_SHARED_INTERVAL_MAX_MS));
}
EXPORT_SYMBOL_GPL(constats_kunit_shared_interval);
#endif
