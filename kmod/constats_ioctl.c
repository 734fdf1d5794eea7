// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl ABI of /proc/constats (uapi/linux/constats.h): version, the list
 * of sets, a set's counter names, a consistent snapshot of a set, and the
 * invariants declared on it.
 *
 * Each command copies its struct in with copy_struct_from_user() against the
 * caller's @size, validates it fully, does its work into kernel buffers with
 * the registry locked (so the set cannot go away underneath), and only then
 * copies out.  A call that fails writes nothing to user space, except
 * ENOSPC, which reports the count needed in the struct.
 */
#include <linux/build_bug.h>
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
	k.features = CONSTATS_FEATURE_SNAPSHOT | CONSTATS_FEATURE_INVARIANTS;
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

static long constats_ioc_snapshot(void __user *uarg)
{
	struct constats_ioc_snapshot k;
	struct constats *set;
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

	constats_registry_lock();
	set = constats_find_room(k.id, k.values, k.nr_counters, &n, &ret);
	if (ret == 0) {
		ret = constats_read(set, values, n, &k.generation);
		k.timestamp_ns = ktime_get_ns();
		if (ret > 0)
			ret = 0;
	}
	constats_registry_unlock();

	k.nr_counters = n;
	ret = constats_finish(uarg, &k, sizeof(k), usize, ret, k.values, values,
			      n * sizeof(*values));
	kfree(values);
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
	}
	return -ENOTTY;
}
