/* SPDX-License-Identifier: GPL-2.0 */
/* Interfaces between the parts of constats.ko; not for other modules. */
#ifndef _CONSTATS_INTERNAL_H
#define _CONSTATS_INTERNAL_H

#include <linux/constats.h>

struct file;

/* Counters of the "constats" self-stats set, in index order. */
enum {
	CONSTATS_SELF_SNAPSHOTS,
	CONSTATS_SELF_READER_WAITS,
	CONSTATS_SELF_READER_SPINS,
	CONSTATS_SELF_FALLBACK_BRACKETS,
	CONSTATS_SELF_SETS_CREATED,
	CONSTATS_SELF_SETS_DESTROYED,
	CONSTATS_SELF_SETS_ALIVE,
	CONSTATS_SELF_INVARIANT_VIOLATIONS,
	CONSTATS_SELF_NR
};

struct constats *constats_kunit_self(void);
unsigned int constats_kunit_sync_interval(unsigned int us);

int constats_core_init(void);
void constats_core_exit(void);

int constats_proc_init(void);
void constats_proc_exit(void);

/*
 * The registry of live sets.  Holding its lock keeps every set on it alive,
 * so a reader that walks the registry may snapshot what it finds.
 */
void constats_registry_lock(void);
void constats_registry_unlock(void);
struct constats *constats_registry_next(struct constats *pos);
struct constats *constats_registry_find(u32 id);

u32 constats_id(const struct constats *set);
const char *constats_name(const struct constats *set);
const char *constats_counter_name(const struct constats *set,
				  unsigned int counter);

long constats_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* Declared invariants (constats_invariant.c), a leaf the core calls. */
struct constats_invariant;
struct constats_invariant *
constats_invariant_parse(const char *expr, unsigned int nr,
			 int (*lookup)(void *ctx, const char *name, size_t len),
			 void *ctx, const char **err, size_t *col);
bool constats_invariant_holds(const struct constats_invariant *inv,
			      const s64 *v);
const char *constats_invariant_text(const struct constats_invariant *inv);
void constats_invariant_free(struct constats_invariant *inv);
unsigned int constats_invariant_texts(struct constats *set,
				      char texts[][CONSTATS_INVARIANT_MAX + 1],
				      unsigned int room);

#endif /* _CONSTATS_INTERNAL_H */
