/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the constats kselftests; include after the harness. */
#ifndef _CONSTATS_SELFTEST_H
#define _CONSTATS_SELFTEST_H

#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/constats.h>

/* The id of the set called @name, or 0 if there is none. */
static inline __u32 constats_set_id(int fd, const char *name)
{
	struct constats_ioc_set_info info[64];
	struct constats_ioc_list l = {
		.size = sizeof(l), .sets = (uintptr_t)info, .nr_sets = 64,
	};
	__u32 i;

	if (ioctl(fd, CONSTATS_IOC_LIST, &l))
		return 0;
	for (i = 0; i < l.nr_sets; i++)
		if (!strcmp(info[i].name, name))
			return info[i].id;
	return 0;
}

/* Skip, with the kselftest status, when the module is not loaded. */
static void __attribute__((constructor)) constats_require_module(void)
{
	if (access("/proc/constats", F_OK)) {
		ksft_print_header();
		ksft_exit_skip("constats.ko is not loaded\n");
	}
}

#endif /* _CONSTATS_SELFTEST_H */
