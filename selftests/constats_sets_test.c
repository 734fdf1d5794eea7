// SPDX-License-Identifier: GPL-2.0
/*
 * Many sets: constats_stress.ko's set_churn kthreads create and destroy
 * sets (reusing their names) while threads here enumerate and snapshot
 * everything listed.  An id must always name the same set: a snapshot
 * either fails with ENOENT or shows that set's own counters, never
 * another's, and no id ever comes back after its set is gone.
 *
 * Each reader makes ROUNDS rounds or stops at a deadline, whichever comes
 * first: every snapshot sends an IPI round, which a loaded host running
 * the guest under TCG can make slow, and the harness's timeout is 30 s.
 *
 * Needs root and CONSTATS_KO_DIR (the directory with constats_stress.ko).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
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

#define READERS 4
#define ROUNDS 400
#define MAX_IDS 65536

struct reader {
	pthread_t thread;
	int fd;
	long listed, snapshots, vanished, churn_seen, violations, errors;
};

/* id -> first name seen for it, shared by the readers. */
static char id_names[MAX_IDS][CONSTATS_NAME_LEN];
static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;
static time_t deadline;

static int same_set(__u32 id, const char *name)
{
	int ok = 1;

	if (id >= MAX_IDS)
		return 1;
	pthread_mutex_lock(&id_lock);
	if (!id_names[id][0])
		strcpy(id_names[id], name);
	else
		ok = !strcmp(id_names[id], name);
	pthread_mutex_unlock(&id_lock);
	return ok;
}

static void *reader_fn(void *arg)
{
	struct reader *r = arg;
	struct constats_ioc_set_info info[256];
	int round;

	for (round = 0; round < ROUNDS && time(NULL) < deadline; round++) {
		struct constats_ioc_list l = {
			.size = sizeof(l), .sets = (uintptr_t)info,
			.nr_sets = 256,
		};
		__u32 i;

		if (ioctl(r->fd, CONSTATS_IOC_LIST, &l)) {
			r->errors++;
			continue;
		}
		r->listed += l.nr_sets;
		/*
		 * A churn set lives a few milliseconds, and each snapshot
		 * waits for a grace period, a normal and so a long one on
		 * PREEMPT_RT: read the churn sets first, while they exist.
		 */
		for (i = 0; i < 2 * l.nr_sets; i++) {
			__u32 k = i % l.nr_sets;
			bool churn = !strncmp(info[k].name, "churn", 5);
			bool churn_pass = i < l.nr_sets;
			__s64 v[256];
			struct constats_ioc_snapshot s = {
				.size = sizeof(s), .id = info[k].id,
				.nr_counters = 256, .values = (uintptr_t)v,
			};

			if (churn != churn_pass)
				continue;
			if (!same_set(info[k].id, info[k].name))
				r->violations++;
			if (ioctl(r->fd, CONSTATS_IOC_SNAPSHOT, &s)) {
				if (errno == ENOENT)
					r->vanished++;
				else
					r->errors++;
				continue;
			}
			r->snapshots++;
			if (s.nr_counters != info[k].nr_counters)
				r->violations++;
			if (!churn)
				continue;
			r->churn_seen++;
			/* every churn bracket: x0 += 1, x1 -= 1, x2 += 1 */
			if (s.nr_counters != 3 || v[0] != v[2] || v[0] + v[1])
				r->violations++;
		}
	}
	return NULL;
}

static int churn_sets_left(int fd)
{
	struct constats_ioc_set_info info[16];
	struct constats_ioc_list l = {
		.size = sizeof(l), .sets = (uintptr_t)info, .nr_sets = 16,
	};
	int left = 0;
	__u32 j;

	if (ioctl(fd, CONSTATS_IOC_LIST, &l))
		return -1;
	for (j = 0; j < l.nr_sets; j++)
		left += !strncmp(info[j].name, "churn", 5);
	return left;
}

TEST(sets_churn_while_enumerating)
{
	const char *dir = getenv("CONSTATS_KO_DIR");
	struct reader r[READERS] = {};
	long listed = 0, snaps = 0, vanished = 0, churn = 0, bad = 0, errs = 0;
	char cmd[512];
	int fd, i;

	if (geteuid())
		SKIP(return, "needs root");
	if (!dir)
		SKIP(return, "CONSTATS_KO_DIR is not set");
	snprintf(cmd, sizeof(cmd),
		 "insmod %s/constats_stress.ko duration=0 readers=0 hrtimer_us=0 softirq=0 delay_us=5000 stat_interval=0 set_churn=4",
		 dir);
	ASSERT_EQ(0, system(cmd));
	fd = open("/proc/constats", O_RDONLY);
	ASSERT_LE(0, fd);

	deadline = time(NULL) + 15;
	for (i = 0; i < READERS; i++) {
		r[i].fd = fd;
		ASSERT_EQ(0, pthread_create(&r[i].thread, NULL, reader_fn, &r[i]));
	}
	for (i = 0; i < READERS; i++) {
		pthread_join(r[i].thread, NULL);
		listed += r[i].listed;
		snaps += r[i].snapshots;
		vanished += r[i].vanished;
		churn += r[i].churn_seen;
		bad += r[i].violations;
		errs += r[i].errors;
	}
	ASSERT_EQ(0, system("rmmod constats_stress"));
	printf("# sets listed=%ld snapshots=%ld (churn sets %ld)\n",
	       listed, snaps, churn);
	printf("# vanished=%ld violations=%ld errors=%ld\n",
	       vanished, bad, errs);
	fflush(stdout);	/* the harness's child leaves with _exit() */

	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, errs);
	EXPECT_LT(0, churn);	/* the churned sets were really seen */
	/* Once the churners are gone, so are their sets. */
	EXPECT_EQ(0, churn_sets_left(fd));
	close(fd);
}

TEST_HARNESS_MAIN
