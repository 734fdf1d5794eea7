// SPDX-License-Identifier: GPL-2.0
/*
 * The store-buffering pair at the heart of constats, run on real cores in
 * the manner of klitmus7: two threads, pinned to two CPUs, released
 * together over and over on fresh locations.
 *
 *	writer (constats_acquire)	reader (constats_read)
 *	seq = odd  (incl, this_cpu_inc)	gen = next  (mov, WRITE_ONCE)
 *	A: smp_mb()			B: smp_mb()
 *	r0 = gen			r1 = seq
 *
 * The forbidden outcome is r0 == old generation && r1 == even: the writer
 * adds into the generation the reader is about to sum, and the reader does
 * not wait for it.  With A and B as the x86 kernel has them, "lock addl
 * $0,-4(%rsp)", it must never be seen; with either removed x86 allows it
 * (a store may wait in the store buffer past a later load), and it shows.
 *
 * constats itself runs "gp": A is a compiler barrier only, and B is
 * followed by an RCU grace period (constats_wait_gp()), here the shim's
 * (rcu.c): the writer is an RCU thread whose test is a bracket, with a
 * quiescent state after it, and the grace period waits for it.  "asym"
 * is the barrier constats had before, the reader's IPI round
 * (smp_call_function()), here membarrier(2), which forces a full barrier
 * on the writer's CPU.  In both the writer paces itself on the reader,
 * test by test, so that its store and load still race with the reader's
 * store and barrier.
 *
 *	litmus MODE SECONDS	MODE: mb (A and B), gp, asym, no-a, no-b or
 *				none
 *
 * Prints the outcomes; exits 0 if the forbidden one was seen exactly when
 * it is allowed (never with mb, at least once otherwise), else 1.
 */
#define _GNU_SOURCE
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/*
 * The x86 kernel's smp_mb() ("lock addl"), READ_ONCE() and WRITE_ONCE(),
 * as the shim defines them for the mutants (the Makefile builds rcu.c so
 * too).
 */
#ifndef CONSTATS_SHIM_X86
#define CONSTATS_SHIM_X86
#endif
#include "constats_shim.h"

#define N 4096			/* tests per round, on separate lines */

struct cell {
	unsigned int seq;	/* the writer's CPU sequence */
	unsigned int gen;	/* the set's generation */
} ____cacheline_aligned_in_smp;

static struct cell cells[N];
static unsigned int r0[N], r1[N];
static int fence_a, fence_b, asym, gp;
static int stop;
static int progress;	/* asym: the test the reader is at, plus one */

static void membarrier(int cmd)
{
	if (syscall(__NR_membarrier, cmd, 0, 0)) {
		perror("membarrier");
		exit(2);
	}
}

/* A sense-reversing barrier for the two threads. */
static int arrived, sense;

static void sync2(int *local)
{
	int s = !*local;

	*local = s;
	if (__atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST) == 2) {
		__atomic_store_n(&arrived, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&sense, s, __ATOMIC_SEQ_CST);
	} else {
		unsigned int spins = 0;

		while (__atomic_load_n(&sense, __ATOMIC_ACQUIRE) != s)
			if (++spins % 4096 == 0)
				sched_yield();	/* the other may be descheduled */
	}
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double end;
static unsigned long long rounds, outcome[2][2];

/* Thread 0 also steers: it tallies each round and clears the cells. */
static void *writer(void *arg)
{
	int local = 0, i;

	pin(0);
	if (gp) {	/* offline, but for its tests */
		constats_shim_rcu_register();
		constats_shim_rcu_sleep_begin();
	}
	for (;;) {
		sync2(&local);
		if (READ_ONCE(stop)) {
			constats_shim_rcu_unregister();
			return NULL;
		}
		constats_shim_rcu_sleep_end(gp);
		for (i = 0; i < N; i++) {
			while ((asym || gp) && READ_ONCE(progress) <= i) {
				if (gp)	/* not in a bracket: quiescent */
					constats_shim_rcu_quiescent_state();
				cpu_relax();
			}
			/* this_cpu_inc(): the sequence becomes odd */
			__asm__ __volatile__("incl %0" : "+m" (cells[i].seq));
			if (fence_a)
				smp_mb();	/* A */
			else
				barrier();
			r0[i] = READ_ONCE(cells[i].gen);
			if (gp)	/* the bracket is over */
				constats_shim_rcu_quiescent_state();
		}
		constats_shim_rcu_sleep_begin();
		sync2(&local);
		for (i = 0; i < N; i++) {
			outcome[r0[i]][r1[i]]++;
			cells[i].seq = 0;
			cells[i].gen = 0;
		}
		WRITE_ONCE(progress, 0);
		rounds++;
		if (now() >= end)
			WRITE_ONCE(stop, 1);
	}
}

static void *reader(void *arg)
{
	int local = 0, i;

	pin(1);
	for (;;) {
		sync2(&local);
		if (READ_ONCE(stop))
			return NULL;
		for (i = 0; i < N; i++) {
			if (asym || gp)
				WRITE_ONCE(progress, i + 1);
			WRITE_ONCE(cells[i].gen, 1);	/* the rotation */
			if (fence_b)
				smp_mb();	/* B */
			else
				barrier();
			if (gp) {	/* constats_rotate(), constats_wait_gp() */
				struct rcu_gp_oldstate cookie;

				get_state_synchronize_rcu_full(&cookie);
				cond_synchronize_rcu_expedited_full(&cookie);
			}
			if (asym)	/* the IPI round constats had before */
				membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
			r1[i] = READ_ONCE(cells[i].seq);
		}
		sync2(&local);
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "mb";
	double seconds = argc > 2 ? atof(argv[2]) : 2;
	unsigned long long forbidden;
	int allowed, ok;
	pthread_t tw, tr;

	if (!strcmp(mode, "mb")) {
		fence_a = 1;
		fence_b = 1;
	} else if (!strcmp(mode, "gp")) {
		fence_b = 1;
		gp = 1;
	} else if (!strcmp(mode, "asym")) {
		fence_b = 1;
		asym = 1;
		membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED);
	} else if (!strcmp(mode, "no-a")) {
		fence_b = 1;
	} else if (!strcmp(mode, "no-b")) {
		fence_a = 1;
	} else if (strcmp(mode, "none")) {
		fprintf(stderr, "usage: litmus mb|gp|asym|no-a|no-b|none [SECONDS]\n");
		return 2;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("litmus: needs two CPUs\n");
		return 1;
	}
	end = now() + seconds;
	pthread_create(&tw, NULL, writer, NULL);
	pthread_create(&tr, NULL, reader, NULL);
	pthread_join(tw, NULL);
	pthread_join(tr, NULL);

	/* r0: the writer saw the new generation; r1: the reader saw odd. */
	forbidden = outcome[0][0];
	allowed = !((fence_a || asym || gp) && fence_b);
	ok = allowed ? forbidden > 0 : forbidden == 0;
	printf("litmus %s: %llu tests in %llu rounds: both missed %llu, ",
	       mode, rounds * N, rounds, forbidden);
	printf("writer saw gen %llu, reader saw seq %llu, both %llu: %s\n",
	       outcome[1][0], outcome[0][1], outcome[1][1],
	       ok ? (allowed ? "forbidden outcome seen, as x86 allows without the fence" :
			       "forbidden outcome never seen") :
		    (allowed ? "forbidden outcome NOT seen (inconclusive)" :
			       "FORBIDDEN OUTCOME SEEN WITH BOTH FENCES"));
	return !ok;
}
