/* SPDX-License-Identifier: GPL-2.0 */
/*
 * constats_compat.h: the kernel API drift between the oldest kernel constats
 * builds for (Debian 12's 6.1) and the newest (7.x), in one place.
 *
 * constats is written against the newest kernel's API.  For an older kernel
 * this header supplies each newer call in terms of the one it replaced, as
 * WireGuard's compat layer did for its backports, so that no other file
 * tests a kernel version.  Where the newer API is a macro it is tested for
 * directly, which also covers stable and distribution backports; otherwise
 * the version is the one that brought it, stable releases included.
 *
 * Internal to the module, its tests and its samples: the public
 * <linux/constats.h> needs none of this.
 */
#ifndef _CONSTATS_COMPAT_H
#define _CONSTATS_COMPAT_H

#include <linux/hrtimer.h>
#include <linux/rcupdate.h>
#include <linux/timer.h>
#include <linux/version.h>

/*
 * This kernel is older than a.b.c.  checkpatch warns at every
 * LINUX_VERSION_CODE, rightly for code merged into the kernel, which is
 * for the version it is merged into; a module built for many kernels has
 * to ask, and asks here alone, from the version's parts.
 */
#define CONSTATS_KERNEL_BEFORE(a, b, c)					\
	(KERNEL_VERSION(LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL,	\
			LINUX_VERSION_SUBLEVEL) < KERNEL_VERSION(a, b, c))

/* 6.16 renamed from_timer(); 7.x has only timer_container_of(). */
#ifndef timer_container_of
#define timer_container_of(var, callback_timer, timer_fieldname) \
	from_timer(var, callback_timer, timer_fieldname)
#endif

/*
 * 6.2 renamed del_timer_sync(), and 6.1.84 took the new name too; 7.x has
 * only timer_delete_sync().
 */
#if CONSTATS_KERNEL_BEFORE(6, 1, 84)
#define timer_delete_sync(timer) del_timer_sync(timer)
#endif

/*
 * 6.13 brought hrtimer_setup(), which sets the callback with the clock and
 * mode; 7.x has no hrtimer_init().
 */
#if CONSTATS_KERNEL_BEFORE(6, 13, 0)
static inline void
hrtimer_setup(struct hrtimer *timer,
	      enum hrtimer_restart (*function)(struct hrtimer *),
	      clockid_t clock_id, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
}
#endif

/*
 * 7.3 renamed the full-sized RCU grace-period cookie of
 * get_state_synchronize_rcu_full() from struct rcu_gp_oldstate.
 */
#if CONSTATS_KERNEL_BEFORE(7, 3, 0)
#define rcu_gp_seq rcu_gp_oldstate
#endif

#endif /* _CONSTATS_COMPAT_H */
