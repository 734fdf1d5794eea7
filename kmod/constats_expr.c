// SPDX-License-Identifier: GPL-2.0
/* Parse and evaluate declared invariants; see constats_expr.h. */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/string.h>
#else
#include <string.h>
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)
#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#endif

#include "constats_expr.h"

struct constats_expr_parser {
	const char *p;
	struct constats_expr *e;
	constats_expr_lookup_t lookup;
	void *ctx;
	const char *err;
};

/* ASCII only, whatever the locale: the kernel and user space agree. */
static bool constats_expr_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void constats_expr_space(struct constats_expr_parser *ps)
{
	while (*ps->p == ' ' || (*ps->p >= '\t' && *ps->p <= '\r'))
		ps->p++;
}

/* *@sum += @sign * @v, refusing what does not fit. */
static bool constats_expr_accumulate(struct constats_expr_parser *ps,
				     s64 *sum, s64 sign, s64 v)
{
	if (check_add_overflow(*sum, sign * v, sum)) {
		ps->err = "number too large";
		return false;
	}
	return true;
}

static bool constats_expr_number(struct constats_expr_parser *ps, s64 *v)
{
	s64 n = 0;

	while (constats_expr_digit(*ps->p)) {
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

/* One term, added with @sign; false with ps->err set. */
static bool constats_expr_term(struct constats_expr_parser *ps, s64 sign)
{
	const char *name;
	s64 factor = 1;
	int i;

	constats_expr_space(ps);
	if (constats_expr_digit(*ps->p)) {
		if (!constats_expr_number(ps, &factor))
			return false;
		constats_expr_space(ps);
		if (*ps->p != '*')
			return constats_expr_accumulate(ps, &ps->e->k, sign,
							factor);
		ps->p++;
		constats_expr_space(ps);
	}
	name = ps->p;
	while (constats_name_char(*ps->p))
		ps->p++;
	if (ps->p == name) {
		ps->err = "expected a counter or a number";
		return false;
	}
	i = ps->lookup(ps->ctx, name, ps->p - name);
	if (i < 0 || (unsigned int)i >= ps->e->nr) {
		ps->err = "no such counter";
		ps->p = name;
		return false;
	}
	return constats_expr_accumulate(ps, &ps->e->coef[i], sign, factor);
}

/* A sum of terms; @sign is +1 left of the operator, -1 right of it. */
static bool constats_expr_sum(struct constats_expr_parser *ps, s64 sign)
{
	s64 s = sign;

	constats_expr_space(ps);
	if (*ps->p == '-') {
		s = -sign;
		ps->p++;
	}
	for (;;) {
		if (!constats_expr_term(ps, s))
			return false;
		constats_expr_space(ps);
		if (*ps->p == '+')
			s = sign;
		else if (*ps->p == '-')
			s = -sign;
		else
			return true;
		ps->p++;
	}
}

static bool constats_expr_op(struct constats_expr_parser *ps)
{
	static const struct {
		char s[3];
		enum constats_expr_op op;
	} ops[] = {
		{ "==", CONSTATS_EXPR_EQ }, { "!=", CONSTATS_EXPR_NE },
		{ "<=", CONSTATS_EXPR_LE }, { ">=", CONSTATS_EXPR_GE },
		{ "<", CONSTATS_EXPR_LT }, { ">", CONSTATS_EXPR_GT },
	};
	size_t i;

	constats_expr_space(ps);
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		size_t n = strlen(ops[i].s);

		if (!strncmp(ps->p, ops[i].s, n)) {
			ps->e->op = ops[i].op;
			ps->p += n;
			return true;
		}
	}
	ps->err = "expected ==, !=, <=, >=, < or >";
	return false;
}

/**
 * constats_expr_parse() - parse an invariant
 * @e: result; @e->nr set and @e->coef zeroed by the caller
 * @text: the invariant
 * @lookup: maps a counter name to its index
 * @ctx: passed to @lookup
 * @col: on error, the 1-based column where it was found
 *
 * Return: NULL on success, else what is wrong, as a static string.
 */
const char *constats_expr_parse(struct constats_expr *e, const char *text,
				constats_expr_lookup_t lookup, void *ctx,
				size_t *col)
{
	struct constats_expr_parser ps = {
		.p = text, .e = e, .lookup = lookup, .ctx = ctx,
	};

	e->k = 0;
	if (constats_expr_sum(&ps, 1) && constats_expr_op(&ps) &&
	    constats_expr_sum(&ps, -1)) {
		constats_expr_space(&ps);
		if (!*ps.p)
			return NULL;
		ps.err = "unexpected text";
	}
	*col = ps.p - text + 1;
	return ps.err;
}

/**
 * constats_expr_holds() - evaluate an invariant
 * @e: the invariant
 * @v: one value per counter
 *
 * Return: whether @v satisfies @e.  Arithmetic wraps as two's complement,
 * like the counters themselves.
 */
bool constats_expr_holds(const struct constats_expr *e, const s64 *v)
{
	unsigned long long sum = e->k;
	unsigned int i;

	for (i = 0; i < e->nr; i++)
		sum += (unsigned long long)e->coef[i] * v[i];
	switch (e->op) {
	case CONSTATS_EXPR_EQ:
		return (s64)sum == 0;
	case CONSTATS_EXPR_NE:
		return (s64)sum != 0;
	case CONSTATS_EXPR_LE:
		return (s64)sum <= 0;
	case CONSTATS_EXPR_GE:
		return (s64)sum >= 0;
	case CONSTATS_EXPR_LT:
		return (s64)sum < 0;
	default:
		return (s64)sum > 0;
	}
}
