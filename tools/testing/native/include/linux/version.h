/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel whose API the shim offers, for kmod/constats_compat.h: one
 * with hrtimer_setup() (6.13) and struct rcu_gp_oldstate (before 7.3).
 */
#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))
#define LINUX_VERSION_MAJOR 7
#define LINUX_VERSION_PATCHLEVEL 2
#define LINUX_VERSION_SUBLEVEL 0
