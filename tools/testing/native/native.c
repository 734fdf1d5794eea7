// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/constats_core.c, constats_reader.c and the inline writer, built
 * unchanged in user space against include/constats_shim.h, with threads
 * standing in for CPUs.  Every thread that plays one is a QSBR RCU thread
 * (rcu.c): it reports a quiescent state between its brackets, in the loops
 * below, and is offline while it sleeps or waits for another thread.
 *
 *
 *	native bench		cost per bracket and throughput on real cores,
 *				against the floor, a Go-style bracket and
 *				shared atomics; CSV lines "csv,..."
 *	native stress [SECONDS [nmi] [stop] [tasks=N] [nmis=N]]
 *				writers and a checking reader (for TSan);
 *				exits 1 on any violation or lost update;
 *				a task writer per CPU (or N), and with
 *				"nmi" an NMI writer per CPU (or N) too,
 *				a thread that brackets as the CPU's NMI
 *				handler would; with "stop", the run ends at
 *				the first violation (a mutant caught); also
 *				exits 1 if the reader ever had to wait for a
 *				bracket after its grace period, which RCU
 *				rules out for every bracket here
 *	native one N		N brackets of K = 4 through bench_fastpath(),
 *				for callgrind's instruction count
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#ifdef CONSTATS_SHIM_GS
#include <asm/prctl.h>
#endif

#include <linux/constats.h>
#include "constats_internal.h"
#include "fastpath.h"

#define MAX_K 16
#define MAX_THREADS 64

int constats_shim_nr_cpus;
__thread int constats_shim_cpu;
/* Bytes per CPU that __alloc_percpu() was asked for, for the report. */
static size_t shim_percpu_bytes;

#ifdef CONSTATS_SHIM_GS
/* The per-CPU template, and the offset of each CPU's copy of it. */
CONSTATS_SHIM_PERCPU int __preempt_count = PREEMPT_NEED_RESCHED;
CONSTATS_SHIM_PERCPU unsigned long this_cpu_off;
unsigned long __per_cpu_offset[MAX_THREADS];

/*
 * What fastpath.o, built with the kernel's flags, calls: the static call
 * preempt_enable() makes (never taken: PREEMPT_NEED_RESCHED stays set, as
 * with nothing to schedule) and the return thunk of
 * -mfunction-return=thunk-extern, here a plain return as the kernel
 * patches it in where no return mitigation is needed.
 */
__asm__(".text\n"
	".globl __SCT__preempt_schedule\n"
	"__SCT__preempt_schedule:\n\tret\n\tint3\n"
	".globl __x86_return_thunk\n"
	"__x86_return_thunk:\n\tret\n\tint3\n");

/*
 * CPU n's copy of the template, then its per-CPU allocations, at a fixed
 * address; the page at its %gs base holds the stack canary at %gs:40,
 * where -mstack-protector-guard-reg=gs looks, as in the kernel.
 */
#define SHIM_AREA(cpu)		(0x600000000000UL + ((unsigned long)(cpu) << 32))
#define SHIM_AREA_SIZE		(64UL << 20)
#define SHIM_TEMPLATE_SPAN	4096UL
static unsigned long shim_bump;		/* next free offset past the template */

static void *shim_map(unsigned long addr, size_t size)
{
	void *p = mmap((void *)addr, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p != (void *)addr) {
		perror("constats shim: mmap");
		exit(2);
	}
	return p;
}

static void constats_shim_init(void)
{
	size_t len = __stop_constats_percpu - __start_constats_percpu;
	int cpu;

	if (len > SHIM_TEMPLATE_SPAN)
		exit(2);
	for (cpu = 0; cpu < constats_shim_nr_cpus; cpu++) {
		char *area = shim_map(SHIM_AREA(cpu), SHIM_AREA_SIZE);
		unsigned long off = (unsigned long)area -
				    (unsigned long)__start_constats_percpu;
		unsigned long *canary = shim_map(off & ~4095UL, 8192);

		canary[(off & 4095) / 8 + 5] = 0x5a5a5a5a5a5a5a5aUL;
		memcpy(area, __start_constats_percpu, len);
		__per_cpu_offset[cpu] = off;
		*per_cpu_ptr(&this_cpu_off, cpu) = off;
	}
}

void constats_shim_set_cpu(int cpu)
{
	constats_shim_cpu = cpu;
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, __per_cpu_offset[cpu])) {
		perror("arch_prctl(ARCH_SET_GS)");
		exit(2);
	}
}

/* A bump allocator: the harness frees per-CPU memory only at exit. */
void *__alloc_percpu(size_t size, size_t align)
{
	unsigned long at = ALIGN(shim_bump, SMP_CACHE_BYTES);
	int cpu;

	if (align > SMP_CACHE_BYTES ||
	    at + size > SHIM_AREA_SIZE - SHIM_TEMPLATE_SPAN)
		return NULL;
	shim_bump = at + size;
	shim_percpu_bytes += size;
	for_each_possible_cpu(cpu)
		memset((char *)SHIM_AREA(cpu) + SHIM_TEMPLATE_SPAN + at, 0, size);
	return __start_constats_percpu + SHIM_TEMPLATE_SPAN + at;
}

void free_percpu(void *p)
{
	(void)p;
}
#else
__thread int constats_shim_nmi;

static void constats_shim_init(void)
{
}

void constats_shim_set_cpu(int cpu)
{
	constats_shim_cpu = cpu;
}

void *__alloc_percpu(size_t size, size_t align)
{
	size_t total = (size_t)constats_shim_nr_cpus * CONSTATS_SHIM_STRIDE;
	void *p;

	if (size > CONSTATS_SHIM_STRIDE || align > SMP_CACHE_BYTES)
		return NULL;
	p = aligned_alloc(SMP_CACHE_BYTES, total);
	if (p)
		memset(p, 0, total);
	shim_percpu_bytes += size;
	return p;
}

void free_percpu(void *p)
{
	free(p);
}
#endif /* CONSTATS_SHIM_GS */

static struct constats *set;
static s64 *floor_pcpu;			/* per-CPU s64[MAX_K] */
static unsigned int *go_seq_pcpu;	/* per-CPU sequence */
/* The Go-style and shared-atomic baselines' state, used with __atomic_*. */
static s64 go_deltas[CONSTATS_NR_GENS][MAX_K];
static unsigned int go_gen;
static s64 shared[MAX_K];

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* K = 4 is the bracket the module's disassembly shows. */
static void m_constats(unsigned int k)
{
	if (k == 4)
		bench_fastpath(set);
	else
		native_bracket(set, k);
}

static void m_floor(unsigned int k)
{
	if (k == 4)
		native_floor4(floor_pcpu);
	else
		native_floor(floor_pcpu, k);
}

static void m_floor_mb(unsigned int k)
{
	m_floor(k);
	smp_mb();	/* what a fenced writer would pay */
}

static void m_go(unsigned int k)
{
	unsigned int *seq = this_cpu_ptr(go_seq_pcpu), gen, i;

	__atomic_fetch_add(seq, 1, __ATOMIC_SEQ_CST);
	gen = __atomic_load_n(&go_gen, __ATOMIC_SEQ_CST) % CONSTATS_NR_GENS;
	for (i = 0; i < k; i++)
		__atomic_fetch_add(&go_deltas[gen][i], 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(seq, 1, __ATOMIC_SEQ_CST);
}

static void m_atomic(unsigned int k)
{
	unsigned int i;

	for (i = 0; i < k; i++)
		__atomic_fetch_add(&shared[i], 1, __ATOMIC_SEQ_CST);
}

static const struct {
	const char *name;
	void (*fn)(unsigned int k);
} methods[] = {
	{ "constats", m_constats },
	{ "this_cpu_add", m_floor },
	{ "this_cpu_add+mb", m_floor_mb },
	{ "go_style", m_go },
	{ "atomic64", m_atomic },
};

#define NR_METHODS ARRAY_SIZE(methods)

struct worker {
	pthread_t thread;
	int cpu;
	void (*fn)(unsigned int k);
	unsigned int k;
	bool nmi;	/* stress: plays its CPU's NMI handler */
	u64 ops;
};

static int stop;	/* __atomic_* */

/*
 * Timed loops report a quiescent state once per QS_BATCH calls, which
 * keeps the report's load and compare out of the figures; a grace period
 * waits for a batch, well under a microsecond.
 */
#define QS_BATCH 64

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	unsigned int i;
	u64 ops = 0;

	constats_shim_set_cpu(w->cpu);
	constats_shim_rcu_register();
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		for (i = 0; i < QS_BATCH; i++)
			w->fn(w->k);
		ops += QS_BATCH;
		constats_shim_rcu_quiescent_state();
	}
	constats_shim_rcu_unregister();
	w->ops = ops;
	return NULL;
}

/* pthread_join() sleeps: offline meanwhile. */
static void join(pthread_t thread)
{
	bool on = constats_shim_rcu_sleep_begin();

	pthread_join(thread, NULL);
	constats_shim_rcu_sleep_end(on);
}

static double throughput(void (*fn)(unsigned int), unsigned int k, int n)
{
	struct worker w[MAX_THREADS];
	u64 ops = 0, t0;
	int i;

	__atomic_store_n(&stop, 0, __ATOMIC_SEQ_CST);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		w[i] = (struct worker){ .cpu = i, .fn = fn, .k = k };
		pthread_create(&w[i].thread, NULL, worker_fn, &w[i]);
	}
	constats_shim_sleep_us(300000);
	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < n; i++) {
		join(w[i].thread);
		ops += w[i].ops;
	}
	return ops / ((now_ns() - t0) / 1e9);
}

#define NR_READERS 4	/* readers of writer_under_readers(), a CPU each */

/*
 * Timings on a shared machine are noisy: a figure is the median of ROUNDS
 * rounds, and what is compared takes turns round by round, so that a slow
 * spell of the machine falls on all of it alike.
 */
#define ROUNDS 9

static int readers_paused;	/* __atomic_* */
static bool readers_shared;	/* as unprivileged readers, paced */

static void *reader_fn(void *arg)
{
	struct constats_snapshot snap = { .set = set, .nr = MAX_K };
	s64 v[MAX_K];

	/* The CPUs past the writers' are the readers'. */
	constats_shim_set_cpu(constats_shim_nr_cpus - 1 - (int)(intptr_t)arg);
	constats_shim_rcu_register();
	snap.values = v;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		if (__atomic_load_n(&readers_paused, __ATOMIC_RELAXED))
			constats_shim_sleep_us(1000);
		else if (readers_shared)
			constats_read_sets(&snap, 1, CONSTATS_READ_SHARED);
		else
			constats_read(set, v, MAX_K, NULL);
		constats_shim_rcu_quiescent_state();
	}
	constats_shim_rcu_unregister();
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* ns per call of @fn(@k), over @n calls (a multiple of QS_BATCH) */
static double time_calls(void (*fn)(unsigned int), unsigned int k,
			 unsigned int n)
{
	u64 t0 = now_ns();
	unsigned int i, j;

	for (i = 0; i < n; i += QS_BATCH) {
		for (j = 0; j < QS_BATCH; j++)
			fn(k);
		constats_shim_rcu_quiescent_state();
	}
	return (double)(now_ns() - t0) / n;
}

/* The set's latest snapshot number, without taking one. */
static u64 latest_generation(void)
{
	u64 gen = 0;

	constats_read_recent(set, NULL, 0, ~0ULL, &gen, NULL);
	return gen;
}

/*
 * A writer's cost alone and with one reader snapshotting back to back,
 * then with NR_READERS of them: first as unprivileged ioctl loops could,
 * queued on the shared round the core begins at most once per
 * shared_interval_ms (CONSTATS_READ_SHARED), then as privileged readers,
 * a grace period each ("_unpaced" figures), for the grace periods' price:
 * here each costs the writer a quiescent-state report, two full barriers.
 * The readers pause and resume round by round, and each round's ratio is
 * loaded over alone.  Also the snapshots the readers got per second while
 * they ran: the rounds the set finished then, shared ones once.
 */
static void writer_under_readers(void)
{
	static const int nrs[] = { 1, NR_READERS };
	double alone[ROUNDS], loaded[ROUNDS], ratio[ROUNDS];
	pthread_t reader[NR_READERS];
	unsigned int j, p, r, n = 500000;
	int i;

	printf("csv,param,shared_interval_ms,0,1,%u\n",
	       *constats_shim_param_shared_interval_ms);
	for (p = 0; p < 2; p++) {
		const char *how = p ? "_unpaced" : "";

		readers_shared = !p;
		for (j = 0; j < ARRAY_SIZE(nrs); j++) {
			u64 t0, ran = 0, rounds = 0, gen0;

			constats_read(set, NULL, 0, NULL);
			__atomic_store_n(&readers_paused, 1, __ATOMIC_SEQ_CST);
			__atomic_store_n(&stop, 0, __ATOMIC_SEQ_CST);
			for (i = 0; i < nrs[j]; i++)
				pthread_create(&reader[i], NULL, reader_fn,
					       (void *)(intptr_t)i);
			for (r = 0; r < ROUNDS; r++) {
				__atomic_store_n(&readers_paused, 1, __ATOMIC_SEQ_CST);
				constats_shim_sleep_us(5000);
				alone[r] = time_calls(m_constats, 4, n);
				t0 = now_ns();
				gen0 = latest_generation();
				__atomic_store_n(&readers_paused, 0, __ATOMIC_SEQ_CST);
				constats_shim_sleep_us(5000);
				loaded[r] = time_calls(m_constats, 4, n);
				ratio[r] = loaded[r] / alone[r];
				rounds += latest_generation() - gen0;
				__atomic_store_n(&readers_paused, 1, __ATOMIC_SEQ_CST);
				ran += now_ns() - t0;
			}
			__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
			for (i = 0; i < nrs[j]; i++)
				join(reader[i]);
			if (!p && !j)
				printf("csv,reader_load,constats_alone,4,1,%.2f\n",
				       median(alone, ROUNDS));
			printf("csv,reader_load,constats_with_%d_readers%s,4,1,%.2f\n",
			       nrs[j], how, median(loaded, ROUNDS));
			printf("csv,ratio,with_%d_readers%s/alone,4,1,%.3f\n",
			       nrs[j], how, median(ratio, ROUNDS));
			printf("csv,reader_rate,snapshots_per_s_%d_readers%s,16,1,%.0f\n",
			       nrs[j], how, rounds / (ran / 1e9));
		}
	}
}

/* What a set takes on each CPU, by its number of counters. */
static void per_cpu_footprint(void)
{
	static char names[CONSTATS_MAX_COUNTERS][8];
	static const char *ptrs[CONSTATS_MAX_COUNTERS];
	static const unsigned int nrs[] = { 1, 16, 256 };
	unsigned int i, j;

	for (i = 0; i < CONSTATS_MAX_COUNTERS; i++) {
		snprintf(names[i], sizeof(names[i]), "c%u", i);
		ptrs[i] = names[i];
	}
	for (j = 0; j < ARRAY_SIZE(nrs); j++) {
		size_t before = shim_percpu_bytes;
		struct constats *m = constats_create("memory", ptrs, nrs[j]);

		if (IS_ERR(m))
			exit(2);
		printf("csv,memory,constats,%u,1,%zu\n", nrs[j],
		       shim_percpu_bytes - before);
		constats_destroy(m);
	}
}

static int bench(int nr_threads)
{
	static const unsigned int ks[] = { 1, 4, 16 };
	static double rounds[NR_METHODS][3][ROUNDS];
	double cost[NR_METHODS][3];
	unsigned int m, j, r, n = 5000000;
	s64 v[MAX_K];
	int t;

	printf("ns per bracket, one thread (median of %d rounds):\n", ROUNDS);
	for (r = 0; r < ROUNDS; r++)
		for (m = 0; m < NR_METHODS; m++)
			for (j = 0; j < 3; j++)
				rounds[m][j][r] =
					time_calls(methods[m].fn, ks[j],
						   n / ROUNDS);
	for (m = 0; m < NR_METHODS; m++) {
		for (j = 0; j < 3; j++) {
			cost[m][j] = median(rounds[m][j], ROUNDS);
			printf("csv,cost,%s,%u,1,%.2f\n", methods[m].name,
			       ks[j], cost[m][j]);
		}
		printf("  %-16s K=1 %6.2f  K=4 %6.2f  K=16 %6.2f\n",
		       methods[m].name, cost[m][0], cost[m][1], cost[m][2]);
	}
	printf("csv,ratio,constats/go_style,4,1,%.3f\n", cost[0][1] / cost[3][1]);
	printf("csv,ratio,constats/(this_cpu_add+mb),4,1,%.3f\n",
	       cost[0][1] / cost[2][1]);
	printf("csv,ratio,constats/this_cpu_add,4,1,%.3f\n",
	       cost[0][1] / cost[1][1]);
	for (m = 0; m < NR_METHODS; m++)
		for (t = 1; t <= nr_threads; t++)
			printf("csv,throughput,%s,4,%d,%.0f\n", methods[m].name, t,
			       throughput(methods[m].fn, 4, t));
	{
		u64 t0 = now_ns();
		unsigned int i;

		/* A snapshot's own cost, back to back: a grace period each. */
		for (i = 0; i < 100000; i++)
			constats_read(set, v, MAX_K, NULL);
		printf("csv,read,constats_read,16,%d,%.2f\n", nr_threads,
		       (double)(now_ns() - t0) / 100000);
	}
	writer_under_readers();
	per_cpu_footprint();
	return 0;
}

/*
 * Stress: writers move amounts between four counters; a reader checks.
 * Task writer i runs on CPU i, NMI writer i plays CPU i's NMI handler, on
 * its NMI sequence and slot.
 */
static s64 tallies[MAX_THREADS][4];

/*
 * Pin the calling thread to host CPU @n (modulo the CPUs there are): the
 * reader on CPU 0, writer i on CPU i + 1, so that on a busy machine the
 * scheduler cannot put a writer and the reader on one core, where they
 * never race.
 */
static void pin_host_cpu(int n)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(n % (int)sysconf(_SC_NPROCESSORS_ONLN), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *stress_writer(void *arg)
{
	struct worker *w = arg;
	unsigned int r = w->k * 2654435761u + 1;

	constats_shim_set_cpu(w->cpu);
#ifndef CONSTATS_SHIM_GS
	constats_shim_nmi = w->nmi;
#endif
	pin_host_cpu(w->k + 1);
	constats_shim_rcu_register();
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		struct constats_writer cw;
		unsigned int from, to;
		s64 amount;

		r = r * 1103515245 + 12345;
		from = (r >> 8) % 4;
		to = (r >> 16) % 4;
		amount = (r >> 24) + 1;
		constats_acquire(set, &cw, 4);
		constats_add(&cw, from, -amount);
		constats_add(&cw, to, amount);
		constats_release(&cw);
		tallies[w->k][from] -= amount;
		tallies[w->k][to] += amount;
		w->ops++;
		/*
		 * A grace period waits for this thread, and maybe for the
		 * one that shares its host core: let that one report too.
		 */
		if (constats_shim_rcu_quiescent_state())
			sched_yield();
	}
	constats_shim_rcu_unregister();
	return NULL;
}

/*
 * Brackets the reader found open at a rotation and still open after the
 * grace period: the "constats" set's reader_waits.  RCU rules them out
 * for a bracket it watches, and here it watches them all.
 */
static s64 reader_waits(void)
{
	struct constats *self = NULL, *pos = NULL;
	s64 v[CONSTATS_SELF_NR];

	constats_registry_lock();
	while ((pos = constats_registry_next(pos)))
		if (!strcmp(constats_name(pos), "constats"))
			self = pos;
	if (self)
		constats_hold(self);
	constats_registry_unlock();
	if (!self)
		return -1;
	constats_read(self, v, CONSTATS_SELF_NR, NULL);
	constats_unhold(self);
	return v[CONSTATS_SELF_READER_WAITS];
}

static int run_stress(int tasks, int nmis, double seconds, bool stop_bad)
{
	struct worker w[MAX_THREADS];
	u64 end = now_ns() + seconds * 1e9, snaps = 0, bad = 0, lost = 0;
	s64 v[MAX_K], expect[4] = { 0 }, waits;
	int i, c, writers = tasks + nmis;

	/*
	 * As many snapshots as can be had, each a chance to tear: privileged
	 * reads, a grace period each, never paced.  The reader's CPU is past
	 * every writer's.
	 */
	constats_shim_set_cpu(tasks > nmis ? tasks : nmis);
	pin_host_cpu(0);
	for (i = 0; i < writers; i++) {
		w[i] = (struct worker){ .cpu = i < tasks ? i : i - tasks,
					.k = i, .nmi = i >= tasks };
		pthread_create(&w[i].thread, NULL, stress_writer, &w[i]);
	}
	while (now_ns() < end && !(stop_bad && bad)) {
		constats_read(set, v, 4, NULL);
		snaps++;
		bad += v[0] + v[1] + v[2] + v[3] != 0;
		constats_shim_rcu_quiescent_state();
	}
	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < writers; i++) {
		join(w[i].thread);
		for (c = 0; c < 4; c++)
			expect[c] += tallies[i][c];
	}
	constats_read(set, v, 4, NULL);
	for (c = 0; c < 4; c++)
		lost += llabs(v[c] - expect[c]);
	waits = reader_waits();
	printf("stress: %d task and %d NMI writers, %llu snapshots, %llu violations, %llu lost, ",
	       tasks, nmis,
	       (unsigned long long)snaps, (unsigned long long)bad,
	       (unsigned long long)lost);
	printf("%lld reader waits\n", (long long)waits);
	return bad || lost || !snaps || waits;
}

int main(int argc, char **argv)
{
	static const char *const names[MAX_K] = {
		"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7",
		"c8", "c9", "c10", "c11", "c12", "c13", "c14", "c15",
	};
	int nr = (int)sysconf(_SC_NPROCESSORS_ONLN);
	const char *mode = argc > 1 ? argv[1] : "bench";

	if (nr > MAX_THREADS / 2 - NR_READERS)
		nr = MAX_THREADS / 2 - NR_READERS;
	constats_shim_nr_cpus = nr + NR_READERS;	/* CPUs for readers */
	constats_shim_init();
	constats_shim_set_cpu(0);
	/* The main thread plays CPU 0 (and brackets the core's own set). */
	constats_shim_rcu_register();
	if (constats_core_init())
		return 2;
	set = constats_create("native", names, MAX_K);
	floor_pcpu = __alloc_percpu(MAX_K * sizeof(s64), SMP_CACHE_BYTES);
	go_seq_pcpu = __alloc_percpu(sizeof(unsigned int), SMP_CACHE_BYTES);
	if (IS_ERR(set) || !floor_pcpu || !go_seq_pcpu)
		return 2;

	if (!strcmp(mode, "bench"))
		return bench(nr);
	if (!strcmp(mode, "stress")) {
		int i, cpus = nr > 1 ? nr : 2, tasks = cpus, nmis = 0;
		bool stop_bad = false;

		for (i = 3; i < argc; i++) {
			if (!strcmp(argv[i], "nmi"))
				nmis = cpus;
			else if (!strcmp(argv[i], "stop"))
				stop_bad = true;
			else if (sscanf(argv[i], "tasks=%d", &tasks) != 1 &&
				 sscanf(argv[i], "nmis=%d", &nmis) != 1)
				return 2;
		}
		if (tasks < 0 || nmis < 0 || tasks + nmis < 1 ||
		    tasks > cpus || nmis > cpus)
			return 2;
#ifdef CONSTATS_SHIM_GS
		if (nmis) {
			fprintf(stderr, "native-gs: no NMI writers (see constats_shim.h)\n");
			return 2;
		}
#endif
		return run_stress(tasks, nmis, argc > 2 ? atof(argv[2]) : 2,
				  stop_bad);
	}
	if (!strcmp(mode, "one")) {
		long i, n = argc > 2 ? atol(argv[2]) : 1000;

		for (i = 0; i < n; i++)
			bench_fastpath(set);
		return 0;
	}
	fprintf(stderr, "usage: native [bench | stress [SECONDS] | one N]\n");
	return 2;
}
