// SPDX-License-Identifier: GPL-2.0
/*
 * constats core: counter sets, their registry and the writer slow paths.
 * The reader is in constats_reader.c.
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
 * - A reader rotates ->gen under the fallback lock, waits for an RCU grace
 *   period (every bracket is an RCU read-side critical section), checks
 *   that no sequence it found odd is still so, and sums the generation it
 *   left behind; see constats_reader.c.
 *
 * Every slot is cumulative: nothing but its writers ever writes it, so a
 * reader only reads the writers' cache lines.
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
#include <linux/err.h>
#include <linux/export.h>
#include <linux/kcsan-checks.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/wait_bit.h>

#include "constats_expr.h"
#include "constats_internal.h"

static LIST_HEAD(constats_sets);
static DEFINE_MUTEX(constats_sets_mutex);
static u32 constats_last_id;	/* under constats_sets_mutex */

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
	kfree(s->pending_seq);
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
	seqcount_mutex_init(&s->cache_seq, &s->read_mutex);
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
	s->pending_seq = kcalloc(nr_cpu_ids * 2, sizeof(*s->pending_seq),
				 GFP_KERNEL);
	if (!s->lock_deltas || !s->nmi_deltas || !s->stable || !s->totals ||
	    !s->pending_seq)
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
 * readers already inside constats_read() or constats_read_sets(), and
 * readers that reach the set
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

void constats_hold(struct constats *set)
{
	lockdep_assert_held(&constats_sets_mutex);
	atomic_inc(&constats_to_set(set)->readers);
}

void constats_unhold(struct constats *set)
{
	struct constats_set *s = constats_to_set(set);

	/* The set may be freed from here on: wake_up_var() only hashes it. */
	if (atomic_dec_and_test(&s->readers))
		wake_up_var(&s->readers);
}

void constats_self_count_read(unsigned int snapshots, u64 waits, u64 spins,
			      unsigned int violations)
{
	struct constats *self = READ_ONCE(constats_self);
	struct constats_writer w;

	if (!self)
		return;
	constats_acquire(self, &w, CONSTATS_SELF_NR);
	constats_add(&w, CONSTATS_SELF_SNAPSHOTS, snapshots);
	constats_add(&w, CONSTATS_SELF_READER_WAITS, waits);
	constats_add(&w, CONSTATS_SELF_READER_SPINS, spins);
	constats_add(&w, CONSTATS_SELF_INVARIANT_VIOLATIONS, violations);
	constats_release(&w);
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
