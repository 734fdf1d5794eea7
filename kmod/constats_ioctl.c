// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl ABI of /proc/constats (uapi/linux/constats.h): version, the list
 * of sets, a set's counter names, a consistent snapshot of a set, and the
 * invariants declared on it.
 *
 * Each command copies its struct in with copy_struct_from_user() against the
 * caller's @size, validates it fully, does its work into kernel buffers with
 * the registry locked or the sets it reads held (so no set goes away
 * underneath), and only then copies out.  A call that fails writes nothing
 * to user space, except ENOSPC, which reports the count needed in the
 * struct.
 *
 * Snapshots taken for a caller without CAP_PERFMON (or CAP_SYS_ADMIN) use
 * CONSTATS_READ_SHARED: whatever unprivileged users do, they share paced
 * rounds and interrupt no CPU.
 */
#include <linux/build_bug.h>
#include <linux/capability.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include <uapi/linux/constats.h>

#include "constats_internal.h"

/* Copy in a struct whose first field is its __u32 size. */
static int constats_copy_in(void *karg, size_t ksize, size_t ver0,
			    void __user *uarg, u32 *usize)
{
	u32 size;
	int ret;

	if (get_user(size, (u32 __user *)uarg))
		return -EFAULT;
	if (size < ver0)
		return -EINVAL;
	ret = copy_struct_from_user(karg, ksize, uarg, size);
	if (ret)
		return ret;
	*usize = size;
	return 0;
}

static int constats_copy_out(void __user *uarg, const void *karg,
			     size_t ksize, u32 usize)
{
	return copy_to_user(uarg, karg, min_t(size_t, ksize, usize)) ?
	       -EFAULT : 0;
}

static long constats_ioc_version(void __user *uarg)
{
	struct constats_ioc_version k;
	u32 usize;
	int ret;

	ret = constats_copy_in(&k, sizeof(k), CONSTATS_IOC_VERSION_SIZE_VER0,
			       uarg, &usize);
	if (ret)
		return ret;
	k.version = CONSTATS_ABI_VERSION;
	k.features = CONSTATS_FEATURE_SNAPSHOT | CONSTATS_FEATURE_INVARIANTS |
		     CONSTATS_FEATURE_SNAPSHOT_SETS;
	k.max_counters = CONSTATS_MAX_COUNTERS;
	k.name_len = CONSTATS_NAME_LEN;
	return constats_copy_out(uarg, &k, sizeof(k), usize);
}

/*
 * Room check for the commands that fill an array: @room entries at @ptr
 * for @needed.  Asking with no buffer at all is how callers learn @needed:
 * it returns 1, and nothing but the struct is written.
 */
static int constats_room(u64 ptr, u32 room, u32 needed)
{
	if (!ptr && !room)
		return 1;
	return room < needed ? -ENOSPC : 0;
}

/*
 * With the registry locked: the set called @id, its counter count in *@n,
 * and in *@ret the room check of a buffer of @room counters at @ptr, or
 * -ENOENT (and NULL) if there is no such set.
 */
static struct constats *constats_find_room(u32 id, u64 ptr, u32 room, u32 *n,
					   int *ret)
{
	struct constats *set = constats_registry_find(id);

	*n = set ? set->nr_counters : 0;
	*ret = set ? constats_room(ptr, room, *n) : -ENOENT;
	return set;
}

/*
 * Finish a command whose work ended with @ret: on success (0) copy @len
 * bytes of @buf to @ptr, then the struct; on ENOSPC copy only the struct,
 * which carries the count needed; on any other error copy nothing.
 */
static int constats_finish(void __user *uarg, const void *karg, size_t ksize,
			   u32 usize, int ret, u64 ptr, const void *buf,
			   size_t len)
{
	if (ret == -ENOSPC)
		return constats_copy_out(uarg, karg, ksize, usize) ?: -ENOSPC;
	if (ret < 0)
		return ret;
	if (ret == 0 && copy_to_user(u64_to_user_ptr(ptr), buf, len))
		return -EFAULT;
	return constats_copy_out(uarg, karg, ksize, usize);
}

static long constats_ioc_list(void __user *uarg)
{
	struct constats_ioc_set_info *info = NULL;
	struct constats_ioc_list k;
	struct constats *set;
	u32 usize, n = 0, i = 0;
	int ret;

	ret = constats_copy_in(&k, sizeof(k), CONSTATS_IOC_LIST_SIZE_VER0,
			       uarg, &usize);
	if (ret)
		return ret;
	if (k.flags || k.reserved)
		return -EINVAL;

	constats_registry_lock();
	for (set = constats_registry_next(NULL); set;
	     set = constats_registry_next(set))
		n++;
	ret = constats_room(k.sets, k.nr_sets, n);
	if (ret == 0) {
		info = kvcalloc(n, sizeof(*info), GFP_KERNEL);
		if (!info)
			ret = -ENOMEM;
	}
	for (set = ret ? NULL : constats_registry_next(NULL); set;
	     set = constats_registry_next(set), i++) {
		info[i].id = constats_id(set);
		info[i].nr_counters = set->nr_counters;
		strscpy(info[i].name, constats_name(set), sizeof(info[i].name));
	}
	constats_registry_unlock();

	k.nr_sets = n;
	ret = constats_finish(uarg, &k, sizeof(k), usize, ret, k.sets, info,
			      n * sizeof(*info));
	kvfree(info);
	return ret;
}

static long constats_ioc_names(void __user *uarg)
{
	char (*names)[CONSTATS_NAME_LEN] = NULL;
	struct constats_ioc_names k;
	struct constats *set;
	u32 usize, i, n = 0;
	int ret;

	ret = constats_copy_in(&k, sizeof(k), CONSTATS_IOC_NAMES_SIZE_VER0,
			       uarg, &usize);
	if (ret)
		return ret;
	if (k.flags)
		return -EINVAL;

	constats_registry_lock();
	set = constats_find_room(k.id, k.names, k.nr_counters, &n, &ret);
	if (ret == 0) {
		names = kcalloc(n, sizeof(*names), GFP_KERNEL);
		if (!names)
			ret = -ENOMEM;
	}
	for (i = 0; names && i < n; i++)
		strscpy(names[i], constats_counter_name(set, i),
			sizeof(names[i]));
	constats_registry_unlock();

	k.nr_counters = n;
	ret = constats_finish(uarg, &k, sizeof(k), usize, ret, k.names, names,
			      n * sizeof(*names));
	kfree(names);
	return ret;
}

/* How the caller's snapshots are read: see the top of this file. */
unsigned int constats_read_flags(void)
{
	return perfmon_capable() ? 0 : CONSTATS_READ_SHARED;
}

static long constats_ioc_snapshot(void __user *uarg)
{
	struct constats_snapshot snap = {};
	struct constats_ioc_snapshot k;
	s64 *values;
	u32 usize, n = 0;
	int ret;

	ret = constats_copy_in(&k, sizeof(k), CONSTATS_IOC_SNAPSHOT_SIZE_VER0,
			       uarg, &usize);
	if (ret)
		return ret;
	if (k.flags)
		return -EINVAL;
	k.generation = 0;
	k.timestamp_ns = 0;
	/* Before the registry lock: no set is larger than this. */
	values = kmalloc_array(CONSTATS_MAX_COUNTERS, sizeof(*values),
			       GFP_KERNEL);
	if (!values)
		return -ENOMEM;

	/* Held, not locked, while it waits: creates and destroys go on. */
	constats_registry_lock();
	snap.set = constats_find_room(k.id, k.values, k.nr_counters, &n, &ret);
	if (ret == 0)
		constats_hold(snap.set);
	constats_registry_unlock();
	if (ret == 0) {
		snap.values = values;
		snap.nr = n;
		ret = constats_read_sets(&snap, 1, constats_read_flags());
		constats_unhold(snap.set);
		k.generation = snap.generation;
		k.timestamp_ns = snap.stamp_ns;
	}

	k.nr_counters = n;
	ret = constats_finish(uarg, &k, sizeof(k), usize, ret, k.values, values,
			      n * sizeof(*values));
	kfree(values);
	return ret;
}

/*
 * CONSTATS_IOC_SNAPSHOT_SETS: every entry's set is found and held first,
 * then all are read behind one barrier, then each entry is written back.
 * Entry errors (ENOENT, ENOSPC) are the entry's own; an EFAULT on an entry
 * fails the call, and nothing more is written after it.
 */
struct constats_sets_entry {
	struct constats_ioc_snapshot_entry e;
	u32 usize;
	int snap;	/* its index in the snapshots read, or -1 */
};

static int constats_sets_copy_in(struct constats_sets_entry *ents,
				 const struct constats_ioc_snapshot_sets *k)
{
	u8 __user *base = u64_to_user_ptr(k->entries);
	u32 i;
	int ret;

	for (i = 0; i < k->nr_entries; i++) {
		ret = copy_struct_from_user(&ents[i].e, sizeof(ents[i].e),
					    base + (size_t)i * k->entry_size,
					    k->entry_size);
		if (ret)
			return ret;
		if (ents[i].e.reserved)
			return -EINVAL;
		ents[i].usize = k->entry_size;
	}
	return 0;
}

static long constats_ioc_snapshot_sets(void __user *uarg)
{
	struct constats_ioc_snapshot_sets k;
	struct constats_sets_entry *ents = NULL;
	struct constats_snapshot *snaps = NULL;
	unsigned int nsnap = 0, j;
	s64 *values = NULL;
	size_t nvalues = 0;
	u8 __user *base;
	u32 usize, i;
	int ret;

	ret = constats_copy_in(&k, sizeof(k),
			       CONSTATS_IOC_SNAPSHOT_SETS_SIZE_VER0, uarg,
			       &usize);
	if (ret)
		return ret;
	if (k.flags || !k.nr_entries ||
	    k.nr_entries > CONSTATS_SNAPSHOT_SETS_MAX ||
	    k.entry_size < CONSTATS_IOC_SNAPSHOT_ENTRY_SIZE_VER0)
		return -EINVAL;
	/* An entry may grow, but not so far that checking its tail is work. */
	if (k.entry_size > CONSTATS_SNAPSHOT_ENTRY_MAX)
		return -E2BIG;
	base = u64_to_user_ptr(k.entries);
	k.timestamp_ns = 0;

	ents = kvcalloc(k.nr_entries, sizeof(*ents), GFP_KERNEL);
	snaps = kvcalloc(k.nr_entries, sizeof(*snaps), GFP_KERNEL);
	ret = -ENOMEM;
	if (!ents || !snaps)
		goto out;
	ret = constats_sets_copy_in(ents, &k);
	if (ret)
		goto out;

	/* Find and hold each set; size one buffer for all their values. */
	constats_registry_lock();
	for (i = 0; i < k.nr_entries; i++) {
		struct constats_ioc_snapshot_entry *e = &ents[i].e;
		struct constats *set;
		u32 n;
		int err;

		set = constats_find_room(e->id, e->values, e->nr_counters, &n,
					 &err);
		e->nr_counters = n;
		e->generation = 0;
		e->error = err < 0 ? -err : 0;
		ents[i].snap = -1;
		if (err)	/* ENOENT, ENOSPC, or only asking the count */
			continue;
		ents[i].snap = nsnap;
		/* One buffer holds them all: bound it, whoever calls. */
		if (nvalues + n > CONSTATS_SNAPSHOT_SETS_VALUES_MAX) {
			constats_registry_unlock();
			for (j = 0; j < nsnap; j++)
				constats_unhold(snaps[j].set);
			ret = -E2BIG;
			goto out;
		}
		constats_hold(set);
		snaps[nsnap].set = set;
		snaps[nsnap].nr = n;
		nsnap++;
		nvalues += n;
	}
	constats_registry_unlock();

	ret = 0;
	if (nsnap) {
		values = kvmalloc_array(nvalues, sizeof(*values), GFP_KERNEL);
		if (!values)
			ret = -ENOMEM;
		for (j = 0, nvalues = 0; values && j < nsnap; j++) {
			snaps[j].values = values + nvalues;
			nvalues += snaps[j].nr;
		}
		if (values)
			ret = constats_read_sets(snaps, nsnap,
						 constats_read_flags());
		for (j = 0; j < nsnap; j++)
			constats_unhold(snaps[j].set);
		if (ret)
			goto out;
	}

	/* Write each entry back, and the values of those that were read. */
	for (i = 0; i < k.nr_entries; i++) {
		struct constats_ioc_snapshot_entry *e = &ents[i].e;
		u8 __user *uent = base + (size_t)i * k.entry_size;

		if (ents[i].snap >= 0) {
			struct constats_snapshot *sn = &snaps[ents[i].snap];

			e->generation = sn->generation;
			k.timestamp_ns = max(k.timestamp_ns, sn->stamp_ns);
			if (copy_to_user(u64_to_user_ptr(e->values), sn->values,
					 sn->nr * sizeof(*sn->values))) {
				ret = -EFAULT;
				goto out;
			}
		}
		if (copy_to_user(uent, e, min_t(size_t, sizeof(*e),
						ents[i].usize))) {
			ret = -EFAULT;
			goto out;
		}
	}
	ret = constats_copy_out(uarg, &k, sizeof(k), usize);
out:
	kvfree(values);
	kvfree(snaps);
	kvfree(ents);
	return ret;
}

static long constats_ioc_invariants(void __user *uarg)
{
	char (*texts)[CONSTATS_INVARIANT_LEN];
	struct constats_ioc_invariants k;
	struct constats *set;
	u32 usize, n = 0;
	int ret;

	ret = constats_copy_in(&k, sizeof(k), CONSTATS_IOC_INVARIANTS_SIZE_VER0,
			       uarg, &usize);
	if (ret)
		return ret;
	if (k.flags)
		return -EINVAL;
	/* Zeroed, so the padding after each text leaks nothing. */
	texts = kcalloc(CONSTATS_MAX_INVARIANTS, sizeof(*texts), GFP_KERNEL);
	if (!texts)
		return -ENOMEM;

	constats_registry_lock();
	set = constats_registry_find(k.id);
	if (set) {
		n = constats_invariant_texts(set, texts,
					     CONSTATS_MAX_INVARIANTS);
		ret = constats_room(k.invariants, k.nr_invariants, n);
	} else {
		ret = -ENOENT;
	}
	constats_registry_unlock();

	k.nr_invariants = n;
	ret = constats_finish(uarg, &k, sizeof(k), usize, ret, k.invariants,
			      texts, n * sizeof(*texts));
	kfree(texts);
	return ret;
}

long constats_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	/* The ABI's first versions: only ever grow these, at the end. */
	BUILD_BUG_ON(sizeof(struct constats_ioc_version) !=
		     CONSTATS_IOC_VERSION_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct constats_ioc_list) !=
		     CONSTATS_IOC_LIST_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct constats_ioc_names) !=
		     CONSTATS_IOC_NAMES_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct constats_ioc_snapshot) !=
		     CONSTATS_IOC_SNAPSHOT_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct constats_ioc_invariants) !=
		     CONSTATS_IOC_INVARIANTS_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct constats_ioc_snapshot_sets) !=
		     CONSTATS_IOC_SNAPSHOT_SETS_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct constats_ioc_snapshot_entry) !=
		     CONSTATS_IOC_SNAPSHOT_ENTRY_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct constats_ioc_set_info) != 40);
	BUILD_BUG_ON(CONSTATS_INVARIANT_MAX + 1 != CONSTATS_INVARIANT_LEN);
	BUILD_BUG_ON(CONSTATS_NAME_MAX + 1 != CONSTATS_NAME_LEN);

	/*
	 * The size encoded in @cmd is ignored: the struct's own @size field
	 * says how much the caller passed, so a caller built against a newer,
	 * larger struct still reaches the same command.
	 */
	if (_IOC_TYPE(cmd) != CONSTATS_IOC_MAGIC ||
	    _IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE))
		return -ENOTTY;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(CONSTATS_IOC_VERSION):
		return constats_ioc_version(uarg);
	case _IOC_NR(CONSTATS_IOC_LIST):
		return constats_ioc_list(uarg);
	case _IOC_NR(CONSTATS_IOC_NAMES):
		return constats_ioc_names(uarg);
	case _IOC_NR(CONSTATS_IOC_SNAPSHOT):
		return constats_ioc_snapshot(uarg);
	case _IOC_NR(CONSTATS_IOC_INVARIANTS):
		return constats_ioc_invariants(uarg);
	case _IOC_NR(CONSTATS_IOC_SNAPSHOT_SETS):
		return constats_ioc_snapshot_sets(uarg);
	}
	return -ENOTTY;
}
