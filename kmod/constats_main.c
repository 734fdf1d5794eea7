// SPDX-License-Identifier: GPL-2.0
/* constats.ko: per-CPU counters with consistent snapshots. */
#include <linux/init.h>
#include <linux/module.h>

#include "constats_internal.h"

static int __init constats_init(void)
{
	int ret;

#ifdef CONSTATS_BUSTED
	pr_warn("constats: BUSTED variant %s, built to be caught by make check\n",
		CONSTATS_BUSTED);
#endif
	ret = constats_core_init();
	if (ret)
		goto err_core;
	ret = constats_proc_init();
	if (ret)
		goto err_proc;
	return 0;

err_proc:
	constats_core_exit();
err_core:
	return ret;
}

static void __exit constats_exit(void)
{
	constats_proc_exit();
	constats_core_exit();
}

module_init(constats_init);
module_exit(constats_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-CPU counters with consistent cross-counter snapshots");
MODULE_AUTHOR("The constats authors");
#ifdef CONSTATS_BUSTED
MODULE_INFO(busted, CONSTATS_BUSTED);
#endif
