// SPDX-License-Identifier: GPL-2.0
/*
 * fake_proc.so: an LD_PRELOAD stand-in for /proc/constats, so that the
 * constats tool's two ways of reading many sets (one
 * CONSTATS_IOC_SNAPSHOT_SETS, or one CONSTATS_IOC_SNAPSHOT per set) can be
 * compared on the host, byte for byte, with no module loaded anywhere.
 *
 * It serves the ioctls of uapi/linux/constats.h with the kernel's
 * argument checks, from made-up sets whose values depend only on the set
 * and on how many snapshots of it were taken; a snapshot's timestamp is
 * its generation in seconds (a call's, its sets' latest), so that
 * watch's rates come out the same both ways.  Environment:
 *
 *	FAKE_SETS=N	sets (default 3): set 0 is "constats", set i "set<i>"
 *			with 1 + i % 5 counters "c0".."c<n>", each valued
 *			1000 * id + counter + generation
 *	FAKE_COUNTERS=N	sets but "constats" have N counters instead
 *	FAKE_FEATURES=X	the version's feature bits (default 0x7)
 *	FAKE_VANISH=ID	the set with that id is listed and named, but gone
 *			by its snapshot (ENOENT)
 *	FAKE_GROW=ID	that set's snapshots want one counter more than it
 *			lists (ENOSPC), and then leave the extra one at -1
 *	FAKE_LOG=FILE	append "snapshot N sets M entries K" at exit
 *
 * CONSTATS_IOC_SNAPSHOT_SETS fails with E2BIG beyond the header's limits,
 * and, stricter than the module, refuses one set twice in a call
 * (EINVAL): the tool asks for each set once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/constats.h>

/* One more than a set has, for FAKE_GROW. */
#define FAKE_MAX_COUNTERS	257

static int fake_fd = -1;
static unsigned int nr_sets = 3, vanish, grow, nr_counters;
static unsigned long long features = 0x7;
static unsigned long *gens;
static unsigned char *seen;	/* per id, in one CONSTATS_IOC_SNAPSHOT_SETS */
static unsigned long nr_snapshot, nr_snapshot_sets, nr_entries_total;

static void __attribute__((constructor)) fake_init(void)
{
	const char *e;

	e = getenv("FAKE_SETS");
	if (e)
		nr_sets = strtoul(e, NULL, 0);
	e = getenv("FAKE_FEATURES");
	if (e)
		features = strtoull(e, NULL, 0);
	e = getenv("FAKE_VANISH");
	if (e)
		vanish = strtoul(e, NULL, 0);
	e = getenv("FAKE_COUNTERS");
	if (e)
		nr_counters = strtoul(e, NULL, 0);
	e = getenv("FAKE_GROW");
	if (e)
		grow = strtoul(e, NULL, 0);
	gens = calloc(nr_sets + 1, sizeof(*gens));
	seen = calloc(nr_sets + 1, 1);
}

static void __attribute__((destructor)) fake_fini(void)
{
	const char *log = getenv("FAKE_LOG");
	FILE *f = log ? fopen(log, "a") : NULL;

	if (!f)
		return;
	fprintf(f, "snapshot %lu sets %lu entries %lu\n", nr_snapshot,
		nr_snapshot_sets, nr_entries_total);
	fclose(f);
}

/* Ids are 1..nr_sets; set id - 1 is the id-th created. */
static unsigned int counters_of(__u32 id)
{
	if (id == 1)
		return 8;
	return nr_counters ?: 1 + (id - 1) % 5;
}

/* What a snapshot of the set wants: FAKE_GROW's one counter more. */
static unsigned int wanted(__u32 id)
{
	return id == grow ? counters_of(id) + 1 : counters_of(id);
}

static void name_of(__u32 id, char *buf)
{
	if (id == 1)
		strcpy(buf, "constats");
	else
		snprintf(buf, CONSTATS_NAME_LEN, "set%u", id - 1);
}

static int exists(__u32 id)
{
	return id >= 1 && id <= nr_sets;
}

/* copy_struct_from_user(): @size from the first version's up. */
static int copy_in(void *k, size_t ksize, size_t ver0, const void *u,
		   __u32 usize)
{
	const unsigned char *p = u;
	size_t i;

	if (usize < ver0)
		return -EINVAL;
	for (i = ksize; i < usize; i++)
		if (p[i])
			return -E2BIG;
	memset(k, 0, ksize);
	memcpy(k, u, usize < ksize ? usize : ksize);
	return 0;
}

static void copy_out(void *u, const void *k, size_t ksize, __u32 usize)
{
	memcpy(u, k, usize < ksize ? usize : ksize);
}

/* One set's snapshot into @v (room @room): 0, or -errno. */
static int snap(__u32 id, __s64 *v, __u32 *room, __u64 *gen)
{
	__u32 n, c;

	if (!exists(id) || id == vanish)
		return -ENOENT;
	n = wanted(id);
	if (*room < n) {
		*room = n;
		return -ENOSPC;
	}
	*room = n;
	*gen = ++gens[id];
	for (c = 0; c < n; c++)
		v[c] = id == grow && c == n - 1 ? -1 :
		       1000LL * id + c + (__s64)*gen;
	return 0;
}

static int fake_ioctl(unsigned long cmd, void *arg)
{
	__u32 usize = *(__u32 *)arg, i, c;
	int ret;

	switch (cmd) {
	case CONSTATS_IOC_VERSION: {
		struct constats_ioc_version k;

		ret = copy_in(&k, sizeof(k), CONSTATS_IOC_VERSION_SIZE_VER0,
			      arg, usize);
		if (ret)
			return ret;
		k.version = CONSTATS_ABI_VERSION;
		k.features = features;
		k.max_counters = 256;
		k.name_len = CONSTATS_NAME_LEN;
		copy_out(arg, &k, sizeof(k), usize);
		return 0;
	}
	case CONSTATS_IOC_LIST: {
		struct constats_ioc_list k;
		struct constats_ioc_set_info *info;

		ret = copy_in(&k, sizeof(k), CONSTATS_IOC_LIST_SIZE_VER0,
			      arg, usize);
		if (ret || k.flags || k.reserved)
			return ret ?: -EINVAL;
		info = (void *)(uintptr_t)k.sets;
		ret = k.sets || k.nr_sets ? k.nr_sets < nr_sets : 0;
		if (ret) {
			k.nr_sets = nr_sets;
			copy_out(arg, &k, sizeof(k), usize);
			return -ENOSPC;
		}
		for (i = 0; info && i < nr_sets; i++) {
			memset(&info[i], 0, sizeof(info[i]));
			info[i].id = i + 1;
			info[i].nr_counters = counters_of(i + 1);
			name_of(i + 1, info[i].name);
		}
		k.nr_sets = nr_sets;
		copy_out(arg, &k, sizeof(k), usize);
		return 0;
	}
	case CONSTATS_IOC_NAMES: {
		struct constats_ioc_names k;
		char (*names)[CONSTATS_NAME_LEN];

		ret = copy_in(&k, sizeof(k), CONSTATS_IOC_NAMES_SIZE_VER0,
			      arg, usize);
		if (ret || k.flags)
			return ret ?: -EINVAL;
		if (!exists(k.id))
			return -ENOENT;
		names = (void *)(uintptr_t)k.names;
		if ((k.names || k.nr_counters) &&
		    k.nr_counters < counters_of(k.id)) {
			k.nr_counters = counters_of(k.id);
			copy_out(arg, &k, sizeof(k), usize);
			return -ENOSPC;
		}
		for (c = 0; names && c < counters_of(k.id); c++) {
			memset(names[c], 0, CONSTATS_NAME_LEN);
			snprintf(names[c], CONSTATS_NAME_LEN, "c%u", c);
		}
		k.nr_counters = counters_of(k.id);
		copy_out(arg, &k, sizeof(k), usize);
		return 0;
	}
	case CONSTATS_IOC_INVARIANTS: {
		struct constats_ioc_invariants k;
		unsigned int n;

		ret = copy_in(&k, sizeof(k), CONSTATS_IOC_INVARIANTS_SIZE_VER0,
			      arg, usize);
		if (ret || k.flags)
			return ret ?: -EINVAL;
		if (!exists(k.id))
			return -ENOENT;
		/* Sets of two counters or more: one that holds, one not. */
		n = counters_of(k.id) > 1 ? 2 : 0;
		if ((k.invariants || k.nr_invariants) && k.nr_invariants < n) {
			k.nr_invariants = n;
			copy_out(arg, &k, sizeof(k), usize);
			return -ENOSPC;
		}
		if (k.invariants && n) {
			char *t = (char *)(uintptr_t)k.invariants;

			memset(t, 0, n * CONSTATS_INVARIANT_LEN);
			strcpy(t, "c0 < c1");
			strcpy(t + CONSTATS_INVARIANT_LEN, "c1 + 1 == c0");
		}
		k.nr_invariants = n;
		copy_out(arg, &k, sizeof(k), usize);
		return 0;
	}
	case CONSTATS_IOC_SNAPSHOT: {
		struct constats_ioc_snapshot k;
		__s64 v[FAKE_MAX_COUNTERS];

		ret = copy_in(&k, sizeof(k), CONSTATS_IOC_SNAPSHOT_SIZE_VER0,
			      arg, usize);
		if (ret || k.flags)
			return ret ?: -EINVAL;
		nr_snapshot++;
		ret = snap(k.id, v, &k.nr_counters, &k.generation);
		if (ret == -ENOSPC)
			copy_out(arg, &k, sizeof(k), usize);
		if (ret)
			return ret;
		memcpy((void *)(uintptr_t)k.values, v,
		       k.nr_counters * sizeof(*v));
		k.timestamp_ns = 1000000000ULL * k.generation;
		copy_out(arg, &k, sizeof(k), usize);
		return 0;
	}
	case CONSTATS_IOC_SNAPSHOT_SETS: {
		struct constats_ioc_snapshot_sets k;
		struct constats_ioc_snapshot_entry e;
		unsigned long values = 0;
		unsigned char *ent;
		__s64 v[FAKE_MAX_COUNTERS];

		if (!(features & CONSTATS_FEATURE_SNAPSHOT_SETS))
			return -ENOTTY;
		ret = copy_in(&k, sizeof(k),
			      CONSTATS_IOC_SNAPSHOT_SETS_SIZE_VER0, arg, usize);
		if (ret || k.flags || !k.nr_entries ||
		    k.nr_entries > CONSTATS_SNAPSHOT_SETS_MAX ||
		    k.entry_size < CONSTATS_IOC_SNAPSHOT_ENTRY_SIZE_VER0)
			return ret ?: -EINVAL;
		if (k.entry_size > CONSTATS_SNAPSHOT_ENTRY_MAX)
			return -E2BIG;
		ent = (unsigned char *)(uintptr_t)k.entries;
		memset(seen, 0, nr_sets + 1);
		for (i = 0; i < k.nr_entries; i++) {
			ret = copy_in(&e, sizeof(e),
				      CONSTATS_IOC_SNAPSHOT_ENTRY_SIZE_VER0,
				      ent + (size_t)i * k.entry_size,
				      k.entry_size);
			if (ret || e.reserved)
				return ret ?: -EINVAL;
			if (exists(e.id) && seen[e.id]++)
				return -EINVAL;
			/* The sets that would be read: their counters, in all. */
			if (exists(e.id) && e.id != vanish &&
			    e.nr_counters >= wanted(e.id))
				values += wanted(e.id);
		}
		if (values > CONSTATS_SNAPSHOT_SETS_VALUES_MAX)
			return -E2BIG;
		nr_snapshot_sets++;
		nr_entries_total += k.nr_entries;
		k.timestamp_ns = 0;
		for (i = 0; i < k.nr_entries; i++) {
			void *u = ent + (size_t)i * k.entry_size;

			copy_in(&e, sizeof(e), 0, u, k.entry_size);
			e.error = -snap(e.id, v, &e.nr_counters, &e.generation);
			if (e.error == ENOENT)
				e.nr_counters = 0;
			if (!e.error)
				memcpy((void *)(uintptr_t)e.values, v,
				       e.nr_counters * sizeof(*v));
			if (!e.error && e.generation * 1000000000ULL > k.timestamp_ns)
				k.timestamp_ns = e.generation * 1000000000ULL;
			copy_out(u, &e, sizeof(e), k.entry_size);
		}
		copy_out(arg, &k, sizeof(k), usize);
		return 0;
	}
	}
	return -ENOTTY;
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & O_CREAT)
		mode = va_arg(ap, mode_t);
	va_end(ap);
	if (!strcmp(path, "/proc/constats")) {
		if (getenv("FAKE_UNLOADED")) {
			errno = ENOENT;
			return -1;
		}
		fake_fd = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
		return fake_fd;
	}
	return openat(AT_FDCWD, path, flags, mode);
}

int ioctl(int fd, unsigned long cmd, ...)
{
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != fake_fd || fd < 0) {
		errno = ENOTTY;
		return -1;
	}
	ret = fake_ioctl(cmd, arg);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return 0;
}
