// SPDX-License-Identifier: GPL-2.0
/*
 * constats: list, show and watch constats counter sets through the ioctls
 * of /proc/constats.  Every set shown comes from one consistent snapshot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/constats.h>

#include "constats_expr.h"

#define CONSTATS_VERSION	"0.1.0"
#define PROC_PATH		"/proc/constats"

/* Exit statuses, documented in --help. */
enum { EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NOT_LOADED, EXIT_VIOLATED };

/* -o: text (the default), json (also -j) or openmetrics (show, export). */
enum { OUT_TEXT, OUT_JSON, OUT_OPENMETRICS };

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
	"  export --textfile-dir DIR [-i SECONDS] [-n COUNT] [--racy] [SET...]\n"
	"                            write show -o openmetrics to DIR/constats.prom\n"
	"                            for node_exporter's textfile collector,\n"
	"                            atomically (a temporary file in DIR, renamed):\n"
	"                            once, or every SECONDS until interrupted or\n"
	"                            COUNT files were written\n"
	"\n"
	"Options:\n"
	"  -o, --output FORMAT       text (default), json, or openmetrics (show\n"
	"                            only: the Prometheus/OpenMetrics text format)\n"
	"  -j, --json                same as -o json (watch: one object per line);\n"
	"                            errors as {\"error\": \"...\"}\n"
	"  -p, --pretty              indented JSON (implies --json)\n"
	"  -i, --interval SECONDS    watch, check or export interval, > 0,\n"
	"                            fractions allowed\n"
	"  -n, --count COUNT         number of watch reports, check snapshots or\n"
	"                            export files, >= 1\n"
	"  -e, --invariant 'SET: INVARIANT'\n"
	"                            check: also hold SET to INVARIANT, written as\n"
	"                            the kernel's: e.g. 'a + 2 * b <= c - 1', with\n"
	"                            ==, !=, <=, >=, < or >\n"
	"  -d, --textfile-dir DIR    export: the directory to write constats.prom in\n"
	"      --racy                openmetrics: also export each set read counter\n"
	"                            by counter, a snapshot per counter, as\n"
	"                            constats_racy_* (a torn read, for contrast)\n"
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
	"  constats check -n 100 irq sched\n"
	"  constats show -o openmetrics stress\n"
	"  constats export --textfile-dir /var/lib/prometheus/node-exporter -i 15\n";

struct set {
	struct constats_ioc_set_info info;
	char (*names)[CONSTATS_NAME_LEN];
	__s64 *values, *prev;	/* room for @room values each */
	__u32 room;
	__u64 generation, timestamp_ns, prev_timestamp_ns;
};

static int proc_fd = -1;

/* Whether the module behind proc_fd serves CONSTATS_IOC_SNAPSHOT_SETS. */
static bool snapshot_sets_served;

/* 0, or -errno: ENOENT when the module is not loaded. */
static int try_open_proc(void)
{
	struct constats_ioc_version v = { .size = sizeof(v) };

	proc_fd = open(PROC_PATH, O_RDONLY | O_CLOEXEC);
	if (proc_fd < 0)
		return -errno;
	/* Asked at every open: export's module may be replaced meanwhile. */
	snapshot_sets_served = !ioctl(proc_fd, CONSTATS_IOC_VERSION, &v) &&
			       (v.features & CONSTATS_FEATURE_SNAPSHOT_SETS);
	return 0;
}

static void open_proc(void)
{
	try_open_proc();
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

static void set_die(struct set *s)
{
	die(EXIT_ERROR, "set %s: %s", s->info.name,
	    errno == ENOENT ? "destroyed" : strerror(errno));
}

/* 0, or -1 with errno set (ENOENT: the set was destroyed). */
static int set_try_names(struct set *s)
{
	struct constats_ioc_names n = {
		.size = sizeof(n), .id = s->info.id,
		.nr_counters = s->info.nr_counters,
	};

	s->names = calloc(s->info.nr_counters, CONSTATS_NAME_LEN);
	s->values = calloc(s->info.nr_counters, sizeof(__s64));
	s->prev = calloc(s->info.nr_counters, sizeof(__s64));
	s->room = s->info.nr_counters;
	if (!s->names || !s->values || !s->prev)
		die(EXIT_ERROR, "out of memory");
	n.names = (uintptr_t)s->names;
	return ioctl(proc_fd, CONSTATS_IOC_NAMES, &n);
}

static void set_load_names(struct set *s)
{
	if (set_try_names(s))
		set_die(s);
}

/* One snapshot into @values: 0, or -1 with errno set. */
static int set_try_snapshot(struct set *s, __s64 *values)
{
	struct constats_ioc_snapshot snap = {
		.size = sizeof(snap), .id = s->info.id,
		.nr_counters = s->info.nr_counters,
		.values = (uintptr_t)values,
	};

	if (ioctl(proc_fd, CONSTATS_IOC_SNAPSHOT, &snap))
		return -1;
	s->generation = snap.generation;
	s->timestamp_ns = snap.timestamp_ns;
	return 0;
}

/* Room for @n values in @s->values and @s->prev; the new ones are 0. */
static void set_grow(struct set *s, __u32 n)
{
	__s64 *values = calloc(n, sizeof(__s64)), *prev = calloc(n, sizeof(__s64));

	if (!values || !prev)
		die(EXIT_ERROR, "out of memory");
	memcpy(values, s->values, s->room * sizeof(__s64));
	memcpy(prev, s->prev, s->room * sizeof(__s64));
	free(s->values);
	free(s->prev);
	s->values = values;
	s->prev = prev;
	s->room = n;
}

/*
 * One CONSTATS_IOC_SNAPSHOT_SETS of @nr (at most CONSTATS_SNAPSHOT_SETS_MAX)
 * sets whose @errs are -1, each into its ->values: the sets' snapshots are
 * taken together, behind one barrier.  Sets it read, and those it found
 * gone (ENOENT), get their @errs; an entry that needed more room (ENOSPC,
 * which a set's fixed counter count should never give) is grown and left
 * at -1 for the caller to ask again.  Returns false, with errno set, if the
 * call itself failed.
 */
static bool snapshot_sets_call(struct set **sets, __u32 nr, int *errs,
			       struct constats_ioc_snapshot_entry *e,
			       __u32 *idx)
{
	struct constats_ioc_snapshot_sets q = {
		.size = sizeof(q), .entries = (uintptr_t)e,
		.entry_size = sizeof(*e),
	};
	__u32 i, n = 0;

	for (i = 0; i < nr; i++) {
		if (errs[i] != -1)
			continue;
		memset(&e[n], 0, sizeof(e[n]));
		e[n].id = sets[i]->info.id;
		e[n].nr_counters = sets[i]->room;
		e[n].values = (uintptr_t)sets[i]->values;
		idx[n++] = i;
	}
	if (!n)
		return true;
	q.nr_entries = n;
	if (ioctl(proc_fd, CONSTATS_IOC_SNAPSHOT_SETS, &q))
		return false;
	for (i = 0; i < n; i++) {
		struct set *s = sets[idx[i]];

		if (e[i].error == ENOSPC && e[i].nr_counters > s->room) {
			set_grow(s, e[i].nr_counters);
			continue;
		}
		errs[idx[i]] = e[i].error;
		if (e[i].error)
			continue;
		s->generation = e[i].generation;
		s->timestamp_ns = q.timestamp_ns;
	}
	return true;
}

struct id_index {
	__u32 id, i;
};

static int id_index_cmp(const void *a, const void *b)
{
	const struct id_index *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * Sets named twice (show SET SET) go into a call once: the ABI does not say
 * what one set twice in a call gives.  Marks each later copy's @errs -2,
 * with the index of the first in @first.
 */
static void mark_copies(struct set **sets, __u32 nr, int *errs, __u32 *first)
{
	struct id_index *v = calloc(nr, sizeof(*v));
	__u32 i, head = 0;

	if (!v)
		die(EXIT_ERROR, "out of memory");
	for (i = 0; i < nr; i++) {
		v[i].id = sets[i]->info.id;
		v[i].i = i;
	}
	/* By id, then by index: each run of one id starts with its first. */
	qsort(v, nr, sizeof(*v), id_index_cmp);
	for (i = 1; i < nr; i++) {
		if (v[i].id != v[head].id) {
			head = i;
			continue;
		}
		errs[v[i].i] = -2;
		first[v[i].i] = v[head].i;
	}
	free(v);
}

/*
 * How many of the @nr sets from @sets on go into one call: at most
 * CONSTATS_SNAPSHOT_SETS_MAX entries, whose sets hold at most
 * CONSTATS_SNAPSHOT_SETS_VALUES_MAX counters (more is E2BIG), and at least
 * one set.  Only those still to read (@errs -1) are asked for.
 */
static __u32 snapshot_sets_chunk(struct set **sets, __u32 nr, const int *errs)
{
	__u64 values = 0;
	__u32 i, n = 0;

	for (i = 0; i < nr; i++) {
		if (errs[i] != -1)
			continue;
		if (n == CONSTATS_SNAPSHOT_SETS_MAX ||
		    (n && values + sets[i]->room >
		     CONSTATS_SNAPSHOT_SETS_VALUES_MAX))
			break;
		values += sets[i]->room;
		n++;
	}
	return i;
}

/*
 * Snapshots of @nr sets, each into its ->values, with @errs[i] receiving
 * 0 or the errno of sets[i] (ENOENT: it was destroyed).  Where the module
 * serves CONSTATS_IOC_SNAPSHOT_SETS, the sets' snapshots are taken
 * together, as many as one call takes at a time: one barrier for them
 * all, where one CONSTATS_IOC_SNAPSHOT per set costs one each.
 */
static void snapshot_sets(struct set **sets, __u32 nr, int *errs)
{
	__u32 max = CONSTATS_SNAPSHOT_SETS_MAX, i, done, chunk;
	struct constats_ioc_snapshot_entry *e = NULL;
	__u32 *idx = NULL, *first = NULL;
	int tries, err;

	for (i = 0; i < nr; i++)
		errs[i] = -1;
	if (snapshot_sets_served && nr) {
		chunk = nr < max ? nr : max;
		e = calloc(chunk, sizeof(*e));
		idx = calloc(chunk, sizeof(*idx));
		first = calloc(nr, sizeof(*first));
		if (!e || !idx || !first)
			die(EXIT_ERROR, "out of memory");
		mark_copies(sets, nr, errs, first);
	}
	for (done = 0; e && done < nr; done += chunk) {
		chunk = snapshot_sets_chunk(sets + done, nr - done, errs + done);
		/*
		 * A set asks for more room once, and a signal (export's) may
		 * cut a paced wait short: a few rounds are plenty.
		 */
		for (tries = 0, err = 0; tries < 4; tries++) {
			err = ENOSPC;	/* what is left pending then */
			if (snapshot_sets_call(sets + done, chunk, errs + done,
					       e, idx))
				continue;
			err = errno;
			if (err == EINTR)
				continue;
			if (err == ENOTTY) {
				/* Advertised but not served: one by one. */
				snapshot_sets_served = false;
				goto one_by_one;
			}
			break;
		}
		/* A module that takes less than its header says: one by one. */
		if (err == E2BIG)
			continue;
		for (i = done; i < done + chunk; i++)
			if (errs[i] == -1)
				errs[i] = err;
	}
one_by_one:
	for (i = 0; i < nr; i++)
		if (errs[i] == -1)
			errs[i] = set_try_snapshot(sets[i], sets[i]->values) ?
				  errno : 0;
	for (i = 0; i < nr; i++) {
		struct set *s = sets[i], *f;

		if (errs[i] != -2)
			continue;
		f = sets[first[i]];
		errs[i] = errs[first[i]];
		if (s->room < f->room)
			set_grow(s, f->room);
		memcpy(s->values, f->values, f->room * sizeof(__s64));
		s->generation = f->generation;
		s->timestamp_ns = f->timestamp_ns;
	}
	free(e);
	free(idx);
	free(first);
}

/* As snapshot_sets(), but the first set that could not be read is fatal. */
static void snapshot_or_die(struct set **sets, __u32 nr)
{
	int *errs = calloc(nr ? nr : 1, sizeof(*errs));
	__u32 i;

	if (!errs)
		die(EXIT_ERROR, "out of memory");
	snapshot_sets(sets, nr, errs);
	for (i = 0; i < nr; i++) {
		errno = errs[i];
		if (errno)
			set_die(sets[i]);
	}
	free(errs);
}

/* The same, of the @nr sets in the array @sets. */
static void snapshot_array(struct set *sets, __u32 nr)
{
	struct set **ptrs = calloc(nr ? nr : 1, sizeof(*ptrs));
	__u32 i;

	if (!ptrs)
		die(EXIT_ERROR, "out of memory");
	for (i = 0; i < nr; i++)
		ptrs[i] = &sets[i];
	snapshot_or_die(ptrs, nr);
	free(ptrs);
}

static void set_free(struct set *s)
{
	free(s->names);
	free(s->values);
	free(s->prev);
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

static void om_show(int argc, char **argv);

static int cmd_show(int argc, char **argv, int output)
{
	struct set *sets;
	__u32 nr;

	if (output == OUT_OPENMETRICS) {
		om_show(argc, argv);
		return EXIT_OK;
	}
	sets = select_sets(argc, argv, &nr);
	snapshot_array(sets, nr);
	report(sets, nr, false);
	return EXIT_OK;
}

/* Set by SIGINT, SIGTERM or SIGHUP while export runs: stop after a write. */
static atomic_bool export_stop;

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
			       NULL) == EINTR && !export_stop)
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

			memcpy(s->prev, s->values, s->room * sizeof(__s64));
			s->prev_timestamp_ns = s->timestamp_ns;
		}
		snapshot_array(sets, nr);
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

/*
 * The invariants declared on @s, as CONSTATS_INVARIANT_LEN-byte texts, or
 * NULL with errno set (ENOTTY: a constats.ko that does not list them).
 */
static char *set_try_invariants(struct set *s, __u32 *nr)
{
	struct constats_ioc_invariants q = {
		.size = sizeof(q), .id = s->info.id,
	};
	char *texts;

	texts = ioctl_array(CONSTATS_IOC_INVARIANTS, &q, &q.nr_invariants,
			    &q.invariants, CONSTATS_INVARIANT_LEN);
	*nr = texts ? q.nr_invariants : 0;
	return texts;
}

static char *set_invariants(struct set *s, __u32 *nr)
{
	char *texts = set_try_invariants(s, nr);

	if (!texts && errno == ENOTTY)
		die(EXIT_ERROR, "this constats.ko does not list invariants");
	if (!texts)
		set_die(s);
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
	int nr_want = 0, nr_checks = 0, a, e, n;
	struct check *checks = NULL;
	struct set *sets, **held;
	__u32 nr, nr_held = 0, i, k;
	unsigned long snaps;
	struct timespec next;
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

	/* The sets there is something to hold to, snapshotted together. */
	held = calloc(nr ? nr : 1, sizeof(*held));
	if (!held)
		die(EXIT_ERROR, "out of memory");
	for (i = 0; i < nr; i++) {
		for (n = 0; n < nr_checks && checks[n].set != &sets[i]; n++)
			;
		if (n < nr_checks)
			held[nr_held++] = &sets[i];
	}

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (snaps = 0; nr_checks && snaps < (unsigned long)count; snaps++) {
		if (snaps)
			sleep_until_next(&next, interval);
		snapshot_or_die(held, nr_held);
		for (i = 0; i < nr_held; i++) {
			struct set *s = held[i];

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

/*
 * OpenMetrics, in the subset that is also the Prometheus text format 0.0.4
 * (node_exporter's textfile collector reads that).  Every value is a gauge:
 * constats counters are signed and a set does not say which of them only
 * grow, and a Prometheus counter must never go down.  All samples of a set
 * come from one snapshot, whose generation is exported beside them.
 */
struct om_set {
	struct set s;
	__u32 nr_invariants;
	char *texts;		/* CONSTATS_INVARIANT_LEN bytes each */
	int *broken;		/* per invariant: 1 broken, 0 held, -1 unparsed */
	__s64 *racy;		/* --racy: counter i from a snapshot of its own */
	int *racy_broken;
};

static bool racy;

/* A label value, its backslashes, double quotes and newlines escaped. */
static void om_label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void om_family(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* Whether @values break invariant @text of @s: 1, 0, or -1 if unparsed. */
static int om_broken(struct set *s, const char *text, const __s64 *values)
{
	struct constats_expr e = { .nr = s->info.nr_counters };
	const char *err;
	size_t col;
	int ret;

	e.coef = calloc(e.nr, sizeof(*e.coef));
	if (!e.coef)
		die(EXIT_ERROR, "out of memory");
	err = constats_expr_parse(&e, text, lookup_counter, s, &col);
	ret = err ? -1 : !constats_expr_holds(&e, values);
	free(e.coef);
	return ret;
}

/* --racy: each counter from a snapshot of its own, one after another. */
static bool om_read_racy(struct om_set *o)
{
	__u32 c, k;

	o->racy = calloc(o->s.info.nr_counters, sizeof(__s64));
	o->racy_broken = calloc(o->nr_invariants + 1, sizeof(int));
	if (!o->racy || !o->racy_broken)
		die(EXIT_ERROR, "out of memory");
	for (c = 0; c < o->s.info.nr_counters; c++) {
		if (set_try_snapshot(&o->s, o->s.prev))
			return false;
		o->racy[c] = o->s.prev[c];
	}
	for (k = 0; k < o->nr_invariants; k++)
		o->racy_broken[k] = om_broken(&o->s, o->texts +
					      k * CONSTATS_INVARIANT_LEN,
					      o->racy);
	return true;
}

/*
 * Read what a document needs of one set but its snapshot: its names, its
 * invariants, and the racy read with --racy.  Returns false, with errno
 * set, if the set could not be read (ENOENT: destroyed).
 */
static bool om_read_set(struct om_set *o)
{
	if (set_try_names(&o->s))
		return false;
	o->texts = set_try_invariants(&o->s, &o->nr_invariants);
	if (!o->texts && errno != ENOTTY)
		return false;
	o->broken = calloc(o->nr_invariants + 1, sizeof(int));
	if (!o->broken)
		die(EXIT_ERROR, "out of memory");
	if (racy && !om_read_racy(o))
		return false;
	return true;
}

/* Hold the snapshot all samples of @o come from to its invariants. */
static void om_judge(struct om_set *o)
{
	__u32 k;

	for (k = 0; k < o->nr_invariants; k++)
		o->broken[k] = om_broken(&o->s, o->texts +
					 k * CONSTATS_INVARIANT_LEN,
					 o->s.values);
}

static void om_set_free(struct om_set *o)
{
	set_free(&o->s);
	free(o->texts);
	free(o->broken);
	free(o->racy);
	free(o->racy_broken);
	memset(o, 0, sizeof(*o));
}

static void om_free(struct om_set *sets, __u32 nr)
{
	__u32 i;

	for (i = 0; sets && i < nr; i++)
		om_set_free(&sets[i]);
	free(sets);
}

/*
 * The sets named in @argv, or all sets, each read by om_read_set(), then
 * snapshotted together (snapshot_sets()).  With @tolerant (export), a set
 * that is not there or goes away meanwhile is left out; otherwise that is
 * an error.  *@nr receives the number read.
 */
static struct om_set *om_read(int argc, char **argv, bool tolerant, __u32 *nr)
{
	struct constats_ioc_set_info *info;
	__u32 nr_info, i, n = 0, kept;
	struct set **ptrs;
	struct om_set *sets;
	int a, b, *errs;

	info = list_sets(&nr_info);
	sets = calloc((argc ? (__u32)argc : nr_info) + 1, sizeof(*sets));
	if (!sets)
		die(EXIT_ERROR, "out of memory");
	for (a = 0; a < (argc ? argc : (int)nr_info); a++) {
		i = a;
		if (argc) {
			for (b = 0; b < a && strcmp(argv[b], argv[a]); b++)
				;
			if (b < a)
				continue;	/* named twice */
			for (i = 0; i < nr_info; i++)
				if (!strcmp(info[i].name, argv[a]))
					break;
			if (i == nr_info && tolerant)
				continue;
			if (i == nr_info)
				die(EXIT_ERROR, "no set named '%s'", argv[a]);
		}
		sets[n].s.info = info[i];
		if (om_read_set(&sets[n])) {
			n++;
			continue;
		}
		if (!tolerant)
			set_die(&sets[n].s);
		om_set_free(&sets[n]);
	}
	free(info);

	ptrs = calloc(n + 1, sizeof(*ptrs));
	errs = calloc(n + 1, sizeof(*errs));
	if (!ptrs || !errs)
		die(EXIT_ERROR, "out of memory");
	for (i = 0; i < n; i++)
		ptrs[i] = &sets[i].s;
	snapshot_sets(ptrs, n, errs);
	for (i = 0, kept = 0; i < n; i++) {
		errno = errs[i];
		if (errno && !tolerant)
			set_die(&sets[i].s);
		if (errno) {
			om_set_free(&sets[i]);
			continue;
		}
		om_judge(&sets[i]);
		if (kept != i) {
			sets[kept] = sets[i];
			memset(&sets[i], 0, sizeof(sets[i]));
		}
		kept++;
	}
	free(ptrs);
	free(errs);
	*nr = kept;
	return sets;
}

/* Samples "NAME{set="S",LABEL="V"} VALUE" of one invariant family. */
static void om_invariants(FILE *f, const char *name, struct om_set *sets,
			  __u32 nr, bool use_racy)
{
	__u32 i, k;

	for (i = 0; i < nr; i++) {
		struct om_set *o = &sets[i];
		int *broken = use_racy ? o->racy_broken : o->broken;

		for (k = 0; k < o->nr_invariants; k++) {
			if (broken[k] < 0)
				continue;
			fprintf(f, "%s{set=\"", name);
			om_label_value(f, o->s.info.name);
			fputs("\",invariant=\"", f);
			om_label_value(f, o->texts + k * CONSTATS_INVARIANT_LEN);
			fprintf(f, "\"} %d\n", broken[k]);
		}
	}
}

static void om_values(FILE *f, const char *name, struct om_set *sets,
		      __u32 nr, bool use_racy)
{
	__u32 i, c;

	for (i = 0; i < nr; i++) {
		struct om_set *o = &sets[i];
		__s64 *v = use_racy ? o->racy : o->s.values;

		for (c = 0; c < o->s.info.nr_counters; c++) {
			fprintf(f, "%s{set=\"", name);
			om_label_value(f, o->s.info.name);
			fputs("\",counter=\"", f);
			om_label_value(f, o->s.names[c]);
			fprintf(f, "\"} %lld\n", (long long)v[c]);
		}
	}
}

/* One document: @up says whether /proc/constats could be read. */
static void om_write(FILE *f, struct om_set *sets, __u32 nr, bool up)
{
	__u32 i, nr_invariants = 0;

	for (i = 0; i < nr; i++)
		nr_invariants += sets[i].nr_invariants;
	om_family(f, "constats_up",
		  "1 if /proc/constats was read, 0 if the constats module is not loaded.");
	fprintf(f, "constats_up %d\n", up);
	if (nr) {
		om_family(f, "constats_value",
			  "A constats counter. All samples of a set come from one consistent snapshot. A gauge: counters are signed.");
		om_values(f, "constats_value", sets, nr, false);
		om_family(f, "constats_snapshot_generation",
			  "Generation of the snapshot the set's samples come from, increasing per set while the module stays loaded.");
		for (i = 0; i < nr; i++) {
			fputs("constats_snapshot_generation{set=\"", f);
			om_label_value(f, sets[i].s.info.name);
			fprintf(f, "\"} %llu\n",
				(unsigned long long)sets[i].s.generation);
		}
	}
	if (nr_invariants) {
		om_family(f, "constats_invariant_violations",
			  "1 if the exported snapshot of the set breaks the invariant declared on it, else 0.");
		om_invariants(f, "constats_invariant_violations", sets, nr,
			      false);
	}
	if (racy && nr) {
		om_family(f, "constats_racy_value",
			  "The counter from a snapshot of its own, read one counter after another: a torn read, for contrast only.");
		om_values(f, "constats_racy_value", sets, nr, true);
	}
	if (racy && nr_invariants) {
		om_family(f, "constats_racy_invariant_violations",
			  "1 if the torn, counter-by-counter read of the set breaks the invariant, else 0.");
		om_invariants(f, "constats_racy_invariant_violations", sets,
			      nr, true);
	}
	fputs("# EOF\n", f);
}

static void om_show(int argc, char **argv)
{
	struct om_set *sets;
	__u32 nr;

	sets = om_read(argc, argv, false, &nr);
	om_write(stdout, sets, nr, true);
	fflush(stdout);
	om_free(sets, nr);
}

static void export_signal(int sig)
{
	(void)sig;
	export_stop = true;
}

static void export_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("constats: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/*
 * Write one document to @dir/constats.prom: into a temporary file in @dir,
 * renamed over it, so that a reader sees the old file or the new one whole.
 * The file is written even without the module, with constats_up 0.
 */
static int export_once(const char *dir, int argc, char **argv)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	struct om_set *sets = NULL;
	int fd, status = EXIT_OK;
	__u32 nr = 0;
	bool up;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/.constats.prom.XXXXXX", dir);
	snprintf(path, sizeof(path), "%s/constats.prom", dir);
	up = !try_open_proc();
	if (!up && errno != ENOENT) {
		export_warn("%s: %s", PROC_PATH, strerror(errno));
		status = EXIT_ERROR;
	} else if (!up) {
		status = EXIT_NOT_LOADED;
	}
	if (up)
		sets = om_read(argc, argv, true, &nr);
	fd = mkstemp(tmp);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		export_warn("%s: %s", tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		status = EXIT_ERROR;
		goto out;
	}
	om_write(f, sets, nr, up);
	/* node_exporter runs as its own user: the file is for all to read. */
	if (fchmod(fd, 0644) || fflush(f) || ferror(f)) {
		export_warn("%s: %s", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		status = EXIT_ERROR;
		goto out;
	}
	if (fclose(f) || rename(tmp, path)) {
		export_warn("%s: %s", path, strerror(errno));
		unlink(tmp);
		status = EXIT_ERROR;
	}
out:
	om_free(sets, nr);
	if (proc_fd >= 0)
		close(proc_fd);
	proc_fd = -1;
	return status;
}

/*
 * export: once (@interval 0), or every @interval seconds until a signal or
 * @count files (-1: no limit).  /proc/constats is opened afresh for every
 * file, so the module may be unloaded and loaded again meanwhile.
 */
static int cmd_export(int argc, char **argv, const char *dir,
		      double interval, long count)
{
	struct sigaction sa = { .sa_handler = export_signal };
	struct timespec next;
	int status = EXIT_OK;
	struct stat st;
	long n;

	if (!dir)
		die(EXIT_USAGE, "export needs --textfile-dir DIR");
	if (strlen(dir) + sizeof("/.constats.prom.XXXXXX") > PATH_MAX)
		die(EXIT_USAGE, "directory name too long");
	if (stat(dir, &st))
		die(EXIT_ERROR, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		die(EXIT_ERROR, "%s: not a directory", dir);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (n = 0; !export_stop; ) {
		status = export_once(dir, argc, argv);
		if (!(interval > 0) || (count > 0 && ++n >= count))
			break;
		sleep_until_next(&next, interval);
	}
	return status;
}

/* The format named by -o, or -1. */
static int parse_output(const char *arg)
{
	if (!strcmp(arg, "text"))
		return OUT_TEXT;
	if (!strcmp(arg, "json"))
		return OUT_JSON;
	if (!strcmp(arg, "openmetrics"))
		return OUT_OPENMETRICS;
	return -1;
}

int main(int argc, char **argv)
{
	enum { OPT_RACY = 256 };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "invariant", required_argument, NULL, 'e' },
		{ "textfile-dir", required_argument, NULL, 'd' },
		{ "racy", no_argument, NULL, OPT_RACY },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	bool has_interval = false, has_count = false;
	const char *textfile_dir = NULL;
	int output = OUT_TEXT;
	double interval = 1.0;
	long count = -1;
	const char *cmd;
	char *end;
	int c;

	/* -j, -p or -o json anywhere makes even option errors JSON. */
	for (c = 1; c < argc; c++) {
		const char *a = argv[c];

		if (!strcmp(a, "-j") || !strcmp(a, "--json") ||
		    !strcmp(a, "-ojson") || !strcmp(a, "--output=json") ||
		    ((!strcmp(a, "-o") || !strcmp(a, "--output")) &&
		     c + 1 < argc && !strcmp(argv[c + 1], "json")))
			json = true;
		if (!strcmp(a, "-p") || !strcmp(a, "--pretty"))
			pretty = true;
	}
	json |= pretty;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:jpi:n:e:d:Vh", opts,
				NULL)) != -1) {
		switch (c) {
		case 'o':
			output = parse_output(optarg);
			if (output < 0)
				die(EXIT_USAGE,
				    "bad output format '%s': text, json or openmetrics",
				    optarg);
			break;
		case 'j':
		case 'p':
			output = OUT_JSON;
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
		case 'd':
			textfile_dir = optarg;
			break;
		case OPT_RACY:
			racy = true;
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
	if (pretty && output != OUT_JSON)
		die(EXIT_USAGE, "-p is pretty JSON: it cannot go with -o %s",
		    output == OUT_TEXT ? "text" : "openmetrics");
	json = output == OUT_JSON;
	if (optind >= argc)
		die(EXIT_USAGE, "no command given (try --help)");
	cmd = argv[optind++];
	if (strcmp(cmd, "list") && strcmp(cmd, "show") &&
	    strcmp(cmd, "watch") && strcmp(cmd, "check") &&
	    strcmp(cmd, "export"))
		die(EXIT_USAGE, "unknown command '%s' (try --help)", cmd);
	if (strcmp(cmd, "watch") && strcmp(cmd, "check") &&
	    strcmp(cmd, "export") && (has_interval || has_count))
		die(EXIT_USAGE, "-i and -n apply to watch, check and export only");
	if (strcmp(cmd, "check") && nr_cli_invariants)
		die(EXIT_USAGE, "-e applies to check only");
	if (strcmp(cmd, "export") && textfile_dir)
		die(EXIT_USAGE, "--textfile-dir applies to export only");
	if (!strcmp(cmd, "export") && output == OUT_JSON)
		die(EXIT_USAGE, "export writes OpenMetrics only");
	if (strcmp(cmd, "show") && strcmp(cmd, "export") &&
	    output == OUT_OPENMETRICS)
		die(EXIT_USAGE, "-o openmetrics applies to show and export only");
	if (racy && strcmp(cmd, "export") && output != OUT_OPENMETRICS)
		die(EXIT_USAGE, "--racy applies to show -o openmetrics and export only");
	if (!strcmp(cmd, "export"))
		return cmd_export(argc - optind, argv + optind, textfile_dir,
				  has_interval ? interval : has_count ? 1.0 : 0,
				  has_count ? count : -1);
	open_proc();
	if (!strcmp(cmd, "list"))
		return cmd_list(argc - optind, argv + optind);
	if (!strcmp(cmd, "show"))
		return cmd_show(argc - optind, argv + optind, output);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - optind, argv + optind,
				 has_interval ? interval : 0,
				 has_count ? count : 1);
	return cmd_watch(argc - optind, argv + optind, interval, count);
}
