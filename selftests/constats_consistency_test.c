// SPDX-License-Identifier: GPL-2.0
/*
 * Consistency from user space: while constats_stress.ko's writers run in
 * task, softirq and hardirq context, several threads take snapshots of the
 * "stress" set through CONSTATS_IOC_SNAPSHOT and one through read() of
 * /proc/constats.  Every snapshot must satisfy the set's invariants:
 *
 *	acct0 + acct1 + acct2 + acct3 == 0
 *	brackets == task + softirq + hardirq + nmi
 *
 * and per thread, brackets never decrease and generations strictly increase.
 * Each thread takes its snapshots or stops at a deadline, whichever comes
 * first (readers are slow under TCG, slower on PREEMPT_RT): what is
 * asserted is consistency, not a rate.
 *
 * If the stress set is not there, the test loads constats_stress.ko from
 * CONSTATS_KO_DIR itself (as root) and unloads it afterwards.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/constats.h>

#include "kselftest_harness.h"
#include "constats_selftest.h"

#define NR_STRESS 9
#define IOCTL_THREADS 4

static const char *const stress_names[NR_STRESS] = {
	"acct0", "acct1", "acct2", "acct3",
	"task", "softirq", "hardirq", "nmi", "brackets",
};

struct reader {
	pthread_t thread;
	int fd;
	__u32 id;
	long snapshots, violations, order_errors, errors;
};

static long nr_snapshots = 2500;
static time_t deadline;

static int past_deadline(void)
{
	return time(NULL) >= deadline;
}

/* Load the stress writers ourselves if we may; 1 if we did. */
static int load_stress(void)
{
	const char *dir = getenv("CONSTATS_KO_DIR");
	char cmd[512];

	if (!dir || geteuid())
		return 0;
	snprintf(cmd, sizeof(cmd),
		 "insmod %s/constats_stress.ko duration=0 stat_interval=0", dir);
	return system(cmd) == 0;
}

static int check(const __s64 *v)
{
	return v[0] + v[1] + v[2] + v[3] == 0 &&
	       v[8] == v[4] + v[5] + v[6] + v[7];
}

static void *ioctl_reader(void *arg)
{
	struct reader *r = arg;
	__s64 v[NR_STRESS], last_brackets = 0;
	__u64 last_gen = 0;
	long i;

	for (i = 0; i < nr_snapshots && !past_deadline(); i++) {
		struct constats_ioc_snapshot s = {
			.size = sizeof(s), .id = r->id,
			.nr_counters = NR_STRESS, .values = (uintptr_t)v,
		};

		if (ioctl(r->fd, CONSTATS_IOC_SNAPSHOT, &s)) {
			r->errors++;
			break;
		}
		r->snapshots++;
		if (!check(v))
			r->violations++;
		if (s.generation <= last_gen || v[8] < last_brackets)
			r->order_errors++;
		last_gen = s.generation;
		last_brackets = v[8];
	}
	return NULL;
}

/* Parse the stress set's lines out of one read of /proc/constats. */
static int parse_proc(const char *buf, __s64 *v)
{
	char set[64], counter[64];
	long long value;
	int found = 0, n, i;
	const char *p = buf;

	while (sscanf(p, "%63s %63s %lld\n%n", set, counter, &value, &n) == 3) {
		p += n;
		if (strcmp(set, "stress"))
			continue;
		for (i = 0; i < NR_STRESS; i++)
			if (!strcmp(counter, stress_names[i])) {
				v[i] = value;
				found++;
			}
	}
	return found == NR_STRESS;
}

static void *proc_reader(void *arg)
{
	struct reader *r = arg;
	__s64 v[NR_STRESS], last_brackets = 0;
	static char buf[1 << 16];
	long i;

	for (i = 0; i < nr_snapshots / 4 && !past_deadline(); i++) {
		int fd = open("/proc/constats", O_RDONLY);
		ssize_t len = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

		if (fd >= 0)
			close(fd);
		if (len <= 0) {
			r->errors++;
			break;
		}
		buf[len] = '\0';
		if (!parse_proc(buf, v)) {
			r->errors++;
			break;
		}
		r->snapshots++;
		if (!check(v))
			r->violations++;
		if (v[8] < last_brackets)
			r->order_errors++;
		last_brackets = v[8];
	}
	return NULL;
}

TEST(snapshots_consistent_under_stress)
{
	struct reader r[IOCTL_THREADS + 1] = {};
	long snaps = 0, bad = 0, order = 0, errors = 0;
	int fd, loaded = 0;
	__u32 id, i;

	if (getenv("CONSTATS_SNAPSHOTS"))
		nr_snapshots = atol(getenv("CONSTATS_SNAPSHOTS"));
	/* Well inside the harness's 30 s, loading the module included. */
	deadline = time(NULL) + 15;
	fd = open("/proc/constats", O_RDONLY);
	ASSERT_LE(0, fd);
	id = constats_set_id(fd, "stress");
	if (!id && load_stress()) {
		loaded = 1;
		id = constats_set_id(fd, "stress");
	}
	if (!id)
		SKIP(return, "no stress set, and CONSTATS_KO_DIR or root missing");

	for (i = 0; i <= IOCTL_THREADS; i++) {
		r[i].fd = fd;
		r[i].id = id;
		ASSERT_EQ(0, pthread_create(&r[i].thread, NULL,
					    i < IOCTL_THREADS ? ioctl_reader :
					    proc_reader, &r[i]));
	}
	for (i = 0; i <= IOCTL_THREADS; i++) {
		pthread_join(r[i].thread, NULL);
		/* Every thread got snapshots through. */
		EXPECT_LT(0, r[i].snapshots);
		if (i < IOCTL_THREADS)
			snaps += r[i].snapshots;
		bad += r[i].violations;
		order += r[i].order_errors;
		errors += r[i].errors;
	}
	printf("# ioctl snapshots=%ld (%d threads) procfs snapshots=%ld\n",
	       snaps, IOCTL_THREADS, r[IOCTL_THREADS].snapshots);
	printf("# violations=%ld order_errors=%ld errors=%ld\n",
	       bad, order, errors);
	fflush(stdout);	/* the harness's child leaves with _exit() */
	EXPECT_EQ(0, errors);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, order);
	if (loaded)
		EXPECT_EQ(0, system("rmmod constats_stress"));
	close(fd);
}

TEST_HARNESS_MAIN
