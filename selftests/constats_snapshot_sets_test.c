// SPDX-License-Identifier: GPL-2.0
/*
 * CONSTATS_IOC_SNAPSHOT_SETS: many sets' snapshots in one call.  Its good
 * path, every documented rejection of the call (each leaving the caller's
 * memory untouched), the per-entry errors beside entries that succeed,
 * agreement with CONSTATS_IOC_SNAPSHOT, increasing generations, and an
 * unprivileged caller, whose snapshots the module paces.
 *
 * The whole program is skipped, as kselftests are, on a module that does
 * not advertise CONSTATS_FEATURE_SNAPSHOT_SETS.  CONSTATS_STRESS_KO, if
 * set, names constats_stress.ko: it is loaded for a second set, of the
 * most counters a set may have, with its writers stopped after a second,
 * so that its values stand still; the last test unloads it while an
 * unprivileged reader watches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/constats.h>

#include "kselftest_harness.h"
#include "constats_selftest.h"

#define PROC_PATH "/proc/constats"
#define SENTINEL 0x5a
#define NO_SET 0xffffffffu

/* The self-stats set's counters, by index. */
enum {
	SELF_SNAPSHOTS, SELF_READER_WAITS, SELF_READER_SPINS, SELF_FALLBACK,
	SELF_CREATED, SELF_DESTROYED, SELF_ALIVE, SELF_VIOLATIONS, NR_SELF
};

/*
 * constats_stress.ko's set, still once its writers stopped: 256 counters,
 * so that few entries reach CONSTATS_SNAPSHOT_SETS_VALUES_MAX.  The first
 * 9 are acct0..acct3, task, softirq, hardirq, nmi and brackets.
 */
#define NR_STRESS 256
static __u32 stress_id;
static int stress_error;
static bool stress_there;	/* loaded by someone else: not ours to use */

static int all_bytes(const void *p, int c, size_t len)
{
	const unsigned char *b = p;

	while (len--)
		if (*b++ != c)
			return 0;
	return 1;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int snapshot(int fd, __u32 id, __s64 *v, __u32 nr, __u64 *gen)
{
	struct constats_ioc_snapshot s = {
		.size = sizeof(s), .id = id, .nr_counters = nr,
		.values = (uintptr_t)v,
	};
	int ret = ioctl(fd, CONSTATS_IOC_SNAPSHOT, &s);

	if (gen)
		*gen = s.generation;
	return ret;
}

static int snapshot_sets(int fd, struct constats_ioc_snapshot_entry *e,
			 __u32 nr, __u64 *timestamp_ns)
{
	struct constats_ioc_snapshot_sets q = {
		.size = sizeof(q), .entries = (uintptr_t)e, .nr_entries = nr,
		.entry_size = sizeof(*e),
	};
	int ret = ioctl(fd, CONSTATS_IOC_SNAPSHOT_SETS, &q);

	if (timestamp_ns)
		*timestamp_ns = q.timestamp_ns;
	return ret;
}

static struct constats_ioc_snapshot_entry entry(__u32 id, __s64 *v, __u32 nr)
{
	struct constats_ioc_snapshot_entry e = {
		.id = id, .nr_counters = nr, .values = (uintptr_t)v,
	};

	return e;
}

/*
 * Before any test: skip all of them unless the module serves the
 * command; load constats_stress.ko if asked to, and wait for its writers
 * to stop (duration=1) and its values to stand still.
 */
static void __attribute__((constructor)) load_before_tests(void)
{
	struct constats_ioc_version ver = { .size = sizeof(ver) };
	const char *ko = getenv("CONSTATS_STRESS_KO");
	__s64 a[NR_STRESS], b[NR_STRESS];
	char cmd[512];
	__u64 start;
	int fd;

	fd = open(PROC_PATH, O_RDONLY);
	if (fd < 0)
		return;		/* constats_require_module() skips */
	if (ioctl(fd, CONSTATS_IOC_VERSION, &ver) ||
	    !(ver.features & CONSTATS_FEATURE_SNAPSHOT_SETS)) {
		ksft_print_header();
		ksft_exit_skip("%s (features 0x%llx)\n",
			       "constats.ko does not serve CONSTATS_IOC_SNAPSHOT_SETS",
			       (unsigned long long)ver.features);
	}
	stress_there = constats_set_id(fd, "stress");
	if (!ko || geteuid() || stress_there)
		goto out;
	snprintf(cmd, sizeof(cmd),
		 "insmod %s duration=1 delay_us=1000 hrtimer_us=0 softirq=0 readers=0 nmi_interval=0 stat_interval=0 nr_counters=%u",
		 ko, NR_STRESS);
	stress_error = system(cmd) ? EIO : 0;
	stress_id = stress_error ? 0 : constats_set_id(fd, "stress");
	start = now_ns();
	/* Still: the same values 0.2 s apart, a second after the writers stop. */
	while (stress_id && now_ns() - start < 30000000000ULL) {
		if (snapshot(fd, stress_id, a, NR_STRESS, NULL))
			break;
		usleep(200000);
		if (snapshot(fd, stress_id, b, NR_STRESS, NULL))
			break;
		if (now_ns() - start > 2000000000ULL && !memcmp(a, b, sizeof(a)))
			goto out;
	}
	stress_error = ETIMEDOUT;
out:
	close(fd);
}

static void __attribute__((destructor)) unload_after_tests(void)
{
	int fd = open(PROC_PATH, O_RDONLY);

	if (stress_id && fd >= 0 && constats_set_id(fd, "stress") == stress_id)
		if (system("rmmod constats_stress"))
			fprintf(stderr, "# rmmod constats_stress failed\n");
	if (fd >= 0)
		close(fd);
}

FIXTURE(snapshot_sets) {
	int fd;
	__u32 self_id;
};

FIXTURE_SETUP(snapshot_sets)
{
	self->fd = open(PROC_PATH, O_RDONLY);
	ASSERT_LE(0, self->fd);
	self->self_id = constats_set_id(self->fd, "constats");
	ASSERT_NE(0, self->self_id);
}

FIXTURE_TEARDOWN(snapshot_sets)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Why a test that needs the second set is skipped, or NULL. */
static const char *no_stress(void)
{
	if (!getenv("CONSTATS_STRESS_KO"))
		return "CONSTATS_STRESS_KO is not set";
	if (stress_there)
		return "constats_stress.ko was loaded already";
	return geteuid() ? "needs root" : NULL;
}

TEST_F(snapshot_sets, one_set)
{
	struct constats_ioc_snapshot_entry e[1];
	__s64 v[NR_SELF + 1];
	__u64 before, after, ts = 0;

	memset(v, SENTINEL, sizeof(v));
	e[0] = entry(self->self_id, v, NR_SELF + 1);
	before = now_ns();
	ASSERT_EQ(0, snapshot_sets(self->fd, e, 1, &ts));
	after = now_ns();
	EXPECT_EQ(0, e[0].error);
	EXPECT_EQ(self->self_id, e[0].id);
	EXPECT_EQ(NR_SELF, e[0].nr_counters);
	EXPECT_EQ(0, e[0].reserved);
	EXPECT_LT(0, e[0].generation);
	EXPECT_LE(before, ts);
	EXPECT_GE(after, ts);
	/* sets_alive == sets_created - sets_destroyed, at least this one */
	EXPECT_EQ(v[SELF_CREATED] - v[SELF_DESTROYED], v[SELF_ALIVE]);
	EXPECT_LE(1, v[SELF_ALIVE]);
	EXPECT_EQ(0, v[SELF_VIOLATIONS]);
	/* Room past the set's counters is not written. */
	EXPECT_TRUE(all_bytes(&v[NR_SELF], SENTINEL, sizeof(v[0])));
}

TEST_F(snapshot_sets, struct_size_versioned)
{
	struct {
		struct constats_ioc_snapshot_sets q;
		__u64 tail;
	} big = {};
	struct constats_ioc_snapshot_entry e[1];
	__s64 v[NR_SELF];
	unsigned char buf[64];
	__u32 size;

	/* Smaller than the first version, or 0: EINVAL, nothing written. */
	memset(v, SENTINEL, sizeof(v));
	e[0] = entry(self->self_id, v, NR_SELF);
	big.q.entries = (uintptr_t)e;
	big.q.nr_entries = 1;
	big.q.entry_size = sizeof(e[0]);
	for (size = 0; size < CONSTATS_IOC_SNAPSHOT_SETS_SIZE_VER0; size += 8) {
		big.q.size = size;
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &big));
		EXPECT_EQ(EINVAL, errno) TH_LOG("size %u", size);
	}
	big.q.size = CONSTATS_IOC_SNAPSHOT_SETS_SIZE_VER0 - 1;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &big));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, big.q.timestamp_ns);
	EXPECT_EQ(0, e[0].generation);
	EXPECT_TRUE(all_bytes(v, SENTINEL, sizeof(v)));

	/* Larger, with a non-zero byte beyond: E2BIG, nothing written. */
	big.q.size = sizeof(big);
	big.tail = 1ULL << 40;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &big));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(0, big.q.timestamp_ns);
	EXPECT_EQ(0, e[0].generation);
	EXPECT_TRUE(all_bytes(v, SENTINEL, sizeof(v)));

	/* Larger with a zero tail: served, and the tail left alone. */
	big.tail = 0;
	ASSERT_EQ(0, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &big));
	EXPECT_EQ(sizeof(big), big.q.size);
	EXPECT_NE(0, big.q.timestamp_ns);
	EXPECT_EQ(0, big.tail);
	EXPECT_EQ(0, e[0].error);
	EXPECT_LT(0, e[0].generation);
	EXPECT_EQ(v[SELF_CREATED] - v[SELF_DESTROYED], v[SELF_ALIVE]);

	/* A zeroed struct of the first version's size: EINVAL (no entries). */
	memset(buf, 0, sizeof(buf));
	size = CONSTATS_IOC_SNAPSHOT_SETS_SIZE_VER0;
	memcpy(buf, &size, sizeof(size));
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, buf));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(all_bytes(buf + 4, 0, sizeof(buf) - 4));
}

/* Entries of 40 bytes: a caller built with a larger entry. */
struct big_entry {
	struct constats_ioc_snapshot_entry e;
	__u64 tail;
};

TEST_F(snapshot_sets, entry_size_versioned)
{
	struct big_entry be[2] = {};
	struct constats_ioc_snapshot_sets q = {
		.size = sizeof(q), .entries = (uintptr_t)be, .nr_entries = 2,
	};
	__s64 v[2][NR_SELF];
	__u32 size;

	memset(v, SENTINEL, sizeof(v));
	/* The set second: a kernel that ignores entry_size misses it. */
	be[0].e = entry(NO_SET, v[0], NR_SELF);
	be[1].e = entry(self->self_id, v[1], NR_SELF);

	for (size = 0; size < CONSTATS_IOC_SNAPSHOT_ENTRY_SIZE_VER0; size += 4) {
		q.entry_size = size;
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &q));
		EXPECT_EQ(EINVAL, errno) TH_LOG("entry_size %u", size);
	}
	EXPECT_EQ(0, q.timestamp_ns);
	EXPECT_EQ(0, be[0].e.error);
	EXPECT_EQ(0, be[1].e.generation);
	EXPECT_TRUE(all_bytes(v, SENTINEL, sizeof(v)));

	/* A non-zero byte past what the kernel knows, in any entry: E2BIG. */
	q.entry_size = sizeof(be[0]);
	be[1].tail = 1;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &q));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(0, q.timestamp_ns);
	EXPECT_EQ(0, be[0].e.error);
	EXPECT_EQ(0, be[1].e.generation);
	EXPECT_TRUE(all_bytes(v, SENTINEL, sizeof(v)));

	/* Zero tails: served, each entry at its own 40-byte slot. */
	be[1].tail = 0;
	ASSERT_EQ(0, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &q));
	EXPECT_EQ(ENOENT, be[0].e.error);
	EXPECT_EQ(0, be[1].e.error);
	EXPECT_EQ(NR_SELF, be[1].e.nr_counters);
	EXPECT_LT(0, be[1].e.generation);
	EXPECT_EQ(0, be[0].tail);
	EXPECT_EQ(0, be[1].tail);
	EXPECT_TRUE(all_bytes(v[0], SENTINEL, sizeof(v[0])));
	EXPECT_EQ(v[1][SELF_CREATED] - v[1][SELF_DESTROYED], v[1][SELF_ALIVE]);
}

TEST_F(snapshot_sets, nonzero_flags_or_reserved_einval)
{
	struct constats_ioc_snapshot_entry e[2];
	struct constats_ioc_snapshot_sets q = {
		.size = sizeof(q), .entries = (uintptr_t)e, .nr_entries = 2,
		.entry_size = sizeof(e[0]),
	};
	__s64 v[2][NR_SELF];
	static const __u32 flags[] = { 1, 2, 0x80000000 };
	unsigned int i;

	memset(v, SENTINEL, sizeof(v));
	e[0] = entry(self->self_id, v[0], NR_SELF);
	e[1] = entry(NO_SET, v[1], NR_SELF);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		q.flags = flags[i];
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &q));
		EXPECT_EQ(EINVAL, errno) TH_LOG("flags 0x%x", flags[i]);
	}
	q.flags = 0;
	/* In the second entry: the first must not have been served. */
	e[1].reserved = 1;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &q));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, q.timestamp_ns);
	EXPECT_EQ(0, e[0].generation);
	EXPECT_EQ(0, e[0].error);
	EXPECT_EQ(0, e[1].error);
	EXPECT_EQ(1, e[1].reserved);
	EXPECT_TRUE(all_bytes(v, SENTINEL, sizeof(v)));
}

TEST_F(snapshot_sets, nr_entries_bounds)
{
	const __u32 max = CONSTATS_SNAPSHOT_SETS_MAX;
	struct constats_ioc_snapshot_entry *e;
	struct constats_ioc_snapshot_sets q = {
		.size = sizeof(q), .entry_size = sizeof(*e),
	};
	__s64 v[NR_SELF];
	__u32 i;

	/* Room for one more than the most, so that only the count is wrong. */
	e = calloc(max + 1, sizeof(*e));
	ASSERT_FALSE(!e);
	for (i = 0; i <= max; i++)
		e[i] = entry(NO_SET, v, NR_SELF);
	e[max - 1] = entry(self->self_id, v, NR_SELF);
	q.entries = (uintptr_t)e;

	q.nr_entries = 0;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &q));
	EXPECT_EQ(EINVAL, errno);
	q.nr_entries = max + 1;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &q));
	EXPECT_EQ(EINVAL, errno);
	q.nr_entries = 0xffffffff;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &q));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, q.timestamp_ns);
	EXPECT_EQ(0, e[0].error);
	EXPECT_EQ(0, e[max - 1].generation);

	/* The most: served, every entry answered. */
	q.nr_entries = max;
	ASSERT_EQ(0, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &q));
	for (i = 0; i < max - 1 && e[i].error == ENOENT; i++)
		;
	EXPECT_EQ(max - 1, i) TH_LOG("entry %u: error %u", i, e[i].error);
	EXPECT_EQ(0, e[max - 1].error);
	EXPECT_LT(0, e[max - 1].generation);
	EXPECT_EQ(0, e[max].error);	/* past the count: not touched */
	free(e);
}

TEST_F(snapshot_sets, entry_size_bound)
{
	const __u32 max = CONSTATS_SNAPSHOT_ENTRY_MAX;
	struct constats_ioc_snapshot_entry *e0, *e1;
	struct constats_ioc_snapshot_sets q = {
		.size = sizeof(q), .nr_entries = 2,
	};
	unsigned char *buf;
	__s64 v[2][NR_SELF];

	/* Two entries of the largest size, and room for a byte more each. */
	buf = calloc(2, max + 1);
	ASSERT_FALSE(!buf);
	memset(v, SENTINEL, sizeof(v));
	q.entries = (uintptr_t)buf;
	q.entry_size = max + 1;
	e0 = (void *)buf;
	e1 = (void *)(buf + max + 1);
	*e0 = entry(NO_SET, v[0], NR_SELF);
	*e1 = entry(self->self_id, v[1], NR_SELF);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &q));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(0, q.timestamp_ns);
	EXPECT_EQ(0, e0->error);
	EXPECT_EQ(0, e1->generation);
	EXPECT_TRUE(all_bytes(v, SENTINEL, sizeof(v)));

	/* The largest, zero beyond the kernel's entry: served. */
	memset(buf, 0, 2 * (max + 1));
	q.entry_size = max;
	e1 = (void *)(buf + max);
	*e0 = entry(NO_SET, v[0], NR_SELF);
	*e1 = entry(self->self_id, v[1], NR_SELF);
	ASSERT_EQ(0, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &q));
	EXPECT_EQ(ENOENT, e0->error);
	EXPECT_EQ(0, e1->error);
	EXPECT_LT(0, e1->generation);
	EXPECT_TRUE(all_bytes(buf + sizeof(*e0), 0, max - sizeof(*e0)));
	EXPECT_TRUE(all_bytes(buf + max + sizeof(*e1), 0, max - sizeof(*e1)));
	EXPECT_TRUE(all_bytes(v[0], SENTINEL, sizeof(v[0])));
	EXPECT_EQ(v[1][SELF_CREATED] - v[1][SELF_DESTROYED], v[1][SELF_ALIVE]);
	free(buf);
}

/*
 * The sets of one call hold at most CONSTATS_SNAPSHOT_SETS_VALUES_MAX
 * counters, a set named twice counting twice: the 256-counter set 4096
 * times is served, once more fails with E2BIG, having written nothing.
 */
TEST_F(snapshot_sets, counters_bound)
{
	const __u32 most = CONSTATS_SNAPSHOT_SETS_VALUES_MAX / NR_STRESS;
	struct constats_ioc_snapshot_entry *e;
	__s64 v[NR_STRESS], one[NR_STRESS];
	__u32 i;

	if (no_stress())
		SKIP(return, "%s", no_stress());
	ASSERT_EQ(0, stress_error) TH_LOG("constats_stress.ko did not stand still");
	ASSERT_NE(0, stress_id);
	/* Entries that read nothing do not count: most + 2 fill the bound. */
	e = calloc(most + 3, sizeof(*e));
	ASSERT_FALSE(!e);
	memset(v, SENTINEL, sizeof(v));
	/* One buffer for all: each entry writes the same values there. */
	for (i = 2; i < most + 3; i++)
		e[i] = entry(stress_id, v, NR_STRESS);
	e[0] = entry(NO_SET, v, NR_STRESS);
	e[1] = entry(self->self_id, v, 1);
	errno = 0;
	EXPECT_EQ(-1, snapshot_sets(self->fd, e, most + 3, NULL));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(0, e[0].error);
	EXPECT_EQ(0, e[1].error);
	EXPECT_EQ(0, e[2].generation);
	EXPECT_EQ(0, e[most + 2].generation);
	EXPECT_TRUE(all_bytes(v, SENTINEL, sizeof(v)));

	ASSERT_EQ(0, snapshot_sets(self->fd, e, most + 2, NULL));
	EXPECT_EQ(ENOENT, e[0].error);
	EXPECT_EQ(ENOSPC, e[1].error);
	for (i = 2; i < most + 2 && !e[i].error && e[i].generation; i++)
		;
	EXPECT_EQ(most + 2, i) TH_LOG("entry %u: error %u", i, e[i].error);
	ASSERT_EQ(0, snapshot(self->fd, stress_id, one, NR_STRESS, NULL));
	EXPECT_EQ(0, memcmp(one, v, sizeof(v)));
	free(e);
}

TEST_F(snapshot_sets, bad_entries_pointer_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	struct constats_ioc_snapshot_entry *e;
	struct constats_ioc_snapshot_sets q = {
		.size = sizeof(q), .nr_entries = 1, .entry_size = sizeof(*e),
	};
	unsigned char *map;
	__s64 v[NR_SELF];

	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &q));
	EXPECT_EQ(EFAULT, errno);
	q.entries = 8;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &q));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, q.timestamp_ns);

	/* Two entries, the second on a page that is not there. */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	ASSERT_EQ(0, munmap(map + page, page));
	e = (void *)(map + page - sizeof(*e));
	memset(v, SENTINEL, sizeof(v));
	e[0] = entry(self->self_id, v, NR_SELF);
	q.entries = (uintptr_t)e;
	q.nr_entries = 2;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &q));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, q.timestamp_ns);
	EXPECT_EQ(0, e[0].generation);
	EXPECT_EQ(NR_SELF, e[0].nr_counters);
	EXPECT_TRUE(all_bytes(v, SENTINEL, sizeof(v)));

	/* The same entry alone is fine. */
	q.nr_entries = 1;
	EXPECT_EQ(0, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &q));
	EXPECT_EQ(0, e[0].error);
	EXPECT_LT(0, e[0].generation);
	munmap(map, page);
}

TEST_F(snapshot_sets, bad_values_pointer_efault)
{
	struct constats_ioc_snapshot_entry e[2];
	__s64 v[NR_SELF];
	__u64 ts = 0;

	/* The faulting entry first: nothing at all may be written. */
	memset(v, SENTINEL, sizeof(v));
	e[0] = entry(self->self_id, (__s64 *)8, NR_SELF);
	e[1] = entry(NO_SET, v, NR_SELF);
	errno = 0;
	EXPECT_EQ(-1, snapshot_sets(self->fd, e, 2, &ts));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, ts);
	EXPECT_EQ(0, e[0].generation);
	EXPECT_EQ(0, e[0].error);
	EXPECT_EQ(0, e[1].error);
	EXPECT_EQ(NR_SELF, e[1].nr_counters);

	e[0] = entry(self->self_id, NULL, NR_SELF);
	errno = 0;
	EXPECT_EQ(-1, snapshot_sets(self->fd, e, 1, &ts));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, ts);
	EXPECT_EQ(0, e[0].generation);
	EXPECT_EQ(0, e[0].error);
	EXPECT_TRUE(all_bytes(v, SENTINEL, sizeof(v)));
}

TEST_F(snapshot_sets, per_entry_errors)
{
	struct constats_ioc_snapshot_entry e[5];
	__s64 v[4][NR_SELF + 1];
	__u64 ts = 0;

	memset(v, SENTINEL, sizeof(v));
	e[0] = entry(NO_SET, v[0], NR_SELF);
	e[1] = entry(self->self_id, v[1], NR_SELF);
	e[2] = entry(0, v[2], NR_SELF);
	e[3] = entry(self->self_id, v[3], NR_SELF - 1);
	/*
	 * One set appears once per call: the ABI does not say what the same
	 * set twice in one call gives, so e[3] is asked on its own.
	 */
	ASSERT_EQ(0, snapshot_sets(self->fd, e, 3, &ts));
	EXPECT_NE(0, ts);
	EXPECT_EQ(ENOENT, e[0].error);
	EXPECT_EQ(0, e[1].error);
	EXPECT_EQ(ENOENT, e[2].error);
	EXPECT_EQ(NR_SELF, e[1].nr_counters);
	EXPECT_LT(0, e[1].generation);
	EXPECT_TRUE(all_bytes(v[0], SENTINEL, sizeof(v[0])));
	EXPECT_TRUE(all_bytes(v[2], SENTINEL, sizeof(v[2])));
	EXPECT_EQ(v[1][SELF_CREATED] - v[1][SELF_DESTROYED], v[1][SELF_ALIVE]);

	/* Too little room: ENOSPC with the count needed, values untouched. */
	ASSERT_EQ(0, snapshot_sets(self->fd, &e[3], 1, NULL));
	EXPECT_EQ(ENOSPC, e[3].error);
	EXPECT_EQ(NR_SELF, e[3].nr_counters);
	EXPECT_TRUE(all_bytes(v[3], SENTINEL, sizeof(v[3])));
	/* Asked again with that room, it is served. */
	ASSERT_EQ(0, snapshot_sets(self->fd, &e[3], 1, NULL));
	EXPECT_EQ(0, e[3].error);
	EXPECT_LT(e[1].generation, e[3].generation);
	EXPECT_EQ(v[3][SELF_CREATED] - v[3][SELF_DESTROYED], v[3][SELF_ALIVE]);

	/* No buffer and no room: the count, and no snapshot. */
	e[4] = entry(self->self_id, NULL, 0);
	ASSERT_EQ(0, snapshot_sets(self->fd, &e[4], 1, NULL));
	EXPECT_EQ(0, e[4].error);
	EXPECT_EQ(NR_SELF, e[4].nr_counters);
	EXPECT_EQ(0, e[4].generation);
}

TEST_F(snapshot_sets, per_entry_errors_beside_two_sets)
{
	struct constats_ioc_snapshot_entry e[4];
	__s64 v[4][NR_STRESS + 1];

	if (no_stress())
		SKIP(return, "%s", no_stress());
	ASSERT_EQ(0, stress_error) TH_LOG("constats_stress.ko did not stand still");
	ASSERT_NE(0, stress_id);
	memset(v, SENTINEL, sizeof(v));
	e[0] = entry(self->self_id, v[0], 1);
	e[1] = entry(NO_SET, v[1], NR_STRESS);
	e[2] = entry(stress_id, v[2], NR_STRESS + 1);
	e[3] = entry(stress_id + 1000000, v[3], NR_STRESS);
	ASSERT_EQ(0, snapshot_sets(self->fd, e, 4, NULL));
	EXPECT_EQ(ENOSPC, e[0].error);
	EXPECT_EQ(NR_SELF, e[0].nr_counters);
	EXPECT_EQ(ENOENT, e[1].error);
	EXPECT_EQ(0, e[2].error);
	EXPECT_EQ(NR_STRESS, e[2].nr_counters);
	EXPECT_LT(0, e[2].generation);
	EXPECT_EQ(ENOENT, e[3].error);
	EXPECT_TRUE(all_bytes(v[0], SENTINEL, sizeof(v[0])));
	EXPECT_TRUE(all_bytes(v[1], SENTINEL, sizeof(v[1])));
	EXPECT_TRUE(all_bytes(v[3], SENTINEL, sizeof(v[3])));
	EXPECT_TRUE(all_bytes(&v[2][NR_STRESS], SENTINEL, sizeof(v[2][0])));
	/* The stress set's invariants: acct0..3 sum to 0, brackets add up. */
	EXPECT_EQ(0, v[2][0] + v[2][1] + v[2][2] + v[2][3]);
	EXPECT_EQ(v[2][8], v[2][4] + v[2][5] + v[2][6] + v[2][7]);
	EXPECT_LT(0, v[2][8]);
}

TEST_F(snapshot_sets, values_match_snapshot_of_a_still_set)
{
	struct constats_ioc_snapshot_entry e[2];
	__s64 one[NR_STRESS], self_one[NR_SELF], many[NR_STRESS];
	__s64 self_many[NR_SELF];
	__u64 gen, self_gen;

	if (no_stress())
		SKIP(return, "%s", no_stress());
	ASSERT_EQ(0, stress_error) TH_LOG("constats_stress.ko did not stand still");
	ASSERT_NE(0, stress_id);
	ASSERT_EQ(0, snapshot(self->fd, stress_id, one, NR_STRESS, &gen));
	ASSERT_EQ(0, snapshot(self->fd, self->self_id, self_one, NR_SELF,
			      &self_gen));
	e[0] = entry(self->self_id, self_many, NR_SELF);
	e[1] = entry(stress_id, many, NR_STRESS);
	ASSERT_EQ(0, snapshot_sets(self->fd, e, 2, NULL));
	ASSERT_EQ(0, e[0].error);
	ASSERT_EQ(0, e[1].error);
	EXPECT_EQ(0, memcmp(one, many, sizeof(one)));
	EXPECT_LT(gen, e[1].generation);
	EXPECT_LT(self_gen, e[0].generation);
	/* The self set's counters that no snapshot moves match too. */
	EXPECT_EQ(0, memcmp(&self_one[SELF_CREATED], &self_many[SELF_CREATED],
			    (NR_SELF - SELF_CREATED) * sizeof(__s64)));
	/* And the other way round. */
	ASSERT_EQ(0, snapshot(self->fd, stress_id, one, NR_STRESS, &gen));
	EXPECT_EQ(0, memcmp(one, many, sizeof(one)));
	EXPECT_LT(e[1].generation, gen);
}

TEST_F(snapshot_sets, generations_increase_per_caller)
{
	struct constats_ioc_snapshot_entry e[2];
	__s64 v[2][NR_STRESS];	/* no fewer than NR_SELF */
	__u64 last[2] = {}, ts, last_ts = 0, gen;
	__u32 nr = 1, round, i;

	e[0] = entry(self->self_id, v[0], NR_SELF);
	if (stress_id) {
		e[1] = entry(stress_id, v[1], NR_STRESS);
		nr = 2;
	}
	for (round = 0; round < 6; round++) {
		/* Every other round, a CONSTATS_IOC_SNAPSHOT in between. */
		if (round & 1) {
			ASSERT_EQ(0, snapshot(self->fd, self->self_id, v[0],
					      NR_SELF, &gen));
			EXPECT_LT(last[0], gen);
			last[0] = gen;
		}
		ASSERT_EQ(0, snapshot_sets(self->fd, e, nr, &ts));
		EXPECT_LE(last_ts, ts);
		last_ts = ts;
		for (i = 0; i < nr; i++) {
			EXPECT_EQ(0, e[i].error);
			EXPECT_LT(last[i], e[i].generation)
				TH_LOG("round %u entry %u", round, i);
			last[i] = e[i].generation;
		}
		/* Ours is counted: the next snapshot of the self set shows it. */
		EXPECT_LE(1, v[0][SELF_SNAPSHOTS]);
	}
}

/* In the unprivileged child: report and exit on a failed check. */
#define CHILD_CHECK(cond) do { \
	if (!(cond)) { \
		printf("# unprivileged reader: %s:%d: %s\n", __FILE__, \
		       __LINE__, #cond); \
		fflush(stdout); \
		_exit(1); \
	} \
} while (0)

/*
 * The unprivileged reader: its snapshots are right, and fresh (a set
 * destroyed before its call is gone from it, and counted so), and its
 * generations increase.  Unloads the stress module: the last test.
 */
static void unprivileged_reader(__u32 self_id, __s64 *stress_ref,
				__u64 stress_gen, int in, int out)
{
	struct constats_ioc_snapshot_entry e[2];
	__s64 s[NR_SELF], st[NR_STRESS], prev_destroyed, prev_alive;
	__u64 t0, t1, t2, t3, prev_gen, gen;
	char c;
	int fd;

	CHILD_CHECK(!setgroups(0, NULL) && !setgid(65534) && !setuid(65534));
	CHILD_CHECK(getuid() == 65534 && geteuid() == 65534);
	CHILD_CHECK(setuid(0) == -1);	/* no way back */
	fd = open(PROC_PATH, O_RDONLY);
	CHILD_CHECK(fd >= 0);

	memset(st, SENTINEL, sizeof(st));
	e[0] = entry(self_id, s, NR_SELF);
	e[1] = entry(stress_id, st, NR_STRESS);
	t0 = now_ns();
	CHILD_CHECK(snapshot_sets(fd, e, 2, NULL) == 0);
	t1 = now_ns();
	CHILD_CHECK(e[0].error == 0 && e[1].error == 0);
	CHILD_CHECK(!memcmp(st, stress_ref, sizeof(st)));
	CHILD_CHECK(e[1].generation > stress_gen);
	CHILD_CHECK(s[SELF_ALIVE] == s[SELF_CREATED] - s[SELF_DESTROYED]);
	prev_destroyed = s[SELF_DESTROYED];
	prev_alive = s[SELF_ALIVE];
	prev_gen = e[0].generation;

	/* The parent unloads the stress module, then lets us go on. */
	CHILD_CHECK(write(out, "1", 1) == 1);
	CHILD_CHECK(read(in, &c, 1) == 1 && c == '2');
	memset(st, SENTINEL, sizeof(st));
	e[0] = entry(self_id, s, NR_SELF);
	e[1] = entry(stress_id, st, NR_STRESS);
	t2 = now_ns();
	CHILD_CHECK(snapshot_sets(fd, e, 2, NULL) == 0);
	t3 = now_ns();
	CHILD_CHECK(e[0].error == 0);
	CHILD_CHECK(e[1].error == ENOENT);
	CHILD_CHECK(all_bytes(st, SENTINEL, sizeof(st)));
	/* Destroyed before the call: in the snapshot. */
	CHILD_CHECK(s[SELF_DESTROYED] == prev_destroyed + 1);
	CHILD_CHECK(s[SELF_ALIVE] == prev_alive - 1);
	CHILD_CHECK(s[SELF_ALIVE] == s[SELF_CREATED] - s[SELF_DESTROYED]);
	CHILD_CHECK(e[0].generation > prev_gen);
	prev_gen = e[0].generation;

	/* CONSTATS_IOC_SNAPSHOT, unprivileged, numbers on from there. */
	CHILD_CHECK(snapshot(fd, self_id, s, NR_SELF, &gen) == 0);
	CHILD_CHECK(gen > prev_gen);
	printf("# unprivileged CONSTATS_IOC_SNAPSHOT_SETS: %llu us, then %llu us\n",
	       (unsigned long long)(t1 - t0) / 1000,
	       (unsigned long long)(t3 - t2) / 1000);
	fflush(stdout);
	close(fd);
	_exit(0);
}

TEST_F(snapshot_sets, unprivileged_reader)
{
	int to_child[2], to_parent[2], status;
	__s64 ref[NR_STRESS];
	__u64 gen;
	pid_t pid;
	char c;

	if (no_stress())
		SKIP(return, "%s", no_stress());
	ASSERT_EQ(0, stress_error) TH_LOG("constats_stress.ko did not stand still");
	ASSERT_NE(0, stress_id);
	ASSERT_EQ(0, snapshot(self->fd, stress_id, ref, NR_STRESS, &gen));
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	fflush(stdout);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		unprivileged_reader(self->self_id, ref, gen, to_child[0],
				    to_parent[1]);
	close(to_child[0]);
	close(to_parent[1]);
	if (read(to_parent[0], &c, 1) == 1) {
		EXPECT_EQ(0, system("rmmod constats_stress"));
		EXPECT_EQ(1, write(to_child[1], "2", 1));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the unprivileged reader failed (status 0x%x)", status);
}

TEST_HARNESS_MAIN
