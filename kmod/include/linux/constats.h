/* SPDX-License-Identifier: GPL-2.0 */
/*
 * constats: per-CPU counters whose snapshots are consistent across counters.
 *
 * Usage contract:
 *
 * 1) A writer groups updates to several counters of one set into a bracket:
 *
 *	struct constats_writer w;
 *
 *	constats_acquire(set, &w, NR_MY_STATS);
 *	constats_add(&w, ISSUED, 1);
 *	constats_add(&w, BYTES, len);
 *	constats_release(&w);
 *
 *    A snapshot taken by constats_read() contains every bracket wholly or
 *    not at all, so invariants across counters hold in every snapshot.
 *    The third argument bounds the counters the bracket adds to; as a
 *    constant, it leaves constats_add() with a constant counter no check
 *    to make at run time.
 *
 * 2) A bracket may be opened in any context: task (preemptible or not),
 *    softirq, hardirq and NMI, on PREEMPT_RT kernels too.  It disables
 *    preemption itself and must not sleep, nor take a lock that sleeps on
 *    PREEMPT_RT (spinlock_t, rwlock_t).  Keep it short: an interrupt nested
 *    over it may wait for it.  Brackets nest only through interrupts: a
 *    context must not open a second bracket before releasing the first.
 *
 * 3) An interrupt that lands on a CPU whose bracket is open takes the
 *    set's fallback lock, a raw spinlock taken with interrupts off, and
 *    adds into a per-CPU scratch slot that its release adds to the set's
 *    fallback sums under the lock.  So does a bracket, outside NMI, that
 *    claims more counters than its set has; nothing else does.  It is
 *    counted in the "constats" set.
 *
 * 4) An NMI over an open bracket (or over the fallback lock's holder)
 *    takes no lock: it brackets on a sequence of its own on its CPU,
 *    adding into a per-CPU scratch slot that its release adds to the
 *    set's NMI sums with atomics, with the same all-or-nothing guarantee.
 *    An NMI with no bracket open on its CPU takes the fast path.  NMIs
 *    must not nest on one CPU, as on every architecture Linux delivers
 *    them.
 *
 * 5) constats_read(), constats_read_sets() and constats_read_recent() may
 *    sleep and must not be called inside a bracket.  Their barrier is an
 *    RCU grace period, so a bracket must be opened only where RCU is
 *    watching: not in noinstr code nor in the idle loop's RCU-idle part.
 *    Kernels with CONFIG_PROVE_RCU warn at constats_acquire() otherwise.
 *
 * 6) The set's owner must stop all writers before constats_destroy();
 *    readers going through /proc/constats are handled by constats itself.
 */
#ifndef _LINUX_CONSTATS_H
#define _LINUX_CONSTATS_H

#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/kcsan-checks.h>
#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <asm/barrier.h>

/*
 * CONSTATS_BUSTED_<NAME>: one deliberately broken variant of the protocol,
 * defined only when Kbuild is given CONSTATS_BUSTED=<name>, which only
 * make check's mutant run does (tools/testing/mutants.sh).  Each #ifdef
 * below names the test that must catch it; Documentation/testing.rst has
 * the table.  Never defined in a normal build.
 */

/* Longest set or counter name, without the terminating NUL. */
#define CONSTATS_NAME_MAX	31
/* Most counters in one set. */
#define CONSTATS_MAX_COUNTERS	256
/* Generations in the ring a reader rotates. */
#define CONSTATS_NR_GENS	3
/* Most invariants declared on one set. */
#define CONSTATS_MAX_INVARIANTS	16
/* Longest invariant text, without the terminating NUL. */
#define CONSTATS_INVARIANT_MAX	127

/**
 * struct constats_cpu - one CPU's share of a counter set
 * @seq: odd while a bracket is open on this CPU
 * @nmi_seq: odd while an NMI's bracket is open on this CPU
 * @deltas: %CONSTATS_NR_GENS generations of this CPU's sums, each
 *	    &constats.nr_counters entries long; cumulative, so only this CPU
 *	    ever writes them (readers only read)
 *
 * 8 + 24 bytes per counter, packed: one CPU's slots share cache lines with
 * nothing that another CPU writes.  Private to constats; declared here for
 * the inline writer fast path.
 */
struct constats_cpu {
	unsigned int seq;
	unsigned int nmi_seq;
	s64 deltas[];
};

/**
 * struct constats - a counter set, opaque to callers
 * @cpu: per-CPU sequences and deltas
 * @nr_counters: counters in the set
 * @gen: generation writers add into, rotated by readers: generation 0, 1
 *	 or 2, stored as where it starts in every array of generations (0,
 *	 @nr_counters or twice that), so that a writer needs no multiply; on
 *	 a line of its own, so that a rotation leaves the writers' copy of
 *	 the line above alone
 *
 * Only the fields the inline writer needs are here; the rest is private to
 * the core.  Callers use the functions below and never touch a field.
 */
struct constats {
	/* private: */
	struct constats_cpu __percpu *cpu;
	unsigned int nr_counters;
	unsigned int gen ____cacheline_aligned_in_smp;
};

/**
 * struct constats_writer - one open bracket, on the writer's stack
 *
 * Filled by constats_acquire(), used by constats_add() and closed by
 * constats_release().  Its fields are private: the compiler keeps them in
 * registers, since no function is given its address, so there is no
 * stack slot to clear or guard.  It has no padding: with
 * CONFIG_INIT_STACK_ALL_ZERO, padding would keep it on the stack to be
 * cleared.  A constant ->slow on the fast path lets the compiler drop
 * constats_release()'s test where it can tell the two paths apart.
 */
struct constats_writer {
	/* private: */
	s64 __percpu *deltas;
	struct constats_cpu __percpu *cpu;
	struct constats *set;
	unsigned int nr;
	unsigned int slow;
};

/* constats_read_sets() flags */
/* A normal grace period: interrupts no CPU, takes milliseconds. */
#define CONSTATS_READ_LAZY	0x1U
/*
 * On behalf of an unprivileged user: lazy, and queued on the constats-wide
 * round, paced by the shared_interval_ms module parameter.
 */
#define CONSTATS_READ_SHARED	0x2U
#define CONSTATS_READ_FLAGS	(CONSTATS_READ_LAZY | CONSTATS_READ_SHARED)

/**
 * struct constats_snapshot - one set's part of constats_read_sets()
 * @set: in: the counter set
 * @values: in: where its totals go
 * @nr: in: room in @values; min(@nr, the set's counters) are filled
 * @generation: out: the snapshot's number, as constats_read() gives it
 * @stamp_ns: out: ktime_get_ns() when the snapshot's round began; every
 *	      bracket released before then is in it
 */
struct constats_snapshot {
	struct constats *set;
	s64 *values;
	unsigned int nr;
	u64 generation;
	u64 stamp_ns;
};

struct constats *constats_create(const char *name,
				 const char *const *counter_names,
				 unsigned int nr_counters);
void constats_destroy(struct constats *set);
int constats_read(struct constats *set, s64 *values, unsigned int nr,
		  u64 *generation);
int constats_read_sets(struct constats_snapshot *snaps, unsigned int n,
		       unsigned int flags);
int constats_read_recent(struct constats *set, s64 *values, unsigned int nr,
			 u64 max_age_ns, u64 *generation, u64 *age_ns);
int constats_declare(struct constats *set, const char *expr);
int constats_check(struct constats *set, const s64 *values, unsigned int nr);

s64 __percpu *constats_acquire_slow(struct constats *set, unsigned int nr);
void constats_release_slow(struct constats *set, unsigned int nr);
void constats_add_invalid(const struct constats *set, unsigned int counter,
			  unsigned int nr);

/**
 * constats_acquire() - open a bracket of updates to @set
 * @set: counter set from constats_create()
 * @w: bracket state, usually on the caller's stack
 * @nr: the bracket adds to counters 0 to @nr - 1 at most; at most the
 *	set's number of counters
 *
 * Disables preemption until constats_release().  On the fast path this
 * CPU's sequence becomes odd and the bracket adds into this CPU's slot of
 * the current generation, with no fence and no locked instruction.  An
 * interrupt nested over an open bracket on this CPU takes the set's
 * fallback lock instead, with interrupts disabled, and an NMI nested over
 * one brackets on this CPU's NMI sequence and scratch slot.
 *
 * @nr is checked here, once, against the set: pass a compile-time
 * constant (the count of the caller's enum of counters, say), and
 * constats_add() with a constant counter below it compiles to a single
 * add with no check.  A bracket whose @nr exceeds the set's counters
 * warns once; its adds to counters the set has still count, the others
 * change nothing.
 *
 * Context: Any context, NMI included, where RCU is watching.  Must not
 * sleep until constats_release().
 * Return: nothing; @w is ready for constats_add().
 */
static __always_inline void constats_acquire(struct constats *set,
					     struct constats_writer *w,
					     unsigned int nr)
{
	/* A local, so that barrier() below does not make us reload it. */
	struct constats_cpu __percpu *cpu = set->cpu;
	unsigned int gen;

	/*
	 * The reader's barrier is an RCU grace period, which waits only for
	 * brackets that RCU can see.  Debug kernels only: nothing in others.
	 */
	RCU_LOCKDEP_WARN(!rcu_is_watching(),
			 "constats bracket where RCU is not watching");
	preempt_disable();
	w->set = set;
	/* The slow paths' slots hold this many. */
	w->nr = min_t(unsigned int, nr, CONSTATS_MAX_COUNTERS);
	/*
	 * Test, then increment: an interrupt between the two runs a whole
	 * bracket of its own and leaves the sequence even again, and
	 * this_cpu_inc() is a single interrupt-safe read-modify-write.
	 */
#ifdef CONSTATS_BUSTED_NESTED_FAST
	/*
	 * Busted: nested interrupts take the fast path too (caught by KUnit
	 * constats_acquire_hardirq_nested_takes_fallback).
	 */
	if (unlikely(in_nmi() || nr > set->nr_counters)) {
#else
	/*
	 * NMIs need no test of their own: one over an open bracket finds
	 * the sequence odd, and constats_acquire_slow() sends it to its NMI
	 * slot; one with no bracket open here brackets on this CPU's
	 * sequence as any other context does.  It cannot be interrupted, so
	 * the bracket is whole before the interrupted code runs again.
	 */
	if (unlikely((this_cpu_read(cpu->seq) & 1) ||
		     nr > set->nr_counters)) {
#endif
		w->deltas = constats_acquire_slow(set, nr);
		w->slow = 1;
		return;
	}
#ifdef CONSTATS_BUSTED_GEN_BEFORE_SEQ
	/* Busted: ->gen loaded before the odd sequence store (arm64 code). */
	gen = READ_ONCE(set->gen);
#endif
	this_cpu_inc(cpu->seq);
	/*
	 * A: the odd sequence store before the load of ->gen.  A compiler
	 * barrier is all the writer pays; the reader pays for the rest (see
	 * kmod/constats_reader.c): after storing the new ->gen it waits for
	 * an RCU grace period, and this bracket, with preemption disabled, is
	 * an RCU read-side critical section.  Either it began before the
	 * grace period, which then waits for it to end, or its CPU ran a full
	 * barrier after the ->gen store and before this load, which so sees
	 * the new generation.
	 */
	barrier();
#ifndef CONSTATS_BUSTED_GEN_BEFORE_SEQ
	gen = READ_ONCE(set->gen);
#endif
	w->deltas = cpu->deltas + gen;
	w->cpu = cpu;
	w->slow = 0;
}

/**
 * constats_add() - add @delta to one counter inside a bracket
 * @w: bracket opened by constats_acquire()
 * @counter: index of the counter, below the bracket's @nr
 * @delta: signed amount to add
 *
 * Only the bracket's own slot is written: nested interrupts never add to
 * a slot whose bracket is open, so a plain per-CPU add cannot lose an
 * update.  A @counter not below the bracket's @nr warns once and changes
 * nothing; when both are compile-time constants, the compiler drops the
 * check.
 *
 * Context: Inside a bracket, in the context that opened it.
 * Return: nothing.
 */
static __always_inline void constats_add(struct constats_writer *w,
					 unsigned int counter, s64 delta)
{
	if (unlikely(counter >= w->nr)) {
		constats_add_invalid(w->set, counter, w->nr);
		return;
	}
#ifdef CONFIG_KCSAN
	{
		/*
		 * The slot is the bracket's alone until it is released: any
		 * other writer is a report (an interrupt or NMI adding here),
		 * even where, as on x86, the add is one instruction that no
		 * interrupt can split.  A plain add, since KCSAN does not see
		 * the x86 per-CPU ops' asm, which would hide the other writer.
		 */
		s64 *slot = this_cpu_ptr(w->deltas + counter);

		ASSERT_EXCLUSIVE_WRITER(*slot);
		*slot += delta;
	}
#else
	__this_cpu_add(w->deltas[counter], delta);
#endif
}

/**
 * constats_release() - close a bracket opened by constats_acquire()
 * @w: the bracket
 *
 * Publishes the bracket's adds to the next snapshot as a whole and
 * re-enables preemption.
 *
 * Context: The context that opened the bracket.
 * Return: nothing.
 */
static __always_inline void constats_release(struct constats_writer *w)
{
	if (unlikely(w->slow)) {
		constats_release_slow(w->set, w->nr);
		return;
	}
	/*
	 * C: the adds before the even sequence store.  Pairs with D in
	 * the reader's constats_finish(): a reader that sees the sequence
	 * move on also sees every add of the bracket.
	 */
#ifndef CONSTATS_BUSTED_NO_WMB_C	/* busted: C removed (arm64 code) */
	smp_wmb();
#endif
	this_cpu_inc(w->cpu->seq);
	preempt_enable();
}

#endif /* _LINUX_CONSTATS_H */
