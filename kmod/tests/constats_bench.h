/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The brackets both benchmarks time: constats_bench.ko in the kernel, and
 * tools/testing/native in user space against its shim, so the two measure
 * the same code.  Natively, the %gs build compiles them with the kernel's
 * flags into the module's very instructions (tools/testing/native/fastpath.c).
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

	constats_acquire(set, &w, k);
	for (i = 0; i < k; i++)
		constats_add(&w, i, 1);
	constats_release(&w);
}

/* K = 4 with constant indices: what the reports disassemble and count. */
static inline void constats_bench_bracket4(struct constats *set)
{
	struct constats_writer w;

	constats_acquire(set, &w, 4);
	constats_add(&w, 0, 1);
	constats_add(&w, 1, 2);
	constats_add(&w, 2, 3);
	constats_add(&w, 3, 4);
	constats_release(&w);
}

/*
 * The floor: what a writer pays without constats, as u64_stats does on
 * 64-bit: preemption off around K plain per-CPU adds.
 */
static inline void constats_bench_floor(s64 __percpu *v, unsigned int k)
{
	unsigned int i;

	preempt_disable();
	for (i = 0; i < k; i++)
		__this_cpu_inc(v[i]);
	preempt_enable();
}

#endif /* _CONSTATS_BENCH_H */
