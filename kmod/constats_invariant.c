// SPDX-License-Identifier: GPL-2.0
/*
 * Declared invariants: linear relations between a set's counters, parsed
 * once when declared (constats_expr.c) and checked against every snapshot
 * of the set by the core.  A leaf: it knows counter names, not sets.
 */
#include <linux/err.h>
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

/*
 * Parse @expr over @nr counters, whose indices @lookup finds by name.  On a
 * malformed @expr, returns ERR_PTR(-EINVAL) with *@err and *@col saying
 * what and where.
 */
struct constats_invariant *
constats_invariant_parse(const char *expr, unsigned int nr,
			 int (*lookup)(void *ctx, const char *name, size_t len),
			 void *ctx, const char **err, size_t *col)
{
	struct constats_invariant *inv;

	*err = NULL;
	if (strnlen(expr, CONSTATS_INVARIANT_MAX + 1) > CONSTATS_INVARIANT_MAX)
		return ERR_PTR(-EINVAL);
	inv = kzalloc(struct_size(inv, coef, nr), GFP_KERNEL);
	if (!inv)
		return ERR_PTR(-ENOMEM);
	strscpy(inv->text, expr, sizeof(inv->text));
	inv->expr.nr = nr;
	inv->expr.coef = inv->coef;

	*err = constats_expr_parse(&inv->expr, expr, lookup, ctx, col);
	if (*err) {
		kfree(inv);
		return ERR_PTR(-EINVAL);
	}
	return inv;
}

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
