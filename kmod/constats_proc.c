// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/constats: one line per counter, "<set> <counter> <value>", sets in
 * creation order.  Opening the file snapshots every set behind one
 * barrier (constats_read_sets()); reads print from those snapshots.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bsearch.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stat.h>

#include "constats_internal.h"

static ushort proc_mode = 0444;
module_param(proc_mode, ushort, 0444);
MODULE_PARM_DESC(proc_mode,
		 "Mode of /proc/constats; read bits only (default 0444)");

static struct proc_dir_entry *constats_proc_entry;

/*
 * What one open file shows: every set that existed at open, snapshotted
 * together behind one barrier, sorted by id as the registry is.
 */
struct constats_proc_snap {
	unsigned int n;
	u32 *ids;
	struct constats_snapshot *snaps;
	s64 *values;
};

static void constats_proc_snap_free(struct constats_proc_snap *ps)
{
	if (!ps)
		return;
	kvfree(ps->values);
	kvfree(ps->snaps);
	kvfree(ps->ids);
	kfree(ps);
}

/* Snapshot every set, for the task opening the file. */
static struct constats_proc_snap *constats_proc_snap_take(void)
{
	struct constats_proc_snap *ps;
	struct constats *set;
	size_t nvalues = 0;
	unsigned int i;
	int ret = -ENOMEM;

	ps = kzalloc(sizeof(*ps), GFP_KERNEL);
	if (!ps)
		return ERR_PTR(-ENOMEM);
	constats_registry_lock();
	for (set = constats_registry_next(NULL); set;
	     set = constats_registry_next(set)) {
		ps->n++;
		nvalues += set->nr_counters;
	}
	ps->ids = kvcalloc(ps->n, sizeof(*ps->ids), GFP_KERNEL);
	ps->snaps = kvcalloc(ps->n, sizeof(*ps->snaps), GFP_KERNEL);
	ps->values = kvcalloc(nvalues, sizeof(*ps->values), GFP_KERNEL);
	if (!ps->ids || !ps->snaps || !ps->values) {
		constats_registry_unlock();
		goto err;
	}
	nvalues = 0;
	for (i = 0, set = constats_registry_next(NULL); set;
	     i++, set = constats_registry_next(set)) {
		/* Held, not locked, while it waits: creates go on. */
		constats_hold(set);
		ps->ids[i] = constats_id(set);
		ps->snaps[i].set = set;
		ps->snaps[i].nr = set->nr_counters;
		ps->snaps[i].values = ps->values + nvalues;
		nvalues += set->nr_counters;
	}
	constats_registry_unlock();

	ret = constats_read_sets(ps->snaps, ps->n, constats_read_flags());
	for (i = 0; i < ps->n; i++)
		constats_unhold(ps->snaps[i].set);
	if (ret)
		goto err;
	return ps;
err:
	constats_proc_snap_free(ps);
	return ERR_PTR(ret);
}

/* The registry lock is held from start to stop: sets shown stay alive. */
static void *constats_proc_start(struct seq_file *m, loff_t *pos)
{
	struct constats *set;
	loff_t i = *pos;

	constats_registry_lock();
	for (set = constats_registry_next(NULL); set && i;
	     set = constats_registry_next(set))
		i--;
	return set;
}

static void *constats_proc_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return constats_registry_next(v);
}

static void constats_proc_stop(struct seq_file *m, void *v)
{
	constats_registry_unlock();
}

static int constats_proc_cmp_id(const void *key, const void *elt)
{
	u32 a = *(const u32 *)key, b = *(const u32 *)elt;

	return a < b ? -1 : a > b;
}

/* A set created after the file was opened has no snapshot: not shown. */
static int constats_proc_show(struct seq_file *m, void *v)
{
	struct constats_proc_snap *ps = m->private;
	const struct constats_snapshot *snap;
	struct constats *set = v;
	const char *name = constats_name(set);
	u32 id = constats_id(set);
	unsigned int i;
	u32 *found;

	found = bsearch(&id, ps->ids, ps->n, sizeof(*ps->ids),
			constats_proc_cmp_id);
	if (!found)
		return 0;
	snap = &ps->snaps[found - ps->ids];
	for (i = 0; i < snap->nr; i++)
		seq_printf(m, "%s %s %lld\n", name,
			   constats_counter_name(set, i), snap->values[i]);
	return 0;
}

static const struct seq_operations constats_proc_seq_ops = {
	.start = constats_proc_start,
	.next  = constats_proc_next,
	.stop  = constats_proc_stop,
	.show  = constats_proc_show,
};

static int constats_proc_open(struct inode *inode, struct file *file)
{
	struct constats_proc_snap *ps;
	int ret;

	ps = constats_proc_snap_take();
	if (IS_ERR(ps))
		return PTR_ERR(ps);
	ret = seq_open(file, &constats_proc_seq_ops);
	if (ret) {
		constats_proc_snap_free(ps);
		return ret;
	}
	((struct seq_file *)file->private_data)->private = ps;
	return 0;
}

static int constats_proc_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;

	constats_proc_snap_free(m->private);
	return seq_release(inode, file);
}

static const struct proc_ops constats_proc_ops = {
	.proc_open    = constats_proc_open,
	.proc_read    = seq_read,
	.proc_lseek   = seq_lseek,
	.proc_release = constats_proc_release,
	.proc_ioctl   = constats_ioctl,
#ifdef CONFIG_COMPAT
	/* Every pointer is a __u64 inside the structs: no translation. */
	.proc_compat_ioctl = compat_ptr_ioctl,
#endif
};

int constats_proc_init(void)
{
	if (proc_mode & ~0444) {
		pr_err("proc_mode %#o: only read bits (0444) are allowed\n",
		       proc_mode);
		return -EINVAL;
	}
	constats_proc_entry = proc_create("constats", S_IFREG | proc_mode,
					  NULL, &constats_proc_ops);
	if (!constats_proc_entry)
		return -ENOMEM;
	return 0;
}

void constats_proc_exit(void)
{
	proc_remove(constats_proc_entry);
}
