/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CONSTATS_NATIVE_FASTPATH_H
#define _CONSTATS_NATIVE_FASTPATH_H

/* fastpath.c: acquire + 4 adds + release, as constats_bench.ko has it */
void bench_fastpath(struct constats *set);
/* a bracket of K adds, and the floor: K per-CPU adds with preemption off */
void native_bracket(struct constats *set, unsigned int k);
void native_floor(s64 __percpu *v, unsigned int k);
void native_floor4(s64 __percpu *v);

#endif /* _CONSTATS_NATIVE_FASTPATH_H */
