// SPDX-License-Identifier: GPL-2.0
/*
 * The /proc/constats ioctl ABI: every command's good path and every
 * documented rejection, each triggered with otherwise-valid input.  A
 * rejected call must leave the caller's buffers untouched.
 *
 * CONSTATS_STRESS_KO, if set, names constats_stress.ko: the stale-id test
 * loads it, learns its set's id, unloads it, and expects ENOENT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

#define PROC_PATH "/proc/constats"
#define SENTINEL 0x5a

static const char *const self_names[] = {
	"snapshots", "reader_waits", "reader_spins", "fallback_brackets",
	"sets_created", "sets_destroyed", "sets_alive", "invariant_violations",
};

#define NR_SELF ARRAY_SIZE(self_names)

/* Every command; the last only where the features advertise it. */
static const unsigned long commands[] = {
	CONSTATS_IOC_VERSION, CONSTATS_IOC_LIST,
	CONSTATS_IOC_NAMES, CONSTATS_IOC_SNAPSHOT, CONSTATS_IOC_INVARIANTS,
	CONSTATS_IOC_SNAPSHOT_SETS,
};

static const unsigned int ver0_sizes[] = {
	CONSTATS_IOC_VERSION_SIZE_VER0, CONSTATS_IOC_LIST_SIZE_VER0,
	CONSTATS_IOC_NAMES_SIZE_VER0, CONSTATS_IOC_SNAPSHOT_SIZE_VER0,
	CONSTATS_IOC_INVARIANTS_SIZE_VER0, CONSTATS_IOC_SNAPSHOT_SETS_SIZE_VER0,
};

/* What the core declares on its own set. */
#define SELF_INVARIANT "sets_alive == sets_created - sets_destroyed"

#define KNOWN_FEATURES (CONSTATS_FEATURE_SNAPSHOT | \
			CONSTATS_FEATURE_INVARIANTS | \
			CONSTATS_FEATURE_SNAPSHOT_SETS)

/* The commands this module serves: CONSTATS_IOC_SNAPSHOT_SETS if it says so. */
static unsigned int nr_commands(int fd)
{
	struct constats_ioc_version v = { .size = sizeof(v) };

	if (!ioctl(fd, CONSTATS_IOC_VERSION, &v) &&
	    (v.features & CONSTATS_FEATURE_SNAPSHOT_SETS))
		return ARRAY_SIZE(commands);
	return ARRAY_SIZE(commands) - 1;
}

/* Near misses of CONSTATS_IOC_VERSION: number, direction, type. */
#define BAD_NR_CMD	_IOWR(CONSTATS_IOC_MAGIC, 0x7f, struct constats_ioc_version)
#define BAD_DIR_CMD	_IOR(CONSTATS_IOC_MAGIC, 0x00, struct constats_ioc_version)
#define BAD_TYPE_CMD	_IOWR('x', 0x00, struct constats_ioc_version)

static int all_bytes(const void *p, int c, size_t len)
{
	const unsigned char *b = p;

	while (len--)
		if (*b++ != c)
			return 0;
	return 1;
}

FIXTURE(constats) {
	int fd;
	__u32 self_id;
};

FIXTURE_SETUP(constats)
{
	self->fd = open(PROC_PATH, O_RDONLY);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "constats.ko is not loaded");
	ASSERT_LE(0, self->fd);
	self->self_id = constats_set_id(self->fd, "constats");
	ASSERT_NE(0, self->self_id);
}

FIXTURE_TEARDOWN(constats)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(constats, version_reports_abi)
{
	struct constats_ioc_version v = { .size = sizeof(v) };

	ASSERT_EQ(0, ioctl(self->fd, CONSTATS_IOC_VERSION, &v));
	EXPECT_EQ(sizeof(v), v.size);
	EXPECT_EQ(CONSTATS_ABI_VERSION, v.version);
	EXPECT_EQ(CONSTATS_FEATURE_SNAPSHOT | CONSTATS_FEATURE_INVARIANTS,
		  v.features & (CONSTATS_FEATURE_SNAPSHOT |
				CONSTATS_FEATURE_INVARIANTS));
	EXPECT_EQ(0, v.features & ~KNOWN_FEATURES);
	EXPECT_EQ(256, v.max_counters);
	EXPECT_EQ(CONSTATS_NAME_LEN, v.name_len);
}

TEST_F(constats, list_shows_self_set)
{
	struct constats_ioc_set_info info[64];
	struct constats_ioc_list l = {
		.size = sizeof(l), .sets = (uintptr_t)info, .nr_sets = 64,
	};

	memset(info, SENTINEL, sizeof(info));
	ASSERT_EQ(0, ioctl(self->fd, CONSTATS_IOC_LIST, &l));
	ASSERT_LE(1, l.nr_sets);
	/* The module's own set is created first. */
	EXPECT_STREQ("constats", info[0].name);
	EXPECT_EQ(NR_SELF, info[0].nr_counters);
	EXPECT_TRUE(all_bytes(info[0].name + 9, 0, CONSTATS_NAME_LEN - 9));
	/* Entries past the sets that exist are not written. */
	EXPECT_TRUE(all_bytes(&info[l.nr_sets], SENTINEL, sizeof(info[0])));
}

TEST_F(constats, count_query_without_buffer)
{
	struct constats_ioc_list l = { .size = sizeof(l) };
	struct constats_ioc_names n = { .size = sizeof(n), .id = self->self_id };
	struct constats_ioc_snapshot s = { .size = sizeof(s), .id = self->self_id };
	struct constats_ioc_invariants inv = {
		.size = sizeof(inv), .id = self->self_id,
	};

	ASSERT_EQ(0, ioctl(self->fd, CONSTATS_IOC_LIST, &l));
	EXPECT_LE(1, l.nr_sets);
	ASSERT_EQ(0, ioctl(self->fd, CONSTATS_IOC_NAMES, &n));
	EXPECT_EQ(NR_SELF, n.nr_counters);
	ASSERT_EQ(0, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT, &s));
	EXPECT_EQ(NR_SELF, s.nr_counters);
	EXPECT_EQ(0, s.generation);
	ASSERT_EQ(0, ioctl(self->fd, CONSTATS_IOC_INVARIANTS, &inv));
	EXPECT_EQ(1, inv.nr_invariants);
}

TEST_F(constats, names_in_index_order)
{
	char names[NR_SELF + 1][CONSTATS_NAME_LEN];
	struct constats_ioc_names n = {
		.size = sizeof(n), .id = self->self_id,
		.nr_counters = NR_SELF + 1, .names = (uintptr_t)names,
	};
	unsigned int i;

	memset(names, SENTINEL, sizeof(names));
	ASSERT_EQ(0, ioctl(self->fd, CONSTATS_IOC_NAMES, &n));
	ASSERT_EQ(NR_SELF, n.nr_counters);
	for (i = 0; i < NR_SELF; i++)
		EXPECT_STREQ(self_names[i], names[i]);
	EXPECT_TRUE(all_bytes(names[NR_SELF], SENTINEL, CONSTATS_NAME_LEN));
}

TEST_F(constats, invariants_in_declaration_order)
{
	char texts[3][CONSTATS_INVARIANT_LEN];
	struct constats_ioc_invariants inv = {
		.size = sizeof(inv), .id = self->self_id,
		.nr_invariants = 3, .invariants = (uintptr_t)texts,
	};
	size_t len = strlen(SELF_INVARIANT) + 1;

	memset(texts, SENTINEL, sizeof(texts));
	ASSERT_EQ(0, ioctl(self->fd, CONSTATS_IOC_INVARIANTS, &inv));
	ASSERT_EQ(1, inv.nr_invariants);
	EXPECT_STREQ(SELF_INVARIANT, texts[0]);
	/* The rest of the entry is zeroes, not kernel memory. */
	EXPECT_TRUE(all_bytes(texts[0] + len, 0, CONSTATS_INVARIANT_LEN - len));
	EXPECT_TRUE(all_bytes(texts[1], SENTINEL, 2 * CONSTATS_INVARIANT_LEN));
}

TEST_F(constats, snapshot_is_consistent_and_numbered)
{
	struct constats_ioc_snapshot s = {
		.size = sizeof(s), .id = self->self_id, .nr_counters = NR_SELF,
	};
	__s64 v[NR_SELF];
	struct timespec before, after;
	__u64 gen1, t1;

	s.values = (uintptr_t)v;
	clock_gettime(CLOCK_MONOTONIC, &before);
	ASSERT_EQ(0, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT, &s));
	clock_gettime(CLOCK_MONOTONIC, &after);
	EXPECT_EQ(NR_SELF, s.nr_counters);
	/* sets_alive == sets_created - sets_destroyed, at least this one */
	EXPECT_EQ(v[4] - v[5], v[6]);
	EXPECT_LE(1, v[6]);
	EXPECT_LE(before.tv_sec * 1000000000ULL + before.tv_nsec, s.timestamp_ns);
	EXPECT_GE(after.tv_sec * 1000000000ULL + after.tv_nsec, s.timestamp_ns);
	gen1 = s.generation;
	t1 = s.timestamp_ns;

	ASSERT_EQ(0, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT, &s));
	EXPECT_LT(gen1, s.generation);
	EXPECT_LE(t1, s.timestamp_ns);
	/* Snapshots are counted: ours is in the next one. */
	EXPECT_LE(1, v[0]);
}

TEST_F(constats, larger_struct_with_zero_tail_accepted)
{
	struct {
		struct constats_ioc_version v;
		__u64 tail;
	} big = { .v.size = sizeof(big) };

	ASSERT_EQ(0, ioctl(self->fd, CONSTATS_IOC_VERSION, &big));
	EXPECT_EQ(CONSTATS_ABI_VERSION, big.v.version);
	EXPECT_EQ(0, big.tail);	/* the kernel writes only what it knows */
}

TEST_F(constats, unknown_command_enotty)
{
	struct constats_ioc_version v = { .size = sizeof(v) };

	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, BAD_NR_CMD, &v));
	EXPECT_EQ(ENOTTY, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, BAD_DIR_CMD, &v));
	EXPECT_EQ(ENOTTY, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, BAD_TYPE_CMD, &v));
	EXPECT_EQ(ENOTTY, errno);
}

/*
 * CONSTATS_FEATURE_SNAPSHOT_SETS tells the truth: without it the command
 * is unknown (ENOTTY); with it, served (EINVAL here: no entries).  Its
 * own tests are in constats_snapshot_sets_test.c.
 */
TEST_F(constats, snapshot_sets_served_as_advertised)
{
	struct constats_ioc_snapshot_sets q = { .size = sizeof(q) };
	bool served = nr_commands(self->fd) == ARRAY_SIZE(commands);

	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT_SETS, &q));
	EXPECT_EQ(served ? EINVAL : ENOTTY, errno);
	EXPECT_EQ(0, q.timestamp_ns);
}

TEST_F(constats, bad_struct_pointer_efault)
{
	unsigned int i, n = nr_commands(self->fd);

	for (i = 0; i < n; i++) {
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, commands[i], NULL));
		EXPECT_EQ(EFAULT, errno) TH_LOG("command %u", i);
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, commands[i], (void *)8));
		EXPECT_EQ(EFAULT, errno) TH_LOG("command %u", i);
	}
}

TEST_F(constats, bad_buffer_pointer_efault)
{
	struct constats_ioc_list l = {
		.size = sizeof(l), .sets = 8, .nr_sets = 64,
	};
	struct constats_ioc_names n = {
		.size = sizeof(n), .id = self->self_id, .nr_counters = 64,
		.names = 8,
	};
	struct constats_ioc_snapshot s = {
		.size = sizeof(s), .id = self->self_id, .nr_counters = 64,
		.values = 8,
	};
	struct constats_ioc_invariants inv = {
		.size = sizeof(inv), .id = self->self_id, .nr_invariants = 4,
		.invariants = 8,
	};

	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_INVARIANTS, &inv));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(4, inv.nr_invariants);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_LIST, &l));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(64, l.nr_sets);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_NAMES, &n));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(64, n.nr_counters);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT, &s));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(64, s.nr_counters);
	EXPECT_EQ(0, s.generation);
}

TEST_F(constats, size_too_small_einval)
{
	unsigned int i, n = nr_commands(self->fd);
	unsigned char buf[64];
	__u32 size;

	for (i = 0; i < n; i++) {
		memset(buf, 0, sizeof(buf));
		size = ver0_sizes[i] - 8;
		memcpy(buf, &size, sizeof(size));
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, commands[i], buf));
		EXPECT_EQ(EINVAL, errno) TH_LOG("command %u", i);
		EXPECT_TRUE(all_bytes(buf + 4, 0, sizeof(buf) - 4));

		size = 0;
		memcpy(buf, &size, sizeof(size));
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, commands[i], buf));
		EXPECT_EQ(EINVAL, errno) TH_LOG("command %u", i);
	}
}

TEST_F(constats, size_too_large_nonzero_tail_e2big)
{
	unsigned int i, n = nr_commands(self->fd);
	unsigned char buf[128];
	__u32 size;

	for (i = 0; i < n; i++) {
		memset(buf, 0, sizeof(buf));
		size = ver0_sizes[i] + 16;
		memcpy(buf, &size, sizeof(size));
		buf[ver0_sizes[i] + 9] = 1;
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, commands[i], buf));
		EXPECT_EQ(E2BIG, errno) TH_LOG("command %u", i);
		EXPECT_TRUE(all_bytes(buf + 4, 0, ver0_sizes[i] + 5));
	}
}

TEST_F(constats, nonzero_flags_or_reserved_einval)
{
	__s64 v[NR_SELF];
	char names[NR_SELF][CONSTATS_NAME_LEN];
	struct constats_ioc_set_info info[64];
	struct constats_ioc_list l = {
		.size = sizeof(l), .sets = (uintptr_t)info, .nr_sets = 64,
	};
	struct constats_ioc_names n = {
		.size = sizeof(n), .flags = 1, .id = self->self_id,
		.nr_counters = NR_SELF, .names = (uintptr_t)names,
	};
	struct constats_ioc_snapshot s = {
		.size = sizeof(s), .flags = 0x80000000, .id = self->self_id,
		.nr_counters = NR_SELF, .values = (uintptr_t)v,
	};
	char texts[2][CONSTATS_INVARIANT_LEN];
	struct constats_ioc_invariants inv = {
		.size = sizeof(inv), .flags = 2, .id = self->self_id,
		.nr_invariants = 2, .invariants = (uintptr_t)texts,
	};

	memset(info, SENTINEL, sizeof(info));
	memset(names, SENTINEL, sizeof(names));
	memset(v, SENTINEL, sizeof(v));
	memset(texts, SENTINEL, sizeof(texts));

	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_INVARIANTS, &inv));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(2, inv.nr_invariants);
	EXPECT_TRUE(all_bytes(texts, SENTINEL, sizeof(texts)));

	l.flags = 1;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_LIST, &l));
	EXPECT_EQ(EINVAL, errno);
	l.flags = 0;
	l.reserved = 1;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_LIST, &l));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(64, l.nr_sets);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_NAMES, &n));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT, &s));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, s.generation);

	EXPECT_TRUE(all_bytes(info, SENTINEL, sizeof(info)));
	EXPECT_TRUE(all_bytes(names, SENTINEL, sizeof(names)));
	EXPECT_TRUE(all_bytes(v, SENTINEL, sizeof(v)));
}

TEST_F(constats, unknown_id_enoent)
{
	static const __u32 ids[] = { 0, 0xffffffff };
	__s64 v[NR_SELF];
	char names[NR_SELF][CONSTATS_NAME_LEN];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct constats_ioc_names n = {
			.size = sizeof(n), .id = ids[i],
			.nr_counters = NR_SELF, .names = (uintptr_t)names,
		};
		struct constats_ioc_snapshot s = {
			.size = sizeof(s), .id = ids[i],
			.nr_counters = NR_SELF, .values = (uintptr_t)v,
		};
		struct constats_ioc_invariants inv = {
			.size = sizeof(inv), .id = ids[i],
		};

		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_INVARIANTS, &inv));
		EXPECT_EQ(ENOENT, errno);
		EXPECT_EQ(0, inv.nr_invariants);
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_NAMES, &n));
		EXPECT_EQ(ENOENT, errno);
		EXPECT_EQ(NR_SELF, n.nr_counters);
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT, &s));
		EXPECT_EQ(ENOENT, errno);
		EXPECT_EQ(NR_SELF, s.nr_counters);
	}
}

TEST_F(constats, buffer_too_small_enospc_reports_need)
{
	__s64 v[NR_SELF];
	char names[NR_SELF][CONSTATS_NAME_LEN];
	struct constats_ioc_set_info info[1];
	struct constats_ioc_list l = {
		.size = sizeof(l), .sets = (uintptr_t)info, .nr_sets = 0,
	};
	struct constats_ioc_names n = {
		.size = sizeof(n), .id = self->self_id,
		.nr_counters = NR_SELF - 1, .names = (uintptr_t)names,
	};
	struct constats_ioc_snapshot s = {
		.size = sizeof(s), .id = self->self_id,
		.nr_counters = 1, .values = (uintptr_t)v,
	};
	char texts[1][CONSTATS_INVARIANT_LEN];
	struct constats_ioc_invariants inv = {
		.size = sizeof(inv), .id = self->self_id,
		.nr_invariants = 0, .invariants = (uintptr_t)texts,
	};

	memset(info, SENTINEL, sizeof(info));
	memset(names, SENTINEL, sizeof(names));
	memset(v, SENTINEL, sizeof(v));
	memset(texts, SENTINEL, sizeof(texts));

	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_INVARIANTS, &inv));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(1, inv.nr_invariants);
	EXPECT_TRUE(all_bytes(texts, SENTINEL, sizeof(texts)));

	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_LIST, &l));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_LE(1, l.nr_sets);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_NAMES, &n));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(NR_SELF, n.nr_counters);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT, &s));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(NR_SELF, s.nr_counters);
	EXPECT_EQ(0, s.generation);

	EXPECT_TRUE(all_bytes(info, SENTINEL, sizeof(info)));
	EXPECT_TRUE(all_bytes(names, SENTINEL, sizeof(names)));
	EXPECT_TRUE(all_bytes(v, SENTINEL, sizeof(v)));
}

TEST_F(constats, destroyed_set_enoent)
{
	const char *ko = getenv("CONSTATS_STRESS_KO");
	char cmd[512];
	__s64 v[16];
	struct constats_ioc_snapshot s = {
		.size = sizeof(s), .nr_counters = 16, .values = (uintptr_t)v,
	};
	__u32 id;

	if (!ko)
		SKIP(return, "CONSTATS_STRESS_KO is not set");
	snprintf(cmd, sizeof(cmd),
		 "insmod %s duration=0 delay_us=1000 hrtimer_us=0 softirq=0 readers=0",
		 ko);
	ASSERT_EQ(0, system(cmd));
	id = constats_set_id(self->fd, "stress");
	ASSERT_NE(0, id);
	s.id = id;
	EXPECT_EQ(0, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT, &s));
	ASSERT_EQ(0, system("rmmod constats_stress"));

	EXPECT_EQ(0, constats_set_id(self->fd, "stress"));
	memset(v, SENTINEL, sizeof(v));
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT, &s));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_TRUE(all_bytes(v, SENTINEL, sizeof(v)));

	/* A new set of the same name gets a new id. */
	ASSERT_EQ(0, system(cmd));
	EXPECT_NE(id, constats_set_id(self->fd, "stress"));
	s.id = id;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT, &s));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, system("rmmod constats_stress"));
}

/*
 * Random input, for every command: structs of random size and contents,
 * whose pointer fields point into a scratch area (itself random: small set
 * ids, counts and sizes are likely) or nowhere.  Every call must succeed
 * or fail with an errno the ABI documents (userspace-api.rst), and the
 * module must serve a consistent snapshot afterwards.  The seed is logged;
 * CONSTATS_FUZZ_SEED replays a run.  An oops or WARN it provokes lands on
 * the guest's console, which fails make check.
 */
#define FUZZ_CALLS	6000
#define FUZZ_SECONDS	10
#define FUZZ_SCRATCH	(256 * 1024)

static __u64 fuzz_state;

static __u64 fuzz_rand(void)
{
	/* xorshift64*: reproducible from the seed alone */
	fuzz_state ^= fuzz_state >> 12;
	fuzz_state ^= fuzz_state << 25;
	fuzz_state ^= fuzz_state >> 27;
	return fuzz_state * 0x2545f4914f6cdd1dULL;
}

/* A value a field is likely to be checked against: small, or a bound. */
static __u32 fuzz_u32(void)
{
	static const __u32 edges[] = { 0, 1, 2, 255, 256, 257, 4096, 65536,
				       0x7fffffff, 0xffffffff };

	switch (fuzz_rand() % 4) {
	case 0:
		return fuzz_rand() % 8;
	case 1:
		return edges[fuzz_rand() % ARRAY_SIZE(edges)];
	case 2:
		return fuzz_rand() % 64;
	default:
		return fuzz_rand();
	}
}

static void fuzz_fill(unsigned char *buf, size_t len, unsigned char *scratch)
{
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		__u64 v;

		switch (fuzz_rand() % 4) {
		case 0:		/* a pointer into the scratch area */
			v = (uintptr_t)(scratch + fuzz_rand() % FUZZ_SCRATCH);
			break;
		case 1:		/* two small values */
			v = fuzz_u32() | (__u64)fuzz_u32() << 32;
			break;
		case 2:
			v = 0;
			break;
		default:
			v = fuzz_rand();
		}
		memcpy(buf + i, &v, 8);
	}
	for (; i < len; i++)
		buf[i] = fuzz_rand();
}

TEST_F(constats, random_input_documented_errors)
{
	static const unsigned long cmds[] = {
		CONSTATS_IOC_VERSION, CONSTATS_IOC_LIST, CONSTATS_IOC_NAMES,
		CONSTATS_IOC_SNAPSHOT, CONSTATS_IOC_INVARIANTS,
		CONSTATS_IOC_SNAPSHOT_SETS,
	};
	const char *env = getenv("CONSTATS_FUZZ_SEED");
	__u64 argbuf[32];	/* aligned for the structs' __u64 fields */
	unsigned char *scratch, *arg = (unsigned char *)argbuf;
	long ok = 0, failed = 0, bad = 0, calls;
	time_t end = time(NULL) + FUZZ_SECONDS;
	struct constats_ioc_snapshot s = {
		.size = sizeof(s), .id = self->self_id, .nr_counters = NR_SELF,
	};
	__s64 v[NR_SELF];
	__u64 seed;

	seed = env ? strtoull(env, NULL, 0) : (__u64)time(NULL) * 2654435761u;
	fuzz_state = seed | 1;
	TH_LOG("seed %llu (CONSTATS_FUZZ_SEED replays it)",
	       (unsigned long long)seed);
	scratch = malloc(FUZZ_SCRATCH);
	ASSERT_TRUE(!!scratch);

	for (calls = 0; calls < FUZZ_CALLS && time(NULL) < end; calls++) {
		unsigned long cmd = cmds[fuzz_rand() % ARRAY_SIZE(cmds)];
		__u32 size;
		int ret;

		if (calls % 64 == 0)
			fuzz_fill(scratch, FUZZ_SCRATCH, scratch);
		fuzz_fill(arg, sizeof(argbuf), scratch);
		/* A size near the struct's own, mostly: deeper paths. */
		size = fuzz_rand() % 2 ? _IOC_SIZE(cmd) + fuzz_rand() % 9 - 4
				       : fuzz_u32();
		memcpy(arg, &size, sizeof(size));
		if (fuzz_rand() % 2)	/* flags, where the struct has them */
			memset(arg + 4, 0, 4);
		errno = 0;
		ret = ioctl(self->fd, cmd, arg);
		if (ret == 0) {
			ok++;
			continue;
		}
		failed++;
		switch (errno) {
		case EINVAL: case E2BIG: case EFAULT: case ENOENT: case ENOSPC:
		case ENOMEM:
			break;
		default:
			if (bad++ < 5)
				TH_LOG("cmd 0x%lx, size %u: ret %d, errno %d (%s)",
				       cmd, size, ret, errno, strerror(errno));
		}
	}
	free(scratch);
	printf("# random input: %ld calls, %ld succeeded, %ld failed with a documented errno, ",
	       calls, ok, failed - bad);
	printf("%ld otherwise\n", bad);
	fflush(stdout);
	EXPECT_EQ(0, bad);
	EXPECT_LT(0, ok);	/* some calls reached the commands' work */
	/* The module still serves a consistent snapshot. */
	s.values = (uintptr_t)v;
	ASSERT_EQ(0, ioctl(self->fd, CONSTATS_IOC_SNAPSHOT, &s));
	EXPECT_EQ(NR_SELF, s.nr_counters);
	EXPECT_EQ(v[4] - v[5], v[6]);
}

TEST_HARNESS_MAIN
