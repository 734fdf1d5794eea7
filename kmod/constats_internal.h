/* SPDX-License-Identifier: GPL-2.0 */
/* Interfaces between the parts of constats.ko; not for other modules. */
#ifndef _CONSTATS_INTERNAL_H
#define _CONSTATS_INTERNAL_H

#include <linux/atomic.h>
#include <linux/constats.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>

#include "constats_compat.h"

struct file;
struct constats_invariant;

/**
 * struct constats_set - a counter set and its private state
 * @pub: fields the inline writer reads; first, so it shares their line
 * @lock: serialises fallback writers and the reader's rotation of ->gen;
 *	  raw, since hard interrupts take it on PREEMPT_RT too
 * @lock_flags: interrupt flags of the fallback bracket holding @lock
 * @lock_deltas: fallback writers' sums, [CONSTATS_NR_GENS][nr_counters]
 * @nmi_deltas: NMI writers' sums, [CONSTATS_NR_GENS][nr_counters]
 * @read_mutex: serialises the reader's steps on this set; never held
 *		across a grace period
 * @cache_seq: lets constats_read_recent() copy @totals, @generation and
 *	       @stamp without @read_mutex; written under it
 * @readers: readers of the set, waited for by constats_destroy()
 * @rotations: rounds begun, under @read_mutex; read without it to learn
 *	       which rounds began before a call
 * @generation: rounds finished, that is the latest snapshot's number
 * @stamp: ktime_get_ns() when the latest snapshot's round began
 * @pending_cur: while a round is in flight (@rotations > @generation), the
 *		 generation it retires
 * @pending_stamp: ktime_get_ns() when the round in flight began
 * @pending_gp: the grace period the round in flight waits for
 * @pending_seq: per possible CPU, its sequence and NMI sequence as the
 *		 round in flight found them, [nr_cpu_ids][2]
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
	struct mutex read_mutex;	/* see @read_mutex above */
	seqcount_mutex_t cache_seq;
	atomic_t readers;
	u64 rotations;
	u64 generation;
	u64 stamp;
	unsigned int pending_cur;
	u64 pending_stamp;
	struct rcu_gp_seq pending_gp;
	unsigned int *pending_seq;
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

static inline struct constats_set *constats_to_set(const struct constats *pub)
{
	return container_of(pub, struct constats_set, pub);
}

/* Counters of the "constats" self-stats set, in index order. */
enum {
	CONSTATS_SELF_SNAPSHOTS,
	CONSTATS_SELF_READER_WAITS,
	CONSTATS_SELF_READER_SPINS,
	CONSTATS_SELF_FALLBACK_BRACKETS,
	CONSTATS_SELF_SETS_CREATED,
	CONSTATS_SELF_SETS_DESTROYED,
	CONSTATS_SELF_SETS_ALIVE,
	CONSTATS_SELF_INVARIANT_VIOLATIONS,
	CONSTATS_SELF_NR
};

struct constats *constats_kunit_self(void);
unsigned int constats_kunit_shared_interval(unsigned int ms);

/* The core's own statistics of a read (constats_core.c). */
void constats_self_count_read(unsigned int snapshots, u64 waits, u64 spins,
			      unsigned int violations);

int constats_core_init(void);
void constats_core_exit(void);

int constats_proc_init(void);
void constats_proc_exit(void);

/*
 * The registry of live sets.  Holding its lock keeps every set on it alive,
 * so a reader that walks the registry may snapshot what it finds.
 */
void constats_registry_lock(void);
void constats_registry_unlock(void);
struct constats *constats_registry_next(struct constats *pos);
struct constats *constats_registry_find(u32 id);
/*
 * With the registry locked, keep @set alive after it is unlocked, until
 * constats_unhold(): constats_destroy() waits for it.
 */
void constats_hold(struct constats *set);
void constats_unhold(struct constats *set);

u32 constats_id(const struct constats *set);
const char *constats_name(const struct constats *set);
const char *constats_counter_name(const struct constats *set,
				  unsigned int counter);

long constats_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
/* constats_read_sets() flags for a read on behalf of the current task. */
unsigned int constats_read_flags(void);

/* Declared invariants (constats_invariant.c), a leaf the core calls. */
struct constats_invariant *
constats_invariant_parse(const char *expr, unsigned int nr,
			 int (*lookup)(void *ctx, const char *name, size_t len),
			 void *ctx, const char **err, size_t *col);
bool constats_invariant_holds(const struct constats_invariant *inv,
			      const s64 *v);
const char *constats_invariant_text(const struct constats_invariant *inv);
void constats_invariant_free(struct constats_invariant *inv);
unsigned int constats_invariant_texts(struct constats *set,
				      char texts[][CONSTATS_INVARIANT_MAX + 1],
				      unsigned int room);

#endif /* _CONSTATS_INTERNAL_H */
