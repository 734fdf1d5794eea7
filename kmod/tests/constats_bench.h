/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The constats brackets both benchmarks time: constats_bench.ko in the
 * kernel, and tools/testing/native in user space against its shim, so the
 * two measure the same code.
 */
#ifndef _CONSTATS_BENCH_H
#define _CONSTATS_BENCH_H

#include <linux/constats.h>

/* One bracket adding 1 to each of the first @k counters. */
static inline void constats_bench_bracket(struct constats *set,
					  unsigned int k)
{
	struct constats_writer w;
	unsigned int i;

	constats_acquire(set, &w);
	for (i = 0; i < k; i++)
		constats_add(&w, i, 1);
	constats_release(&w);
}

/* K = 4 with constant indices: what the reports disassemble and count. */
static inline void constats_bench_bracket4(struct constats *set)
{
	struct constats_writer w;

	constats_acquire(set, &w);
	constats_add(&w, 0, 1);
	constats_add(&w, 1, 2);
	constats_add(&w, 2, 3);
	constats_add(&w, 3, 4);
	constats_release(&w);
}

#endif /* _CONSTATS_BENCH_H */
