// SPDX-License-Identifier: GPL-2.0
/*
 * constats core: counter sets, the writer slow paths and the reader.
 *
 * The protocol follows the Go runtime's consistentHeapStats, with the deltas
 * kept per CPU instead of shared:
 *
 * - Every CPU has a sequence per set, odd while a bracket is open on it.
 *   A bracket adds into its CPU's slot of generation ->gen (0, 1 or 2).
 * - An interrupt nested over an open bracket takes the set's fallback
 *   lock and adds into a per-CPU scratch slot, which its release adds
 *   to the shared ->lock_deltas of generation ->gen under the lock.
 * - An NMI nested over an open bracket takes no lock: it has a sequence
 *   of its own on every CPU and brackets on it as the task path does on
 *   the CPU's main sequence, adding into a per-CPU scratch slot; its
 *   release adds the scratch to the set's ->nmi_deltas of its generation
 *   with atomics.  An NMI with no bracket open on its CPU takes the
 *   task path.
 * - A reader rotates ->gen under the fallback lock, makes every other CPU
 *   run a full barrier (an IPI, as membarrier does: the writers pay no
 *   fence, the rare reader pays for it), waits until every CPU's sequences
 *   that were odd have changed, and from then on no writer can still be
 *   adding to the old generation.
 *
 * Every slot is cumulative: nothing but its writers ever writes it, so a
 * reader only reads the writers' cache lines.  Once the reader has waited,
 * the old generation's slots are stable; it sums them into ->stable for
 * that generation.  Every other generation has had no writer since its own
 * sum was taken, or only writers that started after this rotation, so the
 * snapshot is the sum of the three ->stable rows.  Any rotation to another
 * generation would do; the ring keeps Go's three.
 *
 * Waiting for a sequence to change, not to become even, means a reader waits
 * only for brackets open when it rotated: it cannot be starved by brackets
 * that open after it.
 *
 * PREEMPT_RT: the fallback lock is a raw_spinlock_t, because it is taken
 * in hard interrupt context (hrtimers marked _HARD, IPIs), where an RT
 * spinlock_t would sleep.  Its sections stay short and bounded: a fallback
 * bracket holds it for the caller's adds, the reader for one store.  No
 * other lock is taken under it.  On RT only hard interrupts and NMIs can
 * nest over a bracket: a bracket disables preemption, and threaded
 * handlers and softirqs run in preemptible task context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/cache.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/kcsan-checks.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/processor.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/wait_bit.h>

#include "constats_expr.h"
#include "constats_internal.h"

/**
 * struct constats_set - a counter set and its private state
 * @pub: fields the inline writer reads; first, so it shares their line
 * @lock: serialises fallback writers and the reader's rotation of ->gen;
 *	  raw, since hard interrupts take it on PREEMPT_RT too
 * @lock_flags: interrupt flags of the fallback bracket holding @lock
 * @lock_deltas: fallback writers' sums, [CONSTATS_NR_GENS][nr_counters]
 * @nmi_deltas: NMI writers' sums, [CONSTATS_NR_GENS][nr_counters]
 * @read_mutex: serialises readers of this set
 * @readers: readers inside constats_read(), waited for by constats_destroy()
 * @generation: snapshots taken so far, under @read_mutex
 * @rotations: snapshots begun so far, written under @read_mutex
 * @last_sync: ktime_get_ns() after the set's last IPI round, under
 *	       @read_mutex
 * @stable: per generation, the sum of all its slots when it was last
 *	    stable, [CONSTATS_NR_GENS][nr_counters], under @read_mutex
 * @totals: the latest snapshot, every counter, under @read_mutex
 * @inv: declared invariants, under @read_mutex
 * @nr_inv: how many
 * @inv_reported: a violation was logged already
 * @node: entry on constats_sets, under constats_sets_mutex
 * @id: number for user space, unique while the module is loaded
 * @name: the set's name
 * @counter_names: one name per counter
 */
struct constats_set {
	struct constats pub;
	raw_spinlock_t lock ____cacheline_aligned_in_smp;
	unsigned long lock_flags;
	s64 *lock_deltas;
	atomic64_t *nmi_deltas;
	struct mutex read_mutex;	/* serialises readers of this set */
	atomic_t readers;
	u64 generation;
	u64 rotations;
	u64 last_sync;
	s64 *stable;
	s64 *totals;
	struct constats_invariant *inv[CONSTATS_MAX_INVARIANTS];
	unsigned int nr_inv;
	bool inv_reported;
	struct list_head node;
	u32 id;
	char name[CONSTATS_NAME_MAX + 1];
	char (*counter_names)[CONSTATS_NAME_MAX + 1];
};

static LIST_HEAD(constats_sets);
static DEFINE_MUTEX(constats_sets_mutex);
static u32 constats_last_id;	/* under constats_sets_mutex */

static inline struct constats_set *constats_to_set(const struct constats *pub)
{
	return container_of(pub, struct constats_set, pub);
}

/* The "constats" set: the core's own statistics, kept with its own API. */
static const char *const constats_self_names[CONSTATS_SELF_NR] = {
	[CONSTATS_SELF_SNAPSHOTS]	  = "snapshots",
	[CONSTATS_SELF_READER_WAITS]	  = "reader_waits",
	[CONSTATS_SELF_READER_SPINS]	  = "reader_spins",
	[CONSTATS_SELF_FALLBACK_BRACKETS] = "fallback_brackets",
	[CONSTATS_SELF_SETS_CREATED]	  = "sets_created",
	[CONSTATS_SELF_SETS_DESTROYED]	  = "sets_destroyed",
	[CONSTATS_SELF_SETS_ALIVE]	  = "sets_alive",
	[CONSTATS_SELF_INVARIANT_VIOLATIONS] = "invariant_violations",
};

static struct constats *constats_self;

/* A deliberately broken reader, to show that the invariant checks bite. */
static bool debug_skip_wait;
module_param(debug_skip_wait, bool, 0644);
MODULE_PARM_DESC(debug_skip_wait,
		 "DEBUG ONLY: readers do not wait for brackets in flight, so snapshots tear");

/*
 * The writers pay for a snapshot in its IPI round (constats_sync_cpus()),
 * so a set starts at most one round per sync_interval_us: whatever the
 * readers do, unprivileged ones through /proc and the ioctl included, a
 * CPU takes at most that many of the set's IPIs a second.  A reader that
 * comes sooner sleeps out the interval, and the readers queued behind it
 * share its snapshot.  0 turns the pacing off.
 */
#define CONSTATS_SYNC_INTERVAL_US	1000
#define CONSTATS_SYNC_INTERVAL_MAX_US	USEC_PER_SEC

static unsigned int sync_interval_us = CONSTATS_SYNC_INTERVAL_US;

static int constats_sync_interval_set(const char *val,
				      const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, CONSTATS_SYNC_INTERVAL_MAX_US);
}

static const struct kernel_param_ops constats_sync_interval_ops = {
	.set = constats_sync_interval_set,
	.get = param_get_uint,
};
module_param_cb(sync_interval_us, &constats_sync_interval_ops,
		&sync_interval_us, 0644);
MODULE_PARM_DESC(sync_interval_us,
		 "Least time between two snapshots' IPI rounds on a set, in us (0 to 1000000, default 1000)");

static void constats_self_add(struct constats *self, unsigned int a, s64 da)
{
	struct constats_writer w;

	constats_acquire(self, &w, CONSTATS_SELF_NR);
	constats_add(&w, a, da);
	constats_release(&w);
}

static void constats_self_add2(struct constats *self, unsigned int a, s64 da,
			       unsigned int b, s64 db)
{
	struct constats_writer w;

	constats_acquire(self, &w, CONSTATS_SELF_NR);
	constats_add(&w, a, da);
	constats_add(&w, b, db);
	constats_release(&w);
}

/*
 * Where the slow paths' brackets add, before their release adds the sums
 * to the set's: one per CPU for every set, since a context opens one
 * bracket at a time, a fallback bracket keeps interrupts off, and NMIs do
 * not nest on a CPU.  Per-CPU like the fast path's slots, so that one
 * constats_add() serves all three.  @lock and @nmi are zero between
 * brackets; @nmi_gen is the generation the NMI bracket loaded.
 */
struct constats_scratch {
	s64 lock[CONSTATS_MAX_COUNTERS];
	s64 nmi[CONSTATS_MAX_COUNTERS];
	unsigned int nmi_gen;
};

static struct constats_scratch __percpu *constats_scratch;

/**
 * constats_acquire_slow() - open a bracket without this CPU's sequence
 * @set: counter set
 * @nr: the counters the bracket claims, at most %CONSTATS_MAX_COUNTERS
 *
 * Called by constats_acquire() with preemption disabled when this CPU
 * already has a bracket open on @set (we interrupted it), or when @nr is
 * more than the set's counters.
 *
 * An interrupt takes the set's fallback lock with interrupts disabled.
 * An NMI may have interrupted a bracket on this CPU, or the holder of the
 * fallback lock, so it takes no lock: it brackets on this CPU's NMI
 * sequence and slot, which nothing else writes (NMIs do not nest), with
 * the orderings A and C of the fast path.
 *
 * Context: Interrupt or NMI nested over a bracket on this CPU, or any
 * context with a bad @nr.
 * Return: the per-CPU slot the bracket adds into.
 */
s64 __percpu *constats_acquire_slow(struct constats *set, unsigned int nr)
	__acquires(&s->lock)
{
	struct constats_set *s = constats_to_set(set);
	unsigned long flags;

	WARN_ONCE(nr > set->nr_counters,
		  "constats: bracket of %u counters (set %s has %u)\n",
		  nr, s->name, set->nr_counters);
	if (in_nmi()) {
		struct constats_scratch *scratch = this_cpu_ptr(constats_scratch);
		struct constats_cpu *c = this_cpu_ptr(set->cpu);

		__acquire(&s->lock);	/* for sparse: released likewise */
		WRITE_ONCE(c->nmi_seq, c->nmi_seq + 1);
		/*
		 * A, for the NMI sequence: see constats_acquire().  The
		 * reader's IPI cannot land inside an NMI, so the store and
		 * the load are on the same side of its barrier.
		 */
		barrier();
		scratch->nmi_gen = READ_ONCE(set->gen);
#ifdef CONSTATS_BUSTED_NMI_TASK_SLOT
		/* Busted: the NMI adds into the task slot (caught by KCSAN). */
		return set->cpu->deltas + scratch->nmi_gen;
#else
		return constats_scratch->nmi;
#endif
	}
	raw_spin_lock_irqsave(&s->lock, flags);
	/* Only the holder reads it, before it unlocks. */
	s->lock_flags = flags;
#ifdef CONSTATS_BUSTED_FALLBACK_CPU_SLOT
	/* Busted: adds into the interrupted slot (caught by KCSAN). */
	return set->cpu->deltas + set->gen;
#else
	return constats_scratch->lock;
#endif
}
EXPORT_SYMBOL_GPL(constats_acquire_slow);

/*
 * Empty this CPU's @scratch of a bracket's adds: add those to the set's
 * counters to @sums, or atomically to @atomic_sums, and drop those beyond
 * them (@nr was bad).
 */
static void constats_scratch_drain(const struct constats *set, s64 *scratch,
				   unsigned int nr, s64 *sums,
				   atomic64_t *atomic_sums)
{
	unsigned int i, n = max(nr, set->nr_counters);

	for (i = 0; i < n; i++) {
		if (!scratch[i])
			continue;
		if (i < set->nr_counters && atomic_sums)
			atomic64_add(scratch[i], &atomic_sums[i]);
		else if (i < set->nr_counters)
			sums[i] += scratch[i];
		scratch[i] = 0;
	}
}

/**
 * constats_release_slow() - close a bracket opened by constats_acquire_slow()
 * @set: counter set
 * @nr: the @nr the bracket was opened with
 *
 * Context: The context that opened the bracket.
 * Return: nothing.
 */
void constats_release_slow(struct constats *set, unsigned int nr)
	__releases(&s->lock)
{
	struct constats_set *s = constats_to_set(set);
	struct constats_scratch *scratch = this_cpu_ptr(constats_scratch);
	struct constats *self = READ_ONCE(constats_self);

	if (in_nmi()) {
		struct constats_cpu *c = this_cpu_ptr(set->cpu);

		/*
		 * NMIs on other CPUs add to the same sums, so atomically;
		 * NMI brackets are rare, and take no lock.  The generation is
		 * the one loaded after the odd NMI sequence store.
		 */
		constats_scratch_drain(set, scratch->nmi, nr, NULL,
				       s->nmi_deltas + scratch->nmi_gen);
		/* C, for the NMI sequence: see constats_release(). */
		smp_wmb();
		WRITE_ONCE(c->nmi_seq, c->nmi_seq + 1);
		__release(&s->lock);
	} else {
		/* The reader changes ->gen only under ->lock. */
		s64 *sums = s->lock_deltas + set->gen;

		constats_scratch_drain(set, scratch->lock, nr, sums, NULL);
		/* Count under the lock: another bracket would recurse. */
		if (set == self)
			sums[CONSTATS_SELF_FALLBACK_BRACKETS]++;
		raw_spin_unlock_irqrestore(&s->lock, s->lock_flags);
		if (set != self && self)
			constats_self_add(self, CONSTATS_SELF_FALLBACK_BRACKETS, 1);
	}
	preempt_enable();
}
EXPORT_SYMBOL_GPL(constats_release_slow);

/**
 * constats_add_invalid() - report an add that constats_add() rejected
 * @set: counter set of the bracket
 * @counter: the rejected counter index
 * @nr: the bracket's number of counters
 *
 * Context: Inside a bracket.
 * Return: nothing; warns once.
 */
void constats_add_invalid(const struct constats *set, unsigned int counter,
			  unsigned int nr)
{
	WARN_ONCE(1, "constats: counter %u out of range (bracket has %u, set %u)\n",
		  counter, nr, set->nr_counters);
}
EXPORT_SYMBOL_GPL(constats_add_invalid);

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
			/* A writer here would mean the wait was wrong. */
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

/**
 * constats_check() - hold values to a set's declared invariants
 * @set: counter set
 * @values: one value per counter of @set, in counter order
 * @nr: entries in @values, at least the set's number of counters
 *
 * For figures gathered some other way than constats_read(), e.g. the same
 * events kept in percpu_counters for comparison.  Violations found
 * here are neither counted in invariant_violations nor logged.
 *
 * Context: Process context; sleeps.
 * Return: how many of the set's invariants @values violates (0 if all
 * hold), or -EINVAL if @set or @values is NULL or @nr is too small.
 */
int constats_check(struct constats *set, const s64 *values, unsigned int nr)
{
	struct constats_set *s;
	unsigned int i;
	int bad = 0;

	might_sleep();
	if (!set || !values || nr < set->nr_counters)
		return -EINVAL;
	s = constats_to_set(set);
	mutex_lock(&s->read_mutex);
	for (i = 0; i < s->nr_inv; i++)
		bad += !constats_invariant_holds(s->inv[i], values);
	mutex_unlock(&s->read_mutex);
	return bad;
}
EXPORT_SYMBOL_GPL(constats_check);

/* Copy up to @room invariant texts of @set; returns how many it has. */
unsigned int constats_invariant_texts(struct constats *set,
				      char texts[][CONSTATS_INVARIANT_MAX + 1],
				      unsigned int room)
{
	struct constats_set *s = constats_to_set(set);
	unsigned int i, n;

	mutex_lock(&s->read_mutex);
	n = s->nr_inv;
	for (i = 0; i < min(n, room); i++)
		strscpy(texts[i], constats_invariant_text(s->inv[i]),
			CONSTATS_INVARIANT_MAX + 1);
	mutex_unlock(&s->read_mutex);
	return n;
}

/* The index of the counter called @name (@len characters), or -1. */
static int constats_lookup(void *ctx, const char *name, size_t len)
{
	const struct constats_set *s = ctx;
	unsigned int i;

	for (i = 0; i < s->pub.nr_counters; i++)
		if (strlen(s->counter_names[i]) == len &&
		    !memcmp(s->counter_names[i], name, len))
			return i;
	return -1;
}

/**
 * constats_declare() - declare an invariant that every snapshot must hold
 * @set: counter set
 * @expr: a linear relation between counters, e.g. "exits <= entries" or
 *	  "acct0 + acct1 - 2 * acct2 == 0" (see constats_expr.h), at most
 *	  %CONSTATS_INVARIANT_MAX characters
 *
 * The expression is parsed and checked against the set's counter names now;
 * from then on every snapshot (constats_read(), /proc/constats, the ioctl)
 * is checked against it.  A violation is counted in the "constats" set's
 * invariant_violations and reported once per set in the kernel log.
 *
 * Context: Process context; sleeps.
 * Return: 0; -EINVAL for a NULL @set or @expr, an @expr that is too long
 * (both without a log message), or a malformed one (with a pr_err() saying
 * where); -ENOSPC if the set has %CONSTATS_MAX_INVARIANTS already; or
 * -ENOMEM.
 */
int constats_declare(struct constats *set, const char *expr)
{
	struct constats_invariant *inv;
	struct constats_set *s;
	const char *err;
	size_t col;
	int ret = 0;

	might_sleep();
	if (!set || !expr)
		return -EINVAL;
	s = constats_to_set(set);
	inv = constats_invariant_parse(expr, set->nr_counters, constats_lookup,
				       s, &err, &col);
	if (IS_ERR(inv)) {
		if (err)
			pr_err("set %s: invariant \"%s\": %s at column %zu\n",
			       s->name, expr, err, col);
		return PTR_ERR(inv);
	}

	mutex_lock(&s->read_mutex);
	if (s->nr_inv == CONSTATS_MAX_INVARIANTS)
		ret = -ENOSPC;
	else
		s->inv[s->nr_inv++] = inv;
	mutex_unlock(&s->read_mutex);
	if (ret)
		constats_invariant_free(inv);
	return ret;
}
EXPORT_SYMBOL_GPL(constats_declare);

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
 * If a bracket was open on *@seqp, of @cpu, wait for it to close; returns
 * whether it had to.  Any change will do: a bracket opened since adds into
 * the new generation.
 */
static unsigned int constats_wait_seq(unsigned int *seqp, int cpu, u64 *spins)
{
	unsigned int seq = READ_ONCE(*seqp);
	unsigned int n = 0;

	if (!(seq & 1))
		return 0;
#ifdef CONSTATS_BUSTED_WAIT_EVEN
	/*
	 * Busted: waits for an even sequence, so for later brackets too
	 * (caught by KUnit constats_read_waits_only_for_inflight).
	 */
	while (READ_ONCE(*seqp) & 1) {
#else
	while (READ_ONCE(*seqp) == seq) {
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

static void constats_sync_cpu(void *unused)
{
	smp_mb();	/* A, on a writer's CPU: see constats_sync_cpus() */
}

/*
 * The writers' half of A, paid by the reader: a full barrier on every other
 * online CPU, run in an IPI, between this CPU's ->gen store (ordered by B)
 * and its sequence loads (ordered by the acquire with which
 * smp_call_function() sees each IPI done).  An IPI lands between two
 * instructions of the interrupted CPU, so each bracket's odd sequence store
 * and ->gen load are in program order around it: both before it (the
 * reader sees the sequence odd, or the bracket closed and its adds), both
 * after it (the load sees the new ->gen), or the store before and the load
 * after, which is both at once.  This CPU needs no IPI: a bracket nested
 * over the reader, or one opened after the reader is preempted or moves
 * away, runs after the ->gen store in this CPU's own order.
 *
 * This is membarrier's asymmetric fence, with the same cost to the rare
 * side: one IPI round per snapshot, and a wakeup for CPUs that are idle.
 * synchronize_rcu_expedited() would spare those, but it also waits out
 * every open bracket, which would leave the sequences unused, and on
 * PREEMPT_RT (rcu_normal_after_boot) it is a normal grace period, ms long.
 * Holding the hotplug lock, as membarrier does, keeps a CPU from coming
 * online between the mask being read and the IPIs being sent.
 */
static void constats_sync_cpus(void)
{
	cpus_read_lock();
	smp_call_function(constats_sync_cpu, NULL, 1);
	cpus_read_unlock();
}

/* Sleep until the set may start its next IPI round; see sync_interval_us. */
static void constats_pace(struct constats_set *s)
{
	u64 interval = (u64)READ_ONCE(sync_interval_us) * NSEC_PER_USEC;
	u64 since = ktime_get_ns() - s->last_sync;

	if (since < interval)
		fsleep(div_u64(interval - since, NSEC_PER_USEC) + 1);
}

/**
 * constats_read() - take a consistent snapshot of a set
 * @set: counter set
 * @values: where to store the counters' totals
 * @nr: room in @values; the first min(@nr, counters in set) are filled
 * @generation: if not NULL, receives the snapshot's number, which strictly
 *		increases with every snapshot of @set
 *
 * Every bracket released before this call started is in the snapshot;
 * every bracket is either wholly in it or wholly absent.  Waits only for
 * brackets that were open when the snapshot was taken.  Calls that wait
 * for one another may share a snapshot, one begun after all of them
 * started, and its number; a caller's successive calls never do.  A set
 * takes at most one snapshot per sync_interval_us (module parameter,
 * 1 ms by default); a call that comes sooner sleeps until then.
 *
 * Context: Process context; sleeps.  Not inside a bracket.
 * Return: the number of values filled, or -EINVAL if @set is NULL or
 * @values is NULL while @nr is not zero.
 */
int constats_read(struct constats *set, s64 *values, unsigned int nr,
		  u64 *generation)
{
	struct constats *self = READ_ONCE(constats_self);
	unsigned int cur, next, n, cpu;
	unsigned int violations = 0;
	struct constats_set *s;
	u64 waits = 0, spins = 0;
	u64 gen, begun;

	might_sleep();
	if (!set || (nr && !values))
		return -EINVAL;
	s = constats_to_set(set);
	n = min(nr, set->nr_counters);

	atomic_inc(&s->readers);
	/*
	 * Readers share rotations.  One that begins after this point sees
	 * every bracket released before it: it bumps ->rotations before its
	 * ->gen store and B, and so sends its IPIs after this load could
	 * still miss the bump, which is after this call began.  If such a
	 * snapshot is complete once the mutex is ours, it is ours too, so
	 * any number of readers queued on the mutex cost the writers one
	 * rotation per round, not one each.
	 */
	begun = READ_ONCE(s->rotations);
	mutex_lock(&s->read_mutex);
	if (s->generation > begun) {
		gen = s->generation;
		goto copy;
	}
	/* Before the bump: readers that come while it sleeps share this. */
#ifndef CONSTATS_BUSTED_NO_PACE	/* busted: readers unpaced (KUnit) */
	constats_pace(s);
#endif
	WRITE_ONCE(s->rotations, s->rotations + 1);
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
	/*
	 * B: order the ->gen store before the barrier every other CPU runs
	 * in constats_sync_cpus(), and so before the sequence loads below.
	 * With it, A in constats_acquire(); see there.
	 */
#ifndef CONSTATS_BUSTED_NO_MB_B	/* busted: B removed (arm64 code) */
	smp_mb();
#endif
#ifndef CONSTATS_BUSTED_NO_SYNC	/* busted: writers' half of A (native) */
	constats_sync_cpus();
#endif
	s->last_sync = ktime_get_ns();

	for_each_possible_cpu(cpu) {
		struct constats_cpu *c = per_cpu_ptr(set->cpu, cpu);

		if (unlikely(READ_ONCE(debug_skip_wait)))
			continue;
#ifdef CONSTATS_BUSTED_NO_WAIT
		continue;	/* busted: waits for nothing (stress) */
#endif
		waits += constats_wait_seq(&c->seq, cpu, &spins);
		waits += constats_wait_seq(&c->nmi_seq, cpu, &spins);
	}
	/* D: pairs with C in constats_release(). */
#ifndef CONSTATS_BUSTED_NO_RMB_D	/* busted: D removed (arm64 code) */
	smp_rmb();
#endif

	constats_sum(s, cur);
	gen = ++s->generation;
	violations = constats_check_totals(s);
copy:
	if (n)
		memcpy(values, s->totals, n * sizeof(*values));
	mutex_unlock(&s->read_mutex);
	/* The set may be freed from here on: wake_up_var() only hashes it. */
	if (atomic_dec_and_test(&s->readers))
		wake_up_var(&s->readers);

	if (generation)
		*generation = gen;
	if (self) {
		struct constats_writer w;

		constats_acquire(self, &w, CONSTATS_SELF_NR);
		constats_add(&w, CONSTATS_SELF_SNAPSHOTS, 1);
		constats_add(&w, CONSTATS_SELF_READER_WAITS, waits);
		constats_add(&w, CONSTATS_SELF_READER_SPINS, spins);
		constats_add(&w, CONSTATS_SELF_INVARIANT_VIOLATIONS, violations);
		constats_release(&w);
	}
	return n;
}
EXPORT_SYMBOL_GPL(constats_read);

static bool constats_name_valid(const char *name)
{
	size_t len, i;

	if (!name)
		return false;
	len = strnlen(name, CONSTATS_NAME_MAX + 1);
	if (!len || len > CONSTATS_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!constats_name_char(name[i]))
			return false;
	return true;
}

static bool constats_counter_names_valid(const char *const *names,
					 unsigned int nr)
{
	unsigned int i, j;

	if (!names)
		return false;
	for (i = 0; i < nr; i++) {
		if (!constats_name_valid(names[i]))
			return false;
		for (j = 0; j < i; j++)
			if (!strcmp(names[i], names[j]))
				return false;
	}
	return true;
}

static struct constats_set *constats_find_locked(const char *name)
{
	struct constats_set *s;

	lockdep_assert_held(&constats_sets_mutex);
	list_for_each_entry(s, &constats_sets, node)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

static void constats_free(struct constats_set *s)
{
	unsigned int i;

	for (i = 0; i < s->nr_inv; i++)
		constats_invariant_free(s->inv[i]);
	kfree(s->totals);
	free_percpu(s->pub.cpu);
	kfree(s->stable);
	kfree(s->nmi_deltas);
	kfree(s->lock_deltas);
	kfree(s->counter_names);
	mutex_destroy(&s->read_mutex);
	kfree(s);
}

/**
 * constats_create() - create a named counter set
 * @name: 1 to %CONSTATS_NAME_MAX characters out of a-z, 0-9 and ``_``; unique
 * @counter_names: @nr_counters distinct names, same rules as @name
 * @nr_counters: 1 to %CONSTATS_MAX_COUNTERS
 *
 * The set starts with every counter at zero and shows in /proc/constats
 * at once.  The names are copied.
 *
 * Context: Process context; sleeps.
 * Return: the new set, ERR_PTR(-EINVAL) for a bad argument,
 * ERR_PTR(-EEXIST) if a set called @name exists, or ERR_PTR(-ENOMEM).
 */
struct constats *constats_create(const char *name,
				 const char *const *counter_names,
				 unsigned int nr_counters)
{
	struct constats *self;
	struct constats_set *s;
	unsigned int i;
	int err;

	might_sleep();
	if (!nr_counters || nr_counters > CONSTATS_MAX_COUNTERS ||
	    !constats_name_valid(name) ||
	    !constats_counter_names_valid(counter_names, nr_counters))
		return ERR_PTR(-EINVAL);

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	raw_spin_lock_init(&s->lock);
	mutex_init(&s->read_mutex);
	INIT_LIST_HEAD(&s->node);
	strscpy(s->name, name, sizeof(s->name));

	s->pub.nr_counters = nr_counters;

	err = -ENOMEM;
	s->counter_names = kcalloc(nr_counters, sizeof(*s->counter_names),
				   GFP_KERNEL);
	if (!s->counter_names)
		goto err_free;
	for (i = 0; i < nr_counters; i++)
		strscpy(s->counter_names[i], counter_names[i],
			sizeof(s->counter_names[i]));
	s->lock_deltas = kcalloc(CONSTATS_NR_GENS * nr_counters,
				 sizeof(*s->lock_deltas), GFP_KERNEL);
	s->nmi_deltas = kcalloc(CONSTATS_NR_GENS * nr_counters,
				sizeof(*s->nmi_deltas), GFP_KERNEL);
	s->stable = kcalloc(CONSTATS_NR_GENS * nr_counters,
			    sizeof(*s->stable), GFP_KERNEL);
	s->totals = kcalloc(nr_counters, sizeof(*s->totals), GFP_KERNEL);
	if (!s->lock_deltas || !s->nmi_deltas || !s->stable || !s->totals)
		goto err_free;
	/*
	 * 8 + 24 bytes per counter on each CPU, packed: only that CPU writes
	 * any of it, so sharing lines with its other sets costs nothing.
	 */
	s->pub.cpu = __alloc_percpu(sizeof(struct constats_cpu) +
				    CONSTATS_NR_GENS * nr_counters * sizeof(s64),
				    __alignof__(struct constats_cpu));
	if (!s->pub.cpu)
		goto err_free;

	mutex_lock(&constats_sets_mutex);
	if (constats_find_locked(name)) {
		mutex_unlock(&constats_sets_mutex);
		err = -EEXIST;
		goto err_free;
	}
	/* Ids are never reused, so a stale one cannot name another set. */
	s->id = ++constats_last_id;
	list_add_tail(&s->node, &constats_sets);
	mutex_unlock(&constats_sets_mutex);

	/* The self-stats set counts its own creation. */
	self = READ_ONCE(constats_self) ?: &s->pub;
	constats_self_add2(self, CONSTATS_SELF_SETS_CREATED, 1,
			   CONSTATS_SELF_SETS_ALIVE, 1);
	return &s->pub;

err_free:
	constats_free(s);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(constats_create);

/**
 * constats_destroy() - remove a counter set and free it
 * @set: the set, or NULL or an ERR_PTR() (ignored)
 *
 * The name may be reused once this returns.  The caller guarantees that no
 * writer still uses @set and that no new constats_read() of it starts;
 * readers already inside constats_read(), and readers that reach the set
 * through /proc/constats or its ioctls, are waited for.
 *
 * Context: Process context; sleeps.
 * Return: nothing.
 */
void constats_destroy(struct constats *set)
{
	struct constats *self = READ_ONCE(constats_self);
	struct constats_set *s;

	might_sleep();
	if (IS_ERR_OR_NULL(set))
		return;
	s = constats_to_set(set);

	mutex_lock(&constats_sets_mutex);
	list_del(&s->node);
	mutex_unlock(&constats_sets_mutex);
#ifndef CONSTATS_BUSTED_DESTROY_NO_WAIT	/* busted: KUnit's destroy case */
	wait_var_event(&s->readers, !atomic_read(&s->readers));
#endif
	constats_free(s);

	if (self && self != set)
		constats_self_add2(self, CONSTATS_SELF_SETS_DESTROYED, 1,
				   CONSTATS_SELF_SETS_ALIVE, -1);
}
EXPORT_SYMBOL_GPL(constats_destroy);

void constats_registry_lock(void)
{
	mutex_lock(&constats_sets_mutex);
}

void constats_registry_unlock(void)
{
	mutex_unlock(&constats_sets_mutex);
}

/* The set after @pos in creation order, or the first if @pos is NULL. */
struct constats *constats_registry_next(struct constats *pos)
{
	struct list_head *head = &constats_sets;
	struct list_head *next;

	lockdep_assert_held(&constats_sets_mutex);
	next = pos ? constats_to_set(pos)->node.next : head->next;
	if (next == head)
		return NULL;
	return &list_entry(next, struct constats_set, node)->pub;
}

/* The live set with this id, or NULL. */
struct constats *constats_registry_find(u32 id)
{
	struct constats_set *s;

	lockdep_assert_held(&constats_sets_mutex);
	list_for_each_entry(s, &constats_sets, node)
		if (s->id == id)
			return &s->pub;
	return NULL;
}

u32 constats_id(const struct constats *set)
{
	return constats_to_set(set)->id;
}

const char *constats_name(const struct constats *set)
{
	return constats_to_set(set)->name;
}

const char *constats_counter_name(const struct constats *set,
				  unsigned int counter)
{
	return constats_to_set(set)->counter_names[counter];
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * constats_kunit_self() - the self-stats set, for constats_kunit only
 *
 * Context: Any.
 * Return: the "constats" set, or NULL before init and after exit.
 */
struct constats *constats_kunit_self(void)
{
	return READ_ONCE(constats_self);
}
EXPORT_SYMBOL_GPL(constats_kunit_self);

/**
 * constats_kunit_sync_interval() - set sync_interval_us, for constats_kunit
 * @us: the new interval, in microseconds
 *
 * Context: Any.
 * Return: the interval it replaces.
 */
unsigned int constats_kunit_sync_interval(unsigned int us)
{
	return xchg(&sync_interval_us, min_t(unsigned int, us,
					     CONSTATS_SYNC_INTERVAL_MAX_US));
}
EXPORT_SYMBOL_GPL(constats_kunit_sync_interval);
#endif

int constats_core_init(void)
{
	struct constats *self;
	int ret;

	constats_scratch = __alloc_percpu(sizeof(struct constats_scratch),
					  __alignof__(struct constats_scratch));
	if (!constats_scratch)
		return -ENOMEM;
	self = constats_create("constats", constats_self_names,
			       CONSTATS_SELF_NR);
	if (IS_ERR(self)) {
		ret = PTR_ERR(self);
		goto err_free_scratch;
	}
	/* Both sides move in one bracket, in create and destroy. */
	ret = constats_declare(self,
			       "sets_alive == sets_created - sets_destroyed");
	if (ret)
		goto err_destroy;
	WRITE_ONCE(constats_self, self);
	return 0;

err_destroy:
	constats_destroy(self);
err_free_scratch:
	free_percpu(constats_scratch);
	return ret;
}

void constats_core_exit(void)
{
	struct constats *self = constats_self;
	struct constats_set *s, *tmp;

	/* Owners are modules that depend on us, so they are gone. */
	list_for_each_entry_safe(s, tmp, &constats_sets, node) {
		if (&s->pub == self)
			continue;
		pr_warn("set %s was not destroyed by its owner\n", s->name);
		constats_destroy(&s->pub);
	}
	WRITE_ONCE(constats_self, NULL);
	constats_destroy(self);
	free_percpu(constats_scratch);
}
