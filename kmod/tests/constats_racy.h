/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The baseline the test modules hold constats against: the same adds kept
 * in the kernel's own percpu_counters, each read exactly with
 * percpu_counter_sum(), but one counter after another, as XFS read icount
 * and ifree.  An add that lands between two counters' sums is in one and
 * not the other.  For constats_stress.ko and constats_trace.ko only.
 */
#ifndef _CONSTATS_RACY_H
#define _CONSTATS_RACY_H

#include <linux/compiler.h>
#include <linux/overflow.h>
#include <linux/percpu_counter.h>
#include <linux/slab.h>

struct constats_racy {
	unsigned int nr;
	struct percpu_counter pc[];
};

static inline void constats_racy_destroy(struct constats_racy *r)
{
	unsigned int i;

	if (!r)
		return;
	for (i = 0; i < r->nr; i++)
		percpu_counter_destroy(&r->pc[i]);
	kfree(r);
}

static inline struct constats_racy *constats_racy_create(unsigned int nr)
{
	struct constats_racy *r;

	r = kzalloc(struct_size(r, pc, nr), GFP_KERNEL);
	if (!r)
		return NULL;
	for (; r->nr < nr; r->nr++) {
		if (percpu_counter_init(&r->pc[r->nr], 0, GFP_KERNEL)) {
			constats_racy_destroy(r);
			return NULL;
		}
	}
	return r;
}

/* Any context but NMI, as percpu_counter_add() is irq-safe. */
static inline void constats_racy_add(struct constats_racy *r,
				     unsigned int counter, s64 delta)
{
	percpu_counter_add(&r->pc[counter], delta);
}

/*
 * percpu_counter_sum() reads each CPU's s32 with a plain load while
 * this_cpu_add() on that CPU may change it, and KCSAN reports the read as
 * a race at unknown origin.  The kernel accepts that race, as the sum is
 * only meant to be close, and this baseline exists to show what such sums
 * taken one after another give.  Mark it, so that KCSAN still watches
 * everything else its callers do.
 */
static inline void constats_racy_sum(struct constats_racy *r, s64 *v)
{
	unsigned int i;

	for (i = 0; i < r->nr; i++) {
		/* Racy by design: see above. */
		v[i] = data_race(percpu_counter_sum(&r->pc[i]));
	}
}

#endif /* _CONSTATS_RACY_H */
