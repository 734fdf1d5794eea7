// SPDX-License-Identifier: GPL-2.0
/*
 * The inline writer fast path alone, for tools/testing/arm64.sh to check its
 * barriers in the arm64 code: no full barrier (A is the reader's RCU grace
 * period), and C (dmb ishst) between the adds and the even sequence store.
 */
#include <linux/constats.h>

void constats_arm64_bracket(struct constats *set);

void constats_arm64_bracket(struct constats *set)
{
	struct constats_writer w;

	constats_acquire(set, &w, 2);
	constats_add(&w, 0, 1);
	constats_add(&w, 1, -1);
	constats_release(&w);
}
