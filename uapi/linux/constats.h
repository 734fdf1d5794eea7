/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * constats ioctl ABI, served on the /proc/constats file descriptor.
 *
 * Every argument struct starts with a __u32 @size, set by the caller to the
 * sizeof() of the struct it was built against.  The kernel accepts any size
 * from the first version's (CONSTATS_*_SIZE_VER0) up: a larger struct whose
 * bytes beyond what the kernel knows are all zero is accepted, one with a
 * non-zero byte there fails with E2BIG, a smaller one with EINVAL.  On
 * return the kernel writes back at most @size bytes.
 *
 * Flags and reserved fields must be zero (EINVAL otherwise).  User buffers
 * are passed as __u64 (cast through uintptr_t), so 32-bit and 64-bit
 * processes use the same layout.
 *
 * Errors common to all commands:
 *	ENOTTY	unknown command
 *	EFAULT	a bad pointer: the argument or a buffer it points to
 *	EINVAL	@size below the first version's, or non-zero flags/reserved
 *	E2BIG	@size beyond the kernel's, with non-zero bytes there
 *	ENOENT	no set with that id (never existed, or destroyed)
 *	ENOSPC	the buffer is too small: nothing is written to it, and the
 *		count field is set to the number of entries needed
 */
#ifndef _UAPI_LINUX_CONSTATS_H
#define _UAPI_LINUX_CONSTATS_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CONSTATS_IOC_MAGIC	0xC5
#define CONSTATS_ABI_VERSION	1

/* Bytes in a name field: names are at most 31 characters, NUL-terminated. */
#define CONSTATS_NAME_LEN	32
/* Bytes in an invariant's text: at most 127 characters, NUL-terminated. */
#define CONSTATS_INVARIANT_LEN	128

/**
 * struct constats_ioc_version - CONSTATS_IOC_VERSION
 * @size: sizeof(struct constats_ioc_version)
 * @version: out: CONSTATS_ABI_VERSION
 * @features: out: CONSTATS_FEATURE_* bits this kernel supports
 * @max_counters: out: most counters in one set
 * @name_len: out: bytes in a name field (CONSTATS_NAME_LEN)
 */
struct constats_ioc_version {
	__u32 size;
	__u32 version;
	__u64 features;
	__u32 max_counters;
	__u32 name_len;
};

/* Snapshots carry a generation number and a CLOCK_MONOTONIC timestamp. */
#define CONSTATS_FEATURE_SNAPSHOT	0x1ULL
/* CONSTATS_IOC_INVARIANTS is served. */
#define CONSTATS_FEATURE_INVARIANTS	0x2ULL
/* CONSTATS_IOC_SNAPSHOT_SETS is served: many sets for one barrier. */
#define CONSTATS_FEATURE_SNAPSHOT_SETS	0x4ULL

/**
 * struct constats_ioc_set_info - one entry of CONSTATS_IOC_LIST
 * @id: the set's id; valid while the set lives, never reused
 * @nr_counters: counters in the set
 * @name: the set's name, NUL-terminated, zero-padded
 */
struct constats_ioc_set_info {
	__u32 id;
	__u32 nr_counters;
	char name[CONSTATS_NAME_LEN];
};

/**
 * struct constats_ioc_list - CONSTATS_IOC_LIST: enumerate the sets
 * @size: sizeof(struct constats_ioc_list)
 * @flags: must be 0
 * @sets: pointer to an array of struct constats_ioc_set_info, in creation
 *	  order; may be 0 when @nr_sets is 0, to ask for the count
 * @nr_sets: in: entries @sets has room for; out: sets that exist
 * @reserved: must be 0
 */
struct constats_ioc_list {
	__u32 size;
	__u32 flags;
	__u64 sets;
	__u32 nr_sets;
	__u32 reserved;
};

/**
 * struct constats_ioc_names - CONSTATS_IOC_NAMES: a set's counter names
 * @size: sizeof(struct constats_ioc_names)
 * @flags: must be 0
 * @id: the set's id from CONSTATS_IOC_LIST
 * @nr_counters: in: names @names has room for; out: counters in the set
 * @names: pointer to char[@nr_counters][CONSTATS_NAME_LEN], filled in
 *	   counter index order; may be 0 when @nr_counters is 0
 */
struct constats_ioc_names {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 nr_counters;
	__u64 names;
};

/**
 * struct constats_ioc_snapshot - CONSTATS_IOC_SNAPSHOT: one consistent
 *	snapshot of a set, as constats_read() takes it
 * @size: sizeof(struct constats_ioc_snapshot)
 * @flags: must be 0
 * @id: the set's id from CONSTATS_IOC_LIST
 * @nr_counters: in: values @values has room for; out: counters in the set
 * @values: pointer to __s64[@nr_counters], filled in counter index order
 * @generation: out: the snapshot's number, strictly increasing per set
 *	(concurrent callers may share a snapshot, and its number)
 * @timestamp_ns: out: CLOCK_MONOTONIC time the snapshot was taken, in ns
 */
struct constats_ioc_snapshot {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 nr_counters;
	__u64 values;
	__u64 generation;
	__u64 timestamp_ns;
};

/**
 * struct constats_ioc_invariants - CONSTATS_IOC_INVARIANTS: the invariants
 *	declared on a set, which the kernel checks on its every snapshot
 * @size: sizeof(struct constats_ioc_invariants)
 * @flags: must be 0
 * @id: the set's id from CONSTATS_IOC_LIST
 * @nr_invariants: in: texts @invariants has room for; out: invariants the
 *		   set has
 * @invariants: pointer to char[@nr_invariants][CONSTATS_INVARIANT_LEN],
 *		filled in declaration order with each invariant's text, e.g.
 *		"live == forks - exits"; may be 0 when @nr_invariants is 0
 */
struct constats_ioc_invariants {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 nr_invariants;
	__u64 invariants;
};

/**
 * struct constats_ioc_snapshot_entry - one set of CONSTATS_IOC_SNAPSHOT_SETS
 * @id: in: the set's id from CONSTATS_IOC_LIST
 * @nr_counters: in: values @values has room for; out: counters in the set
 * @values: pointer to __s64[@nr_counters], filled in counter index order
 * @generation: out: the set's snapshot number, as CONSTATS_IOC_SNAPSHOT's
 * @error: out: 0, or a positive errno for this entry alone, which leaves
 *	   its @values untouched: ENOENT (no set with that id), ENOSPC
 *	   (@nr_counters too small; it is set to the count needed)
 * @reserved: must be 0
 */
struct constats_ioc_snapshot_entry {
	__u32 id;
	__u32 nr_counters;
	__u64 values;
	__u64 generation;
	__u32 error;
	__u32 reserved;
};

/* Most entries in one CONSTATS_IOC_SNAPSHOT_SETS call. */
#define CONSTATS_SNAPSHOT_SETS_MAX	65536
/* Most counters, over all its entries' sets, in one such call. */
#define CONSTATS_SNAPSHOT_SETS_VALUES_MAX	1048576
/* Largest entry_size accepted (E2BIG beyond). */
#define CONSTATS_SNAPSHOT_ENTRY_MAX	4096

/**
 * struct constats_ioc_snapshot_sets - CONSTATS_IOC_SNAPSHOT_SETS: snapshots
 *	of many sets, taken together behind one barrier
 * @size: sizeof(struct constats_ioc_snapshot_sets)
 * @flags: must be 0
 * @entries: pointer to struct constats_ioc_snapshot_entry[@nr_entries]
 * @nr_entries: entries at @entries, 1 to CONSTATS_SNAPSHOT_SETS_MAX
 * @entry_size: sizeof(struct constats_ioc_snapshot_entry) the caller was
 *		built with, versioned as @size is (at least
 *		CONSTATS_IOC_SNAPSHOT_ENTRY_SIZE_VER0)
 * @timestamp_ns: out: CLOCK_MONOTONIC time the snapshots were taken, in ns
 *
 * Each entry is what CONSTATS_IOC_SNAPSHOT would give for its set, and the
 * call's promises are the same for every set in it; the sets' snapshots
 * are taken at one moment, so they share one barrier.  An entry's own
 * error (@error) does not fail the call.  The call fails with E2BIG if
 * @entry_size exceeds CONSTATS_SNAPSHOT_ENTRY_MAX, or if the sets of its
 * entries hold more than CONSTATS_SNAPSHOT_SETS_VALUES_MAX counters in all
 * (a set named twice counts twice): split such a call.
 */
struct constats_ioc_snapshot_sets {
	__u32 size;
	__u32 flags;
	__u64 entries;
	__u32 nr_entries;
	__u32 entry_size;
	__u64 timestamp_ns;
};

#define CONSTATS_IOC_VERSION_SIZE_VER0	24
#define CONSTATS_IOC_LIST_SIZE_VER0	24
#define CONSTATS_IOC_NAMES_SIZE_VER0	24
#define CONSTATS_IOC_SNAPSHOT_SIZE_VER0	40
#define CONSTATS_IOC_INVARIANTS_SIZE_VER0	24
#define CONSTATS_IOC_SNAPSHOT_SETS_SIZE_VER0	32
#define CONSTATS_IOC_SNAPSHOT_ENTRY_SIZE_VER0	32

#define CONSTATS_IOC_VERSION	_IOWR(CONSTATS_IOC_MAGIC, 0x00, struct constats_ioc_version)
#define CONSTATS_IOC_LIST	_IOWR(CONSTATS_IOC_MAGIC, 0x01, struct constats_ioc_list)
#define CONSTATS_IOC_NAMES	_IOWR(CONSTATS_IOC_MAGIC, 0x02, struct constats_ioc_names)
#define CONSTATS_IOC_SNAPSHOT	_IOWR(CONSTATS_IOC_MAGIC, 0x03, struct constats_ioc_snapshot)
#define CONSTATS_IOC_INVARIANTS	_IOWR(CONSTATS_IOC_MAGIC, 0x04, struct constats_ioc_invariants)
#define CONSTATS_IOC_SNAPSHOT_SETS	\
	_IOWR(CONSTATS_IOC_MAGIC, 0x05, struct constats_ioc_snapshot_sets)

#endif /* _UAPI_LINUX_CONSTATS_H */
