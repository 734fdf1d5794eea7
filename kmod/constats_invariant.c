// SPDX-License-Identifier: GPL-2.0
/*
 * Declared invariants: linear relations between a set's counters, parsed
 * once when declared (constats_expr.c) and checked against every snapshot
 * of the set by the core.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "constats_expr.h"
#include "constats_internal.h"

struct constats_invariant {
	struct constats_expr expr;
	char text[CONSTATS_INVARIANT_MAX + 1];
	s64 coef[];
};

static int constats_lookup(void *ctx, const char *name, size_t len)
{
	struct constats *set = ctx;
	unsigned int i;

	for (i = 0; i < set->nr_counters; i++) {
		const char *c = constats_counter_name(set, i);

		if (strlen(c) == len && !memcmp(c, name, len))
			return i;
	}
	return -1;
}

/**
 * constats_declare() - declare an invariant that every snapshot must hold
 * @set: counter set
 * @expr: a linear relation between counters, e.g. "exits <= entries" or
 *	  "acct0 + acct1 - 2 * acct2 == 0" (see constats_expr.h), at most
 *	  %CONSTATS_INVARIANT_MAX characters
 *
 * The expression is parsed and checked against the set's counter names now;
 * from then on every snapshot (constats_read(), /proc/constats, the ioctl)
 * is checked against it.  A violation is counted in the "constats" set's
 * invariant_violations and reported once per set in the kernel log.
 *
 * Context: Process context; sleeps.
 * Return: 0; -EINVAL for a NULL @set or @expr, an @expr that is too long,
 * or a malformed one (with a pr_err() saying where); -ENOSPC if the set
 * has %CONSTATS_MAX_INVARIANTS already; or -ENOMEM.
 */
int constats_declare(struct constats *set, const char *expr)
{
	struct constats_invariant *inv;
	const char *err;
	size_t col;
	int ret;

	might_sleep();
	if (!set || !expr ||
	    strnlen(expr, CONSTATS_INVARIANT_MAX + 1) > CONSTATS_INVARIANT_MAX)
		return -EINVAL;
	inv = kzalloc(struct_size(inv, coef, set->nr_counters), GFP_KERNEL);
	if (!inv)
		return -ENOMEM;
	strscpy(inv->text, expr, sizeof(inv->text));
	inv->expr.nr = set->nr_counters;
	inv->expr.coef = inv->coef;

	err = constats_expr_parse(&inv->expr, expr, constats_lookup, set, &col);
	if (err) {
		pr_err("set %s: invariant \"%s\": %s at column %zu\n",
		       constats_name(set), expr, err, col);
		ret = -EINVAL;
		goto err_free;
	}
	ret = constats_add_invariant(set, inv);
	if (ret)
		goto err_free;
	return 0;

err_free:
	kfree(inv);
	return ret;
}
EXPORT_SYMBOL_GPL(constats_declare);

/* Does the snapshot @v satisfy @inv? */
bool constats_invariant_holds(const struct constats_invariant *inv,
			      const s64 *v)
{
	return constats_expr_holds(&inv->expr, v);
}

const char *constats_invariant_text(const struct constats_invariant *inv)
{
	return inv->text;
}

void constats_invariant_free(struct constats_invariant *inv)
{
	kfree(inv);
}
