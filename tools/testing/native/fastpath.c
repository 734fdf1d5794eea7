// SPDX-License-Identifier: GPL-2.0
/*
 * The brackets make bench times natively, alone in their translation unit
 * so that the slow paths (kmod/constats_core.c) stay as opaque to them as
 * they are to a module.  In the %gs build (native-gs) this file is
 * compiled with the flags Debian's 6.1 kernel compiles a module with, and
 * bench_fastpath() must then be constats_bench.ko's bench_fastpath(),
 * instruction for instruction: fastpath-diff.sh checks it.
 */
#include <linux/constats.h>
#include "constats_bench.h"
#include "fastpath.h"

noinline void bench_fastpath(struct constats *set)
{
	constats_bench_bracket4(set);
}

noinline void native_bracket(struct constats *set, unsigned int k)
{
	constats_bench_bracket(set, k);
}

noinline void native_floor(s64 __percpu *v, unsigned int k)
{
	constats_bench_floor(v, k);
}

/* The floor of bench_fastpath(): K = 4 with constant indices too. */
noinline void native_floor4(s64 __percpu *v)
{
	constats_bench_floor(v, 4);
}
