// SPDX-License-Identifier: GPL-2.0
/*
 * Declared invariants: linear relations between a set's counters, parsed
 * once when declared and checked against every snapshot of the set.
 *
 *	invariant := left op right
 *	left      := right := ['-'] term { ('+' | '-') term }
 *	term      := [integer '*'] counter | integer
 *	op        := '==' | '!=' | '<=' | '>=' | '<' | '>'
 *
 * e.g. "acct0 + acct1 + acct2 == 0", "exits <= entries",
 * "live == forks - exits".  Each is stored as sum(coef[i] * v[i]) + k op 0.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "constats_internal.h"

enum constats_op { OP_EQ, OP_NE, OP_LE, OP_GE, OP_LT, OP_GT };

struct constats_invariant {
	enum constats_op op;
	s64 k;
	char text[CONSTATS_INVARIANT_MAX];
	s64 coef[];
};

struct constats_parse {
	const char *text, *p;
	struct constats *set;
	struct constats_invariant *inv;
	const char *err;
};

static void constats_skip_space(struct constats_parse *ps)
{
	while (isspace(*ps->p))
		ps->p++;
}

static bool constats_parse_u64(struct constats_parse *ps, s64 *v)
{
	s64 n = 0;

	if (!isdigit(*ps->p))
		return false;
	while (isdigit(*ps->p)) {
		if (check_mul_overflow(n, (s64)10, &n) ||
		    check_add_overflow(n, (s64)(*ps->p - '0'), &n)) {
			ps->err = "number too large";
			return false;
		}
		ps->p++;
	}
	*v = n;
	return true;
}

/* One term, added to the invariant with @sign; false with ps->err set. */
static bool constats_parse_term(struct constats_parse *ps, s64 sign)
{
	char name[CONSTATS_NAME_MAX + 1];
	s64 factor = 1;
	unsigned int i, len = 0;

	constats_skip_space(ps);
	if (isdigit(*ps->p)) {
		if (!constats_parse_u64(ps, &factor))
			goto bad;
		constats_skip_space(ps);
		if (*ps->p != '*') {
			ps->inv->k += sign * factor;
			return true;
		}
		ps->p++;
		constats_skip_space(ps);
	}
	while (islower(*ps->p) || isdigit(*ps->p) || *ps->p == '_') {
		if (len == CONSTATS_NAME_MAX) {
			ps->err = "counter name too long";
			goto bad;
		}
		name[len++] = *ps->p++;
	}
	name[len] = '\0';
	if (!len) {
		ps->err = "expected a counter or a number";
		goto bad;
	}
	for (i = 0; i < ps->set->nr_counters; i++)
		if (!strcmp(constats_counter_name(ps->set, i), name))
			break;
	if (i == ps->set->nr_counters) {
		ps->err = "no such counter";
		ps->p -= len;
		goto bad;
	}
	ps->inv->coef[i] += sign * factor;
	return true;
bad:
	if (!ps->err)
		ps->err = "bad number";
	return false;
}

/* A sum of terms; @sign is +1 left of the operator, -1 right of it. */
static bool constats_parse_sum(struct constats_parse *ps, s64 sign)
{
	s64 s = sign;

	constats_skip_space(ps);
	if (*ps->p == '-') {
		s = -sign;
		ps->p++;
	}
	for (;;) {
		if (!constats_parse_term(ps, s))
			return false;
		constats_skip_space(ps);
		if (*ps->p == '+')
			s = sign;
		else if (*ps->p == '-')
			s = -sign;
		else
			return true;
		ps->p++;
	}
}

static bool constats_parse_op(struct constats_parse *ps)
{
	static const struct { const char *s; enum constats_op op; } ops[] = {
		{ "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE },
		{ ">=", OP_GE }, { "<", OP_LT }, { ">", OP_GT },
	};
	unsigned int i;

	constats_skip_space(ps);
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		size_t n = strlen(ops[i].s);

		if (!strncmp(ps->p, ops[i].s, n)) {
			ps->inv->op = ops[i].op;
			ps->p += n;
			return true;
		}
	}
	ps->err = "expected ==, !=, <=, >=, < or >";
	return false;
}

/**
 * constats_declare() - declare an invariant that every snapshot must hold
 * @set: counter set
 * @expr: a linear relation between counters, e.g. "exits <= entries" or
 *	  "acct0 + acct1 - 2 * acct2 == 0" (see constats_invariant.c)
 *
 * The expression is parsed and checked against the set's counter names now;
 * from then on every snapshot (constats_read(), /proc/constats, the ioctl)
 * is checked against it.  A violation is counted in the "constats" set's
 * invariant_violations and reported once per set in the kernel log.
 *
 * Context: Process context; sleeps.
 * Return: 0, -EINVAL for a malformed expression (with a pr_err() saying
 * where), -ENOSPC if the set has CONSTATS_MAX_INVARIANTS already, or
 * -ENOMEM.
 */
int constats_declare(struct constats *set, const char *expr)
{
	struct constats_parse ps = { .text = expr, .p = expr, .set = set };
	int ret;

	might_sleep();
	if (!set || !expr || strlen(expr) >= CONSTATS_INVARIANT_MAX)
		return -EINVAL;
	ps.inv = kzalloc(struct_size(ps.inv, coef, set->nr_counters),
			 GFP_KERNEL);
	if (!ps.inv)
		return -ENOMEM;
	strscpy(ps.inv->text, expr, sizeof(ps.inv->text));

	if (!constats_parse_sum(&ps, 1) || !constats_parse_op(&ps) ||
	    !constats_parse_sum(&ps, -1)) {
		ret = -EINVAL;
		goto err;
	}
	constats_skip_space(&ps);
	if (*ps.p) {
		ps.err = "unexpected text";
		ret = -EINVAL;
		goto err;
	}
	ret = constats_add_invariant(set, ps.inv);
	if (ret)
		goto err_free;
	return 0;

err:
	pr_err("set %s: invariant \"%s\": %s at column %td\n",
	       constats_name(set), expr, ps.err, ps.p - expr + 1);
err_free:
	kfree(ps.inv);
	return ret;
}
EXPORT_SYMBOL_GPL(constats_declare);

/* Does the snapshot @v satisfy @inv? */
bool constats_invariant_holds(const struct constats_invariant *inv,
			      const s64 *v, unsigned int nr)
{
	s64 sum = inv->k;
	unsigned int i;

	for (i = 0; i < nr; i++)
		sum += inv->coef[i] * v[i];
	switch (inv->op) {
	case OP_EQ: return sum == 0;
	case OP_NE: return sum != 0;
	case OP_LE: return sum <= 0;
	case OP_GE: return sum >= 0;
	case OP_LT: return sum < 0;
	default:    return sum > 0;
	}
}

const char *constats_invariant_text(const struct constats_invariant *inv)
{
	return inv->text;
}

void constats_invariant_free(struct constats_invariant *inv)
{
	kfree(inv);
}
