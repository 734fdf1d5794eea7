// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/constats: one line per counter, "<set> <counter> <value>", sets in
 * creation order.  All lines of a set come from one snapshot.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/stat.h>

#include "constats_internal.h"

static ushort proc_mode = 0444;
module_param(proc_mode, ushort, 0444);
MODULE_PARM_DESC(proc_mode,
		 "Mode of /proc/constats; read bits only (default 0444)");

static struct proc_dir_entry *constats_proc_entry;

struct constats_proc_buf {
	s64 values[CONSTATS_MAX_COUNTERS];
};

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

static int constats_proc_show(struct seq_file *m, void *v)
{
	struct constats_proc_buf *buf = m->private;
	struct constats *set = v;
	const char *name = constats_name(set);
	int i, n;

	n = constats_read(set, buf->values, CONSTATS_MAX_COUNTERS, NULL);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		seq_printf(m, "%s %s %lld\n", name,
			   constats_counter_name(set, i), buf->values[i]);
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
	return seq_open_private(file, &constats_proc_seq_ops,
				sizeof(struct constats_proc_buf));
}

static const struct proc_ops constats_proc_ops = {
	.proc_open    = constats_proc_open,
	.proc_read    = seq_read,
	.proc_lseek   = seq_lseek,
	.proc_release = seq_release_private,
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
