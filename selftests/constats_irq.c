// SPDX-License-Identifier: GPL-2.0
/*
 * constats_irq: the user-space side of measuring what constats readers cost
 * the other CPUs (tools/testing/vm/guest/irq.sh, make bench).  Not a
 * kselftest of its own: the guest scripts run it and judge its figures.
 *
 *	constats_irq spin CPU
 *		pin to CPU and spin in user space until killed
 *	constats_irq read [-u] [-n] [-p PREFIX] CPU SECONDS
 *		pin to CPU and, for SECONDS, snapshot every set whose name
 *		starts with PREFIX (default "sets") in turn with
 *		CONSTATS_IOC_SNAPSHOT; with -u, first drop to uid and gid
 *		65534 as a new user would be.  With -n, the same loop calls
 *		CONSTATS_IOC_VERSION instead: a reader that snapshots nothing,
 *		as busy on its CPU, for the baseline.  Prints "read: uid=U
 *		cpu=C sets=N snapshots=S seconds=T rate=R errors=E"
 *	constats_irq lat [-u] CPU SET COUNT
 *		pin to CPU and snapshot the set called SET COUNT times, timing
 *		each call; prints "lat: set=SET n=COUNT p50_ns=A p99_ns=B
 *		max_ns=C"
 *	constats_irq proc CPU
 *		pin to CPU and read /proc/constats whole; prints "proc:
 *		seconds=T lines=L bytes=B irqs=C0,C1,..." with the
 *		interprocessor interrupts (CAL, RES, TLB and IWI of
 *		/proc/interrupts) each CPU took during the read
 *
 * Static, with no kselftest headers, so that make check's selftests build
 * and make bench's plain gcc both build it for the busybox guest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/constats.h>

#define MAX_SETS	65536
/* Most counters in a set: CONSTATS_IOC_VERSION's max_counters today. */
#define MAX_COUNTERS	256
#define MAX_CPUS	64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "constats_irq: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void pin(const char *arg)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(atoi(arg), &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

/* As a new user: uid and gid 65534, no supplementary groups. */
static void drop(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		die("dropping to uid 65534");
}

static int open_constats(void)
{
	int fd = open("/proc/constats", O_RDONLY);

	if (fd < 0)
		die("/proc/constats");
	return fd;
}

/*
 * The ids and sizes of the sets called @name, or with @exact zero, of those
 * whose names start with @name.
 */
static unsigned int list_sets(int fd, const char *name, int exact, __u32 *ids,
			      __u32 *nrs)
{
	static struct constats_ioc_set_info info[MAX_SETS];
	struct constats_ioc_list l = {
		.size = sizeof(l), .sets = (uintptr_t)info, .nr_sets = MAX_SETS,
	};
	unsigned int i, n = 0;

	if (ioctl(fd, CONSTATS_IOC_LIST, &l))
		die("CONSTATS_IOC_LIST");
	for (i = 0; i < l.nr_sets; i++) {
		if (exact ? strcmp(info[i].name, name) :
			    strncmp(info[i].name, name, strlen(name)))
			continue;
		ids[n] = info[i].id;
		nrs[n++] = info[i].nr_counters;
	}
	return n;
}

static int snapshot(int fd, __u32 id, __u32 nr)
{
	__s64 values[MAX_COUNTERS];
	struct constats_ioc_snapshot s = {
		.size = sizeof(s), .id = id, .nr_counters = nr,
		.values = (uintptr_t)values,
	};

	return ioctl(fd, CONSTATS_IOC_SNAPSHOT, &s);
}

static int cmd_spin(int argc, char **argv)
{
	if (argc != 1)
		return 2;
	pin(argv[0]);
	/* No system call: the CPU stays in user space, as a spinner would. */
	for (;;)
		__asm__ __volatile__("" ::: "memory");
}

static int version(int fd)
{
	struct constats_ioc_version v = { .size = sizeof(v) };

	return ioctl(fd, CONSTATS_IOC_VERSION, &v);
}

/* Parse [-u] [-n] [-p PREFIX]; returns the index of the first operand. */
static int options(int argc, char **argv, int *unpriv, int *null,
		   const char **prefix)
{
	int i;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-u"))
			*unpriv = 1;
		else if (!strcmp(argv[i], "-n") && null)
			*null = 1;
		else if (!strcmp(argv[i], "-p") && prefix && i + 1 < argc)
			*prefix = argv[++i];
		else
			return -1;
	}
	return i;
}

static int cmd_read(int argc, char **argv)
{
	static __u32 ids[MAX_SETS], nrs[MAX_SETS];
	const char *prefix = "sets";
	unsigned long snaps = 0, errors = 0;
	int unpriv = 0, null = 0, fd, i;
	double t0, t, secs;
	unsigned int n, k;

	i = options(argc, argv, &unpriv, &null, &prefix);
	if (i < 0 || argc - i != 2)
		return 2;
	pin(argv[i]);
	secs = atof(argv[i + 1]);
	if (unpriv)
		drop();
	fd = open_constats();
	n = list_sets(fd, prefix, 0, ids, nrs);
	if (!n) {
		fprintf(stderr, "constats_irq: no set called %s*\n", prefix);
		return 1;
	}
	t0 = now();
	do {
		for (k = 0; k < n; k++) {
			if (null ? version(fd) : snapshot(fd, ids[k], nrs[k]))
				errors++;
			else
				snaps++;
		}
		t = now() - t0;
	} while (t < secs);
	printf("read: uid=%u cpu=%d sets=%u snapshots=%lu seconds=%.3f rate=%.1f errors=%lu\n",
	       getuid(), sched_getcpu(), n, snaps, t, snaps / t, errors);
	return errors ? 1 : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static int cmd_lat(int argc, char **argv)
{
	static __u32 ids[MAX_SETS], nrs[MAX_SETS];
	int unpriv = 0, fd, i;
	unsigned long count, k;
	__u64 *ns;

	i = options(argc, argv, &unpriv, NULL, NULL);
	if (i < 0 || argc - i != 3)
		return 2;
	pin(argv[i]);
	count = strtoul(argv[i + 2], NULL, 0);
	ns = calloc(count ? count : 1, sizeof(*ns));
	if (!ns)
		die("calloc");
	if (unpriv)
		drop();
	fd = open_constats();
	if (!list_sets(fd, argv[i + 1], 1, ids, nrs)) {
		fprintf(stderr, "constats_irq: no set called %s\n", argv[i + 1]);
		return 1;
	}
	for (k = 0; k < count; k++) {
		double t0 = now();

		if (snapshot(fd, ids[0], nrs[0]))
			die("CONSTATS_IOC_SNAPSHOT");
		ns[k] = (now() - t0) * 1e9;
	}
	qsort(ns, count, sizeof(*ns), cmp_u64);
	printf("lat: set=%s counters=%u uid=%u n=%lu p50_ns=%llu p99_ns=%llu max_ns=%llu\n",
	       argv[i + 1], nrs[0], getuid(), count,
	       count ? (unsigned long long)ns[count / 2] : 0ULL,
	       count ? (unsigned long long)ns[count * 99 / 100] : 0ULL,
	       count ? (unsigned long long)ns[count - 1] : 0ULL);
	return 0;
}

/*
 * Interprocessor interrupts per CPU so far: the CAL, RES, TLB and IWI lines
 * of /proc/interrupts, summed.  Returns the number of CPUs.
 */
static int ipis(unsigned long long *per_cpu)
{
	char line[4096];
	FILE *f = fopen("/proc/interrupts", "r");
	int cpus = 0, c;

	if (!f)
		die("/proc/interrupts");
	memset(per_cpu, 0, MAX_CPUS * sizeof(*per_cpu));
	if (fgets(line, sizeof(line), f))
		for (char *p = strtok(line, " \t\n"); p; p = strtok(NULL, " \t\n"))
			cpus++;
	if (cpus > MAX_CPUS)
		cpus = MAX_CPUS;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		while (*p == ' ')
			p++;
		if (strncmp(p, "CAL:", 4) && strncmp(p, "RES:", 4) &&
		    strncmp(p, "TLB:", 4) && strncmp(p, "IWI:", 4))
			continue;
		p += 4;
		for (c = 0; c < cpus; c++, p = end)
			per_cpu[c] += strtoull(p, &end, 10);
	}
	fclose(f);
	return cpus;
}

static int cmd_proc(int argc, char **argv)
{
	unsigned long long before[MAX_CPUS], after[MAX_CPUS];
	unsigned long lines = 0, bytes = 0;
	static char buf[1 << 16];
	double t0, t;
	ssize_t len;
	int fd, cpus, c;

	if (argc != 1)
		return 2;
	pin(argv[0]);
	fd = open_constats();
	cpus = ipis(before);
	t0 = now();
	while ((len = read(fd, buf, sizeof(buf))) > 0) {
		bytes += len;
		for (ssize_t k = 0; k < len; k++)
			lines += buf[k] == '\n';
	}
	t = now() - t0;
	ipis(after);
	if (len < 0)
		die("reading /proc/constats");
	printf("proc: seconds=%.4f lines=%lu bytes=%lu irqs=", t, lines, bytes);
	for (c = 0; c < cpus; c++)
		printf("%s%llu", c ? "," : "", after[c] - before[c]);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	int ret = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "spin"))
		ret = cmd_spin(argc - 2, argv + 2);
	else if (argc >= 2 && !strcmp(argv[1], "read"))
		ret = cmd_read(argc - 2, argv + 2);
	else if (argc >= 2 && !strcmp(argv[1], "lat"))
		ret = cmd_lat(argc - 2, argv + 2);
	else if (argc >= 2 && !strcmp(argv[1], "proc"))
		ret = cmd_proc(argc - 2, argv + 2);
	if (ret == 2)
		fprintf(stderr,
			"usage: constats_irq spin CPU | read [-u] [-n] [-p PREFIX] CPU SECONDS |\n"
			"       lat [-u] CPU SET COUNT | proc CPU\n");
	return ret;
}
