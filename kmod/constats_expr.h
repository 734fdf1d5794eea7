/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The language of declared invariants, shared by constats.ko and the
 * constats tool so that both read an invariant the same way:
 *
 *	invariant := lhs op rhs
 *	lhs, rhs  := ['-'] term { ('+' | '-') term }
 *	term      := [integer '*'] counter | integer
 *	op        := '==' | '!=' | '<=' | '>=' | '<' | '>'
 *
 * e.g. "acct0 + acct1 + acct2 == 0", "exits <= entries",
 * "live == forks - exits".  An invariant is kept as
 * sum(coef[i] * v[i]) + k  op  0.
 *
 * Plain C: it builds in the kernel and, without __KERNEL__, in user space.
 */
#ifndef _CONSTATS_EXPR_H
#define _CONSTATS_EXPR_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
typedef long long s64;	/* as the kernel's, on every architecture */
#endif

/* The characters of set and counter names, and so of counters here. */
static inline bool constats_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

enum constats_expr_op {
	CONSTATS_EXPR_EQ, CONSTATS_EXPR_NE, CONSTATS_EXPR_LE,
	CONSTATS_EXPR_GE, CONSTATS_EXPR_LT, CONSTATS_EXPR_GT,
};

/**
 * struct constats_expr - a parsed invariant
 * @op: the relation of the sum to zero
 * @k: the constant term
 * @nr: counters in the set
 * @coef: one coefficient per counter, zeroed by the caller
 */
struct constats_expr {
	enum constats_expr_op op;
	s64 k;
	unsigned int nr;
	s64 *coef;
};

/* The index of the counter named by @len bytes at @name, or -1. */
typedef int (*constats_expr_lookup_t)(void *ctx, const char *name,
				      size_t len);

const char *constats_expr_parse(struct constats_expr *e, const char *text,
				constats_expr_lookup_t lookup, void *ctx,
				size_t *col);
bool constats_expr_holds(const struct constats_expr *e, const s64 *v);

#endif /* _CONSTATS_EXPR_H */
