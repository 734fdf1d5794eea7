// SPDX-License-Identifier: GPL-2.0
/*
 * constats: list, show and watch constats counter sets through the ioctls
 * of /proc/constats.  Every set shown comes from one consistent snapshot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/constats.h>

#include "constats_expr.h"

#define CONSTATS_VERSION	"0.1.0"
#define PROC_PATH		"/proc/constats"

/* Exit statuses, documented in --help. */
enum { EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NOT_LOADED, EXIT_VIOLATED };

static bool json, pretty;

/* A small JSON writer: commas, nesting and (with -p) indentation. */
static int jw_depth;
static bool jw_first = true, jw_after_key;

static void jw_string_raw(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Before a value or key: a comma and a new line, unless it follows a key. */
static void jw_value_prefix(void)
{
	if (jw_after_key) {
		jw_after_key = false;
		return;
	}
	if (!jw_first)
		putchar(',');
	if (pretty && jw_depth)
		printf("\n%*s", 4 * jw_depth, "");
	jw_first = false;
}

static void jw_key(const char *key)
{
	jw_value_prefix();
	jw_string_raw(key);
	printf(pretty ? ": " : ":");
	jw_after_key = true;
}

static void jw_open(char c)
{
	jw_value_prefix();
	putchar(c);
	jw_depth++;
	jw_first = true;
}

static void jw_close(char c)
{
	bool empty = jw_first;

	jw_depth--;
	if (pretty && !empty)
		printf("\n%*s", 4 * jw_depth, "");
	putchar(c);
	jw_first = false;
	if (!jw_depth) {
		putchar('\n');
		jw_first = true;	/* the next document starts afresh */
	}
}

static void jw_string(const char *s)
{
	jw_value_prefix();
	jw_string_raw(s);
}

static void jw_int(long long v)
{
	jw_value_prefix();
	printf("%lld", v);
}

static void jw_uint(unsigned long long v)
{
	jw_value_prefix();
	printf("%llu", v);
}

static void jw_double(double v)
{
	jw_value_prefix();
	printf("%.3f", v);
}

/* Report an error, as {"error": ...} on stdout with -j, and exit. */
static void die(int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(stdout);
	if (json) {
		jw_depth = 0;
		jw_first = true;
		jw_after_key = false;
		jw_open('{');
		jw_key("error");
		jw_string(msg);
		jw_close('}');
	} else {
		fprintf(stderr, "constats: %s\n", msg);
	}
	exit(status);
}

static const char help_text[] =
	"Usage: constats [OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Show constats counter sets.  Every set shown comes from one consistent\n"
	"snapshot: each writer's bracket of updates is in it wholly or not at all.\n"
	"\n"
	"Commands:\n"
	"  list                      sets: id, name, number of counters\n"
	"  show [SET...]             a snapshot of each SET (default: all sets)\n"
	"  watch [-i SECONDS] [-n COUNT] [SET...]\n"
	"                            a report every SECONDS (default 1): the first\n"
	"                            with absolute values, then per-interval deltas\n"
	"                            and rates per second; stop after COUNT reports\n"
	"                            (default: until interrupted)\n"
	"  check [-n COUNT] [-i SECONDS] [-e 'SET: INVARIANT']... [SET...]\n"
	"                            hold COUNT snapshots (default 1), SECONDS\n"
	"                            apart (default 0), of each SET to the\n"
	"                            invariants declared on it and to those given\n"
	"                            with -e, e.g. -e 'sched: exits <= forks'\n"
	"                            (default: every set with invariants)\n"
	"\n"
	"Options:\n"
	"  -j, --json                JSON on stdout (watch: one object per line);\n"
	"                            errors as {\"error\": \"...\"}\n"
	"  -p, --pretty              indented JSON (implies --json)\n"
	"  -i, --interval SECONDS    watch or check interval, > 0, fractions allowed\n"
	"  -n, --count COUNT         number of watch reports or check snapshots, >= 1\n"
	"  -e, --invariant 'SET: INVARIANT'\n"
	"                            check: also hold SET to INVARIANT, written as\n"
	"                            the kernel's: e.g. 'a + 2 * b <= c - 1', with\n"
	"                            ==, !=, <=, >=, < or >\n"
	"  -V, --version             version and ABI version\n"
	"  -h, --help                this text\n"
	"\n"
	"Exit status: 0 success, 1 error (e.g. no such set), 2 usage error (also\n"
	"a malformed invariant), 3 the constats module is not loaded (no\n"
	PROC_PATH "), 4 check found an invariant violated.\n"
	"\n"
	"Examples:\n"
	"  constats list\n"
	"  constats show constats\n"
	"  constats watch -i 0.5 -n 4 stress\n"
	"  constats -p show stress\n"
	"  constats check -n 100 irq sched\n";

struct set {
	struct constats_ioc_set_info info;
	char (*names)[CONSTATS_NAME_LEN];
	__s64 *values, *prev;
	__u64 generation, timestamp_ns, prev_timestamp_ns;
};

static int proc_fd = -1;

static void open_proc(void)
{
	proc_fd = open(PROC_PATH, O_RDONLY | O_CLOEXEC);
	if (proc_fd < 0 && errno == ENOENT)
		die(EXIT_NOT_LOADED,
		    "%s not found: the constats module is not loaded (insmod constats.ko)",
		    PROC_PATH);
	if (proc_fd < 0)
		die(EXIT_ERROR, "%s: %s", PROC_PATH, strerror(errno));
}

/*
 * Issue @cmd, whose struct @arg has an entry count at @nr and a buffer
 * pointer at @ptr, until its entries fit: ask for the count, then retry
 * with room to spare on ENOSPC, as sets and invariants come and go between
 * calls.  Returns the buffer (never NULL), or NULL with errno set.
 */
static void *ioctl_array(unsigned long cmd, void *arg, __u32 *nr, __u64 *ptr,
			 size_t size)
{
	void *buf = NULL;
	int ret;

	*nr = 0;
	*ptr = 0;
	for (;;) {
		ret = ioctl(proc_fd, cmd, arg);
		if (ret == 0 && (buf || !*nr))
			break;
		if (ret && errno != ENOSPC) {
			free(buf);
			return NULL;
		}
		/* The count, or ENOSPC with the count now needed: make room. */
		free(buf);
		*nr += 4;
		buf = calloc(*nr, size);
		if (!buf)
			die(EXIT_ERROR, "out of memory");
		*ptr = (uintptr_t)buf;
	}
	if (!buf)
		buf = calloc(1, size);
	if (!buf)
		die(EXIT_ERROR, "out of memory");
	return buf;
}

/* All sets, in creation order; *nr receives their number. */
static struct constats_ioc_set_info *list_sets(__u32 *nr)
{
	struct constats_ioc_list l = { .size = sizeof(l) };
	struct constats_ioc_set_info *info;

	info = ioctl_array(CONSTATS_IOC_LIST, &l, &l.nr_sets, &l.sets,
			   sizeof(*info));
	if (!info)
		die(EXIT_ERROR, "CONSTATS_IOC_LIST: %s", strerror(errno));
	*nr = l.nr_sets;
	return info;
}

static void set_load_names(struct set *s)
{
	struct constats_ioc_names n = {
		.size = sizeof(n), .id = s->info.id,
		.nr_counters = s->info.nr_counters,
	};

	s->names = calloc(s->info.nr_counters, CONSTATS_NAME_LEN);
	s->values = calloc(s->info.nr_counters, sizeof(__s64));
	s->prev = calloc(s->info.nr_counters, sizeof(__s64));
	if (!s->names || !s->values || !s->prev)
		die(EXIT_ERROR, "out of memory");
	n.names = (uintptr_t)s->names;
	if (ioctl(proc_fd, CONSTATS_IOC_NAMES, &n))
		die(EXIT_ERROR, "set %s: %s", s->info.name,
		    errno == ENOENT ? "destroyed" : strerror(errno));
}

static void set_snapshot(struct set *s)
{
	struct constats_ioc_snapshot snap = {
		.size = sizeof(snap), .id = s->info.id,
		.nr_counters = s->info.nr_counters,
		.values = (uintptr_t)s->values,
	};

	if (ioctl(proc_fd, CONSTATS_IOC_SNAPSHOT, &snap))
		die(EXIT_ERROR, "set %s: %s", s->info.name,
		    errno == ENOENT ? "destroyed" : strerror(errno));
	s->generation = snap.generation;
	s->timestamp_ns = snap.timestamp_ns;
}

/* The sets named in argv, or all of them. */
static struct set *select_sets(int argc, char **argv, __u32 *nr)
{
	struct constats_ioc_set_info *info;
	__u32 nr_info, i;
	struct set *sets;
	int a;

	info = list_sets(&nr_info);
	*nr = argc ? (__u32)argc : nr_info;
	sets = calloc(*nr ? *nr : 1, sizeof(*sets));
	if (!sets)
		die(EXIT_ERROR, "out of memory");
	for (i = 0; !argc && i < nr_info; i++)
		sets[i].info = info[i];
	for (a = 0; a < argc; a++) {
		for (i = 0; i < nr_info; i++)
			if (!strcmp(info[i].name, argv[a]))
				break;
		if (i == nr_info)
			die(EXIT_ERROR, "no set named '%s'", argv[a]);
		sets[a].info = info[i];
	}
	free(info);
	for (i = 0; i < *nr; i++)
		set_load_names(&sets[i]);
	return sets;
}

static int cmd_list(int argc, char **argv)
{
	struct constats_ioc_set_info *info;
	__u32 nr, i;

	(void)argv;
	if (argc)
		die(EXIT_USAGE, "list takes no arguments");
	info = list_sets(&nr);
	if (json) {
		jw_open('[');
		for (i = 0; i < nr; i++) {
			jw_open('{');
			jw_key("id");
			jw_uint(info[i].id);
			jw_key("name");
			jw_string(info[i].name);
			jw_key("counters");
			jw_uint(info[i].nr_counters);
			jw_close('}');
		}
		jw_close(']');
	} else {
		printf("%-6s %-31s %s\n", "ID", "SET", "COUNTERS");
		for (i = 0; i < nr; i++)
			printf("%-6u %-31s %u\n", info[i].id, info[i].name,
			       info[i].nr_counters);
	}
	free(info);
	return EXIT_OK;
}

/* One report of @sets; with @with_deltas, deltas and rates since @prev. */
static void report(struct set *sets, __u32 nr, bool with_deltas)
{
	__u32 i, c;

	if (json)
		jw_open('[');
	for (i = 0; i < nr; i++) {
		struct set *s = &sets[i];
		double secs = (s->timestamp_ns - s->prev_timestamp_ns) / 1e9;

		if (json) {
			jw_open('{');
			jw_key("set");
			jw_string(s->info.name);
			jw_key("id");
			jw_uint(s->info.id);
			jw_key("generation");
			jw_uint(s->generation);
			jw_key("timestamp_ns");
			jw_uint(s->timestamp_ns);
			if (with_deltas) {
				jw_key("interval_s");
				jw_double(secs);
			}
			jw_key("counters");
			jw_open('{');
		} else if (with_deltas) {
			printf("%-31s %-31s %20s %14s %14s\n", s->info.name,
			       "COUNTER", "VALUE", "DELTA", "RATE/S");
		} else {
			printf("%-31s %-31s %20s\n", s->info.name, "COUNTER",
			       "VALUE");
		}
		for (c = 0; c < s->info.nr_counters; c++) {
			__s64 d = s->values[c] - s->prev[c];
			double rate = secs > 0 ? d / secs : 0;

			if (json && with_deltas) {
				jw_key(s->names[c]);
				jw_open('{');
				jw_key("value");
				jw_int(s->values[c]);
				jw_key("delta");
				jw_int(d);
				jw_key("rate");
				jw_double(rate);
				jw_close('}');
			} else if (json) {
				jw_key(s->names[c]);
				jw_int(s->values[c]);
			} else if (with_deltas) {
				printf("%-31s %-31s %20lld %14lld %14.1f\n", "",
				       s->names[c], (long long)s->values[c],
				       (long long)d, rate);
			} else {
				printf("%-31s %-31s %20lld\n", "", s->names[c],
				       (long long)s->values[c]);
			}
		}
		if (json) {
			jw_close('}');
			jw_close('}');
		}
	}
	if (json)
		jw_close(']');
	fflush(stdout);
}

static int cmd_show(int argc, char **argv)
{
	struct set *sets;
	__u32 nr, i;

	sets = select_sets(argc, argv, &nr);
	for (i = 0; i < nr; i++)
		set_snapshot(&sets[i]);
	report(sets, nr, false);
	return EXIT_OK;
}

/* Sleep until *@next plus @interval seconds, and make that *@next. */
static void sleep_until_next(struct timespec *next, double interval)
{
	/* Absolute deadlines: the interval does not drift. */
	next->tv_sec += (time_t)interval;
	next->tv_nsec += (long)((interval - (time_t)interval) * 1e9);
	if (next->tv_nsec >= 1000000000L) {
		next->tv_sec++;
		next->tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next,
			       NULL) == EINTR)
		;
}

static int cmd_watch(int argc, char **argv, double interval, long count)
{
	struct timespec next;
	struct set *sets;
	__u32 nr, i;
	long n;

	sets = select_sets(argc, argv, &nr);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (n = 0; count < 0 || n < count; n++) {
		for (i = 0; i < nr; i++) {
			struct set *s = &sets[i];

			memcpy(s->prev, s->values,
			       s->info.nr_counters * sizeof(__s64));
			s->prev_timestamp_ns = s->timestamp_ns;
			set_snapshot(s);
		}
		if (!json && n)
			putchar('\n');
		report(sets, nr, n > 0);
		if (count >= 0 && n + 1 == count)
			break;
		sleep_until_next(&next, interval);
	}
	return EXIT_OK;
}

/* One invariant held to every snapshot of one set by "check". */
struct check {
	struct set *set;
	const char *text;
	bool declared;
	struct constats_expr expr;
	unsigned long violations;
	__u64 first_generation;
	__s64 *first_values;	/* the first snapshot that violated it */
};

/* An invariant given with -e 'SET: INVARIANT', split when parsed. */
struct cli_invariant {
	char set[CONSTATS_NAME_LEN];
	const char *text;
};

static struct cli_invariant *cli_invariants;
static int nr_cli_invariants;

static int lookup_counter(void *ctx, const char *name, size_t len)
{
	const struct set *s = ctx;
	__u32 i;

	for (i = 0; i < s->info.nr_counters; i++)
		if (strlen(s->names[i]) == len && !memcmp(s->names[i], name, len))
			return i;
	return -1;
}

/* The invariants declared on @s, as CONSTATS_INVARIANT_LEN-byte texts. */
static char *set_invariants(struct set *s, __u32 *nr)
{
	struct constats_ioc_invariants q = {
		.size = sizeof(q), .id = s->info.id,
	};
	char *texts;

	texts = ioctl_array(CONSTATS_IOC_INVARIANTS, &q, &q.nr_invariants,
			    &q.invariants, CONSTATS_INVARIANT_LEN);
	if (!texts && errno == ENOTTY)
		die(EXIT_ERROR, "this constats.ko does not list invariants");
	if (!texts)
		die(EXIT_ERROR, "set %s: %s", s->info.name,
		    errno == ENOENT ? "destroyed" : strerror(errno));
	*nr = q.nr_invariants;
	return texts;
}

static void check_init(struct check *c, struct set *s, const char *text,
		       bool declared)
{
	const char *err;
	size_t col;

	c->set = s;
	c->text = text;
	c->declared = declared;
	c->expr.nr = s->info.nr_counters;
	c->expr.coef = calloc(s->info.nr_counters, sizeof(*c->expr.coef));
	c->first_values = calloc(s->info.nr_counters, sizeof(__s64));
	if (!c->expr.coef || !c->first_values)
		die(EXIT_ERROR, "out of memory");
	err = constats_expr_parse(&c->expr, text, lookup_counter, s, &col);
	if (err)
		die(declared ? EXIT_ERROR : EXIT_USAGE,
		    "set %s: invariant '%s': %s at column %zu", s->info.name,
		    text, err, col);
}

/* Add -e @arg, "SET: INVARIANT", to cli_invariants[]. */
static void add_cli_invariant(const char *arg)
{
	const char *colon = strchr(arg, ':');
	const char *p = arg, *end;
	struct cli_invariant *ci;

	if (!colon)
		die(EXIT_USAGE, "bad -e '%s': write it as 'SET: INVARIANT'", arg);
	while (*p == ' ')
		p++;
	for (end = colon; end > p && end[-1] == ' '; end--)
		;
	if (end == p || end - p >= CONSTATS_NAME_LEN)
		die(EXIT_USAGE, "bad -e '%s': no set name before ':'", arg);
	cli_invariants = realloc(cli_invariants, (nr_cli_invariants + 1) *
				 sizeof(*cli_invariants));
	if (!cli_invariants)
		die(EXIT_ERROR, "out of memory");
	ci = &cli_invariants[nr_cli_invariants++];
	memcpy(ci->set, p, end - p);
	ci->set[end - p] = '\0';
	for (p = colon + 1; *p == ' '; p++)
		;
	ci->text = p;
}

/* Print the verdicts; returns how many invariants were violated. */
static unsigned long check_report(struct check *checks, int nr,
				  unsigned long snaps)
{
	unsigned long bad = 0;
	__u32 i;
	int n;

	if (json)
		jw_open('[');
	else if (nr)
		printf("%-15s %-8s %9s %10s  %s\n", "SET", "FROM", "SNAPSHOTS",
		       "VIOLATIONS", "INVARIANT");
	for (n = 0; n < nr; n++) {
		struct check *c = &checks[n];
		struct set *s = c->set;

		bad += c->violations != 0;
		if (!json) {
			printf("%-15s %-8s %9lu %10lu  %s\n", s->info.name,
			       c->declared ? "declared" : "-e", snaps,
			       c->violations, c->text);
			if (!c->violations)
				continue;
			printf("%-15s first in snapshot %llu:", "",
			       (unsigned long long)c->first_generation);
			for (i = 0; i < s->info.nr_counters; i++)
				if (c->expr.coef[i])
					printf(" %s=%lld", s->names[i],
					       (long long)c->first_values[i]);
			putchar('\n');
			continue;
		}
		jw_open('{');
		jw_key("set");
		jw_string(s->info.name);
		jw_key("invariant");
		jw_string(c->text);
		jw_key("declared");
		jw_value_prefix();
		fputs(c->declared ? "true" : "false", stdout);
		jw_key("snapshots");
		jw_uint(snaps);
		jw_key("violations");
		jw_uint(c->violations);
		if (c->violations) {
			jw_key("first_violation");
			jw_open('{');
			jw_key("generation");
			jw_uint(c->first_generation);
			jw_key("counters");
			jw_open('{');
			for (i = 0; i < s->info.nr_counters; i++) {
				if (!c->expr.coef[i])
					continue;
				jw_key(s->names[i]);
				jw_int(c->first_values[i]);
			}
			jw_close('}');
			jw_close('}');
		}
		jw_close('}');
	}
	if (json)
		jw_close(']');
	else if (!nr)
		printf("no invariants to check\n");
	else if (bad)
		printf("%lu of %d invariants violated\n", bad, nr);
	else
		printf("all %d invariants held in %lu snapshots\n", nr, snaps);
	return bad;
}

static int cmd_check(int argc, char **argv, double interval, long count)
{
	struct check *checks = NULL;
	int nr_want = 0, nr_checks = 0, a, e;
	unsigned long snaps;
	struct timespec next;
	struct set *sets;
	__u32 nr, i, k;
	char **want;

	/* The sets: those named, and those the -e invariants name. */
	want = calloc(argc + nr_cli_invariants + 1, sizeof(*want));
	if (!want)
		die(EXIT_ERROR, "out of memory");
	for (a = 0; a < argc; a++)
		want[nr_want++] = argv[a];
	for (e = 0; e < nr_cli_invariants; e++) {
		for (a = 0; a < nr_want; a++)
			if (!strcmp(want[a], cli_invariants[e].set))
				break;
		if (a == nr_want)
			want[nr_want++] = cli_invariants[e].set;
	}
	sets = select_sets(nr_want, want, &nr);

	for (i = 0; i < nr; i++) {
		__u32 nr_texts;
		char *texts = set_invariants(&sets[i], &nr_texts);

		checks = realloc(checks, (nr_checks + nr_texts +
					  nr_cli_invariants) * sizeof(*checks) + 1);
		if (!checks)
			die(EXIT_ERROR, "out of memory");
		for (k = 0; k < nr_texts; k++)
			check_init(&checks[nr_checks++], &sets[i],
				   texts + k * CONSTATS_INVARIANT_LEN, true);
		for (e = 0; e < nr_cli_invariants; e++)
			if (!strcmp(cli_invariants[e].set, sets[i].info.name))
				check_init(&checks[nr_checks++], &sets[i],
					   cli_invariants[e].text, false);
	}

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (snaps = 0; nr_checks && snaps < (unsigned long)count; snaps++) {
		if (snaps)
			sleep_until_next(&next, interval);
		for (i = 0; i < nr; i++) {
			struct set *s = &sets[i];
			int n;

			for (n = 0; n < nr_checks && checks[n].set != s; n++)
				;
			if (n == nr_checks)
				continue;	/* nothing to hold it to */
			set_snapshot(s);
			for (n = 0; n < nr_checks; n++) {
				struct check *c = &checks[n];

				if (c->set != s ||
				    constats_expr_holds(&c->expr, s->values))
					continue;
				if (c->violations++)
					continue;
				c->first_generation = s->generation;
				memcpy(c->first_values, s->values,
				       s->info.nr_counters * sizeof(__s64));
			}
		}
	}
	return check_report(checks, nr_checks, snaps) ? EXIT_VIOLATED : EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "invariant", required_argument, NULL, 'e' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	bool has_interval = false, has_count = false;
	double interval = 1.0;
	long count = -1;
	const char *cmd;
	char *end;
	int c;

	/* -j or -p anywhere makes even option errors JSON. */
	for (c = 1; c < argc; c++) {
		if (!strcmp(argv[c], "-j") || !strcmp(argv[c], "--json"))
			json = true;
		if (!strcmp(argv[c], "-p") || !strcmp(argv[c], "--pretty"))
			pretty = true;
	}
	json |= pretty;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "jpi:n:e:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
		case 'p':	/* seen above */
			break;
		case 'i':
			errno = 0;
			interval = strtod(optarg, &end);
			if (errno || *end || !(interval > 0) || interval > 86400)
				die(EXIT_USAGE, "bad interval '%s': seconds, > 0",
				    optarg);
			has_interval = true;
			break;
		case 'n':
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno || *end || count < 1)
				die(EXIT_USAGE, "bad count '%s': an integer >= 1",
				    optarg);
			has_count = true;
			break;
		case 'e':
			add_cli_invariant(optarg);
			break;
		case 'V':
			printf("constats %s (ABI %d)\n", CONSTATS_VERSION,
			       CONSTATS_ABI_VERSION);
			return EXIT_OK;
		case 'h':
			fputs(help_text, stdout);
			return EXIT_OK;
		default:
			die(EXIT_USAGE, "unknown option '%s' (try --help)",
			    argv[optind - 1]);
		}
	}
	if (optind >= argc)
		die(EXIT_USAGE, "no command given (try --help)");
	cmd = argv[optind++];
	if (strcmp(cmd, "list") && strcmp(cmd, "show") &&
	    strcmp(cmd, "watch") && strcmp(cmd, "check"))
		die(EXIT_USAGE, "unknown command '%s' (try --help)", cmd);
	if (strcmp(cmd, "watch") && strcmp(cmd, "check") &&
	    (has_interval || has_count))
		die(EXIT_USAGE, "-i and -n apply to watch and check only");
	if (strcmp(cmd, "check") && nr_cli_invariants)
		die(EXIT_USAGE, "-e applies to check only");
	open_proc();
	if (!strcmp(cmd, "list"))
		return cmd_list(argc - optind, argv + optind);
	if (!strcmp(cmd, "show"))
		return cmd_show(argc - optind, argv + optind);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - optind, argv + optind,
				 has_interval ? interval : 0,
				 has_count ? count : 1);
	return cmd_watch(argc - optind, argv + optind, interval, count);
}
