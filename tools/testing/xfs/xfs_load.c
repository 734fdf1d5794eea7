// SPDX-License-Identifier: GPL-2.0
/*
 * xfs_load: the load of make check's and make bench's XFS runs, in the
 * guest, on a mounted XFS.
 *
 * Churn workers each create and unlink batches of files in a directory
 * of their own, so that XFS allocates and frees inode chunks all the time,
 * while statfs readers call fstatfs(2) on the mount in a loop and hold
 * every result to what a consistent read of the inode counters gives:
 *
 *	f_ffree <= f_files (never more free inodes than inodes), and
 *	f_files - f_ffree >= the inodes that exist all along (the root, the
 *	realtime inodes, the workers' directories: measured before the churn
 *	starts, with nothing moving).
 *
 * A freezer thread may call syncfs(2) and freeze and thaw the file system
 * (FIFREEZE, FITHAW), which makes XFS log its superblock with the counters.
 *
 * Prints one line: "xfs_load: key=value ...".  Exits 0 if it ran (the
 * rules broken are counted, not judged here), 1 on an error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

static const char *dir;
static int nr_files = 64;
static int lockstep;
static pthread_barrier_t phase;
static atomic_int lockstep_done;
static atomic_int stop;
static int mnt_fd;
static long long floor_inuse;

/* Per-thread tallies, added up at the end. */
struct worker {
	pthread_t thread;
	int id;
	long long ops;			/* creates + unlinks */
	long long statfs_calls;
	long long torn;			/* f_ffree > f_files */
	long long below;		/* in use < floor_inuse */
	long long min_inuse;
	long long syncs, freezes;
	int error;
};

static void help(void)
{
	fprintf(stderr,
		"usage: xfs_load [-w WORKERS] [-r READERS] [-n FILES] [-t SECONDS] [-F FREEZE_MS] DIR\n"
		"  -w  churn workers (default: one per CPU)\n"
		"  -r  statfs readers (default 2)\n"
		"  -n  files a worker creates, then unlinks, per batch (default 64)\n"
		"  -t  seconds to run (default 10)\n"
		"  -F  every FREEZE_MS ms, syncfs(2), and every other time a freeze\n"
		"      and thaw of the file system (default 0: neither)\n");
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A worker that cannot go on; in lockstep, the others would wait for it. */
static void *worker_failed(struct worker *w)
{
	if (lockstep)
		exit(1);
	w->error = 1;
	return NULL;
}

static void *churn(void *arg)
{
	struct worker *w = arg;
	char path[4096];
	int i, fd;

	while (lockstep || !atomic_load_explicit(&stop, memory_order_relaxed)) {
		for (i = 0; i < nr_files; i++) {
			snprintf(path, sizeof(path), "%s/w%d/f%d", dir, w->id, i);
			fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
			if (fd < 0) {
				fprintf(stderr, "xfs_load: create %s: %s\n", path,
					strerror(errno));
				return worker_failed(w);
			}
			close(fd);
			w->ops++;
		}
		if (lockstep)
			pthread_barrier_wait(&phase);
		for (i = 0; i < nr_files; i++) {
			snprintf(path, sizeof(path), "%s/w%d/f%d", dir, w->id, i);
			if (unlink(path)) {
				fprintf(stderr, "xfs_load: unlink %s: %s\n", path,
					strerror(errno));
				return worker_failed(w);
			}
			w->ops++;
		}
		if (lockstep) {
			/* All stop together, or the others wait forever. */
			if (pthread_barrier_wait(&phase) ==
			    PTHREAD_BARRIER_SERIAL_THREAD)
				atomic_store(&lockstep_done, atomic_load(&stop));
			pthread_barrier_wait(&phase);
			if (atomic_load(&lockstep_done))
				break;
		}
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct worker *w = arg;
	struct statfs st;
	long long inuse;

	w->min_inuse = -1;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if (fstatfs(mnt_fd, &st)) {
			perror("xfs_load: fstatfs");
			w->error = 1;
			return NULL;
		}
		w->statfs_calls++;
		inuse = (long long)st.f_files - (long long)st.f_ffree;
		if (st.f_ffree > st.f_files) {
			if (!w->torn)
				fprintf(stderr, "xfs_load: torn: f_files=%llu f_ffree=%llu\n",
					(unsigned long long)st.f_files,
					(unsigned long long)st.f_ffree);
			w->torn++;
		}
		if (inuse < floor_inuse)
			w->below++;
		if (w->min_inuse < 0 && w->statfs_calls == 1)
			w->min_inuse = inuse;
		else if (inuse < w->min_inuse)
			w->min_inuse = inuse;
	}
	return NULL;
}

static int freeze_ms;

static void *freezer(void *arg)
{
	struct worker *w = arg;
	struct timespec ts = { freeze_ms / 1000, (freeze_ms % 1000) * 1000000L };
	struct timespec held = { 0, 20 * 1000000L };
	int n = 0;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		nanosleep(&ts, NULL);
		if (atomic_load_explicit(&stop, memory_order_relaxed))
			break;
		if (syncfs(mnt_fd)) {
			perror("xfs_load: syncfs");
			w->error = 1;
			return NULL;
		}
		w->syncs++;
		if (n++ % 2)
			continue;
		if (ioctl(mnt_fd, FIFREEZE, 0)) {
			perror("xfs_load: FIFREEZE");
			w->error = 1;
			return NULL;
		}
		nanosleep(&held, NULL);
		if (ioctl(mnt_fd, FITHAW, 0)) {
			perror("xfs_load: FITHAW");
			w->error = 1;
			return NULL;
		}
		w->freezes++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int nr_workers = sysconf(_SC_NPROCESSORS_ONLN);
	int nr_readers = 2, seconds = 10, opt, i, n, error = 0;
	struct worker *ws;
	struct statfs st;
	char path[4096];
	double start, elapsed;
	long long ops = 0, calls = 0, torn = 0, below = 0, min_inuse = -1;
	long long syncs = 0, freezes = 0;

	while ((opt = getopt(argc, argv, "w:r:n:t:F:l")) != -1) {
		switch (opt) {
		case 'w':
			nr_workers = atoi(optarg);
			break;
		case 'r':
			nr_readers = atoi(optarg);
			break;
		case 'n':
			nr_files = atoi(optarg);
			break;
		case 't':
			seconds = atoi(optarg);
			break;
		case 'F':
			freeze_ms = atoi(optarg);
			break;
		case 'l':
			lockstep = 1;
			break;
		default:
			help();
		}
	}
	if (optind != argc - 1 || nr_workers < 0 || nr_readers < 0 ||
	    nr_files < 1 || seconds < 1 || freeze_ms < 0)
		help();
	dir = argv[optind];
	mnt_fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (mnt_fd < 0) {
		perror(dir);
		return 1;
	}
	for (i = 0; i < nr_workers; i++) {
		snprintf(path, sizeof(path), "%s/w%d", dir, i);
		if (mkdir(path, 0755) && errno != EEXIST) {
			perror(path);
			return 1;
		}
	}
	/*
	 * The floor: what is in use with nothing moving.  syncfs() lets
	 * background inode inactivation finish, and the pause outlives any
	 * cached snapshot of the counters, so statfs reports them as they are.
	 */
	syncfs(mnt_fd);
	usleep(200 * 1000);
	if (fstatfs(mnt_fd, &st)) {
		perror("fstatfs");
		return 1;
	}
	floor_inuse = (long long)st.f_files - (long long)st.f_ffree;

	if (lockstep && nr_workers)
		pthread_barrier_init(&phase, NULL, nr_workers);
	n = nr_workers + nr_readers + (freeze_ms > 0);
	ws = calloc(n, sizeof(*ws));
	if (!ws)
		return 1;
	start = now();
	for (i = 0; i < n; i++) {
		void *(*fn)(void *arg);

		ws[i].id = i;
		if (i < nr_workers)
			fn = churn;
		else if (i < nr_workers + nr_readers)
			fn = reader;
		else
			fn = freezer;
		if (pthread_create(&ws[i].thread, NULL, fn, &ws[i])) {
			fprintf(stderr, "xfs_load: pthread_create failed\n");
			return 1;
		}
	}
	sleep(seconds);
	atomic_store(&stop, 1);
	for (i = 0; i < n; i++) {
		pthread_join(ws[i].thread, NULL);
		error |= ws[i].error;
		ops += ws[i].ops;
		calls += ws[i].statfs_calls;
		torn += ws[i].torn;
		below += ws[i].below;
		syncs += ws[i].syncs;
		freezes += ws[i].freezes;
		if (i >= nr_workers && i < nr_workers + nr_readers &&
		    ws[i].statfs_calls &&
		    (min_inuse < 0 || ws[i].min_inuse < min_inuse))
			min_inuse = ws[i].min_inuse;
	}
	elapsed = now() - start;
	/* Leave the directories empty for the next run or the next kernel. */
	for (i = 0; i < nr_workers; i++) {
		int j;

		for (j = 0; j < nr_files; j++) {
			snprintf(path, sizeof(path), "%s/w%d/f%d", dir, i, j);
			unlink(path);
		}
	}
	printf("xfs_load: seconds=%.1f workers=%d readers=%d ops=%lld ops_per_s=%.0f ",
	       elapsed, nr_workers, nr_readers, ops, ops / elapsed);
	printf("statfs=%lld statfs_per_s=%.0f torn=%lld below=%lld floor=%lld ",
	       calls, calls / elapsed, torn, below, floor_inuse);
	printf("min_inuse=%lld syncs=%lld freezes=%lld error=%d\n",
	       nr_readers ? min_inuse : floor_inuse, syncs, freezes, error);
	return error;
}
