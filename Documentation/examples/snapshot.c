// SPDX-License-Identifier: GPL-2.0
/*
 * Print one consistent snapshot of a constats set:
 *
 *	cc -I<constats>/uapi -o snap snapshot.c && ./snap stress
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/constats.h>

int main(int argc, char **argv)
{
	struct constats_ioc_set_info sets[64];
	struct constats_ioc_list list = {
		.size = sizeof(list), .sets = (uintptr_t)sets, .nr_sets = 64,
	};
	char names[256][CONSTATS_NAME_LEN];
	__s64 values[256];
	__u32 i, id = 0;
	int fd;

	fd = open("/proc/constats", O_RDONLY);
	if (fd < 0 || ioctl(fd, CONSTATS_IOC_LIST, &list)) {
		perror("constats");
		return 1;
	}
	for (i = 0; i < list.nr_sets; i++)
		if (argc > 1 && !strcmp(sets[i].name, argv[1]))
			id = sets[i].id;
	if (!id) {
		fprintf(stderr, "no such set\n");
		return 1;
	}

	struct constats_ioc_names n = {
		.size = sizeof(n), .id = id, .nr_counters = 256,
		.names = (uintptr_t)names,
	};
	struct constats_ioc_snapshot s = {
		.size = sizeof(s), .id = id, .nr_counters = 256,
		.values = (uintptr_t)values,
	};

	if (ioctl(fd, CONSTATS_IOC_NAMES, &n) ||
	    ioctl(fd, CONSTATS_IOC_SNAPSHOT, &s)) {
		perror("constats");	/* ENOENT: the set went away */
		return 1;
	}
	printf("generation %llu at %llu ns\n",
	       (unsigned long long)s.generation,
	       (unsigned long long)s.timestamp_ns);
	for (i = 0; i < s.nr_counters; i++)
		printf("%s %lld\n", names[i], (long long)values[i]);
	return 0;
}
