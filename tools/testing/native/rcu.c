// SPDX-License-Identifier: GPL-2.0
/*
 * The shim's RCU: the kernel's grace-period API for threads that play
 * CPUs, as user-space RCU's QSBR flavour (liburcu's urcu-qsbr) gives it.
 * The model and what it promises are at the top of include/constats_shim.h.
 *
 * Each registered thread has a word that other threads read: 0 while it is
 * offline, else (the number of the latest grace period it has reported a
 * quiescent state for) << 1 | 1.  Grace periods are numbered as the
 * kernel's ->gp_seq is, with one state bit: odd while one runs.
 *
 * As in liburcu, a grace period that has spun a while for a thread sleeps
 * on a futex, and the thread's next report wakes it: two threads that
 * play two CPUs may share one core of the host, and there the one that
 * waits must give the core to the one it waits for, and have it back as
 * soon as that one has reported.
 */
#include <sys/syscall.h>

#include "constats_shim.h"

/* <linux/futex.h>'s, which the shim's <linux/types.h> would shadow */
#define SHIM_FUTEX_WAIT_PRIVATE	(0 | 128)
#define SHIM_FUTEX_WAKE_PRIVATE	(1 | 128)

#define SHIM_RCU_THREADS	128

struct shim_rcu_thread {
	unsigned long ctr;	/* READ_ONCE()/WRITE_ONCE(); see above */
} ____cacheline_aligned_in_smp;

static struct shim_rcu_thread shim_rcu_threads[SHIM_RCU_THREADS];
static bool shim_rcu_used[SHIM_RCU_THREADS];	/* under the registry lock */
static pthread_mutex_t shim_rcu_registry = PTHREAD_MUTEX_INITIALIZER;
/* One grace period at a time; its runner writes shim_rcu_gp_seq. */
static pthread_mutex_t shim_rcu_gp_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long shim_rcu_gp_seq;
/* -1 while a grace period sleeps on it; __atomic_*() */
static int shim_rcu_futex;

unsigned long constats_shim_rcu_qs_seq;
__thread unsigned long constats_shim_rcu_seen;
__thread bool constats_shim_rcu_online;
static __thread struct shim_rcu_thread *shim_rcu_self;

static void shim_rcu_online(void)
{
	unsigned long q = READ_ONCE(constats_shim_rcu_qs_seq);

	WRITE_ONCE(shim_rcu_self->ctr, q << 1 | 1);
	smp_mb();	/* online before the brackets that follow */
	constats_shim_rcu_seen = q;
	constats_shim_rcu_online = true;
}

/* After a report: wake the grace period if it sleeps. */
static void shim_rcu_wake_gp(void)
{
	if (__atomic_load_n(&shim_rcu_futex, __ATOMIC_RELAXED) != -1)
		return;
	__atomic_store_n(&shim_rcu_futex, 0, __ATOMIC_RELAXED);
	syscall(SYS_futex, &shim_rcu_futex, SHIM_FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void shim_rcu_offline(void)
{
	smp_mb();	/* the brackets before, before going offline */
	WRITE_ONCE(shim_rcu_self->ctr, 0);
	constats_shim_rcu_online = false;
	smp_mb();	/* the store before the futex load, as in a report */
	shim_rcu_wake_gp();
}

/* The calling thread plays a CPU from now on: it is online. */
void constats_shim_rcu_register(void)
{
	int i;

	pthread_mutex_lock(&shim_rcu_registry);
	for (i = 0; i < SHIM_RCU_THREADS && shim_rcu_used[i]; i++)
		;
	if (i == SHIM_RCU_THREADS) {
		fprintf(stderr, "constats shim: more than %d RCU threads\n",
			SHIM_RCU_THREADS);
		exit(2);
	}
	shim_rcu_used[i] = true;
	pthread_mutex_unlock(&shim_rcu_registry);
	shim_rcu_self = &shim_rcu_threads[i];
	shim_rcu_online();
}

/* The calling thread stops: offline for good. */
void constats_shim_rcu_unregister(void)
{
	struct shim_rcu_thread *self = shim_rcu_self;

	if (!self)
		return;
	shim_rcu_offline();
	shim_rcu_self = NULL;
	pthread_mutex_lock(&shim_rcu_registry);
	shim_rcu_used[self - shim_rcu_threads] = false;
	pthread_mutex_unlock(&shim_rcu_registry);
}

/*
 * The slow half of constats_shim_rcu_quiescent_state(): a grace period
 * has begun since this thread last reported.  The first barrier puts its
 * brackets so far before the report, the second the report (and the load
 * of the grace period's number) before its next brackets.
 */
void constats_shim_rcu_report_qs(void)
{
	unsigned long q = READ_ONCE(constats_shim_rcu_qs_seq);

	if (!constats_shim_rcu_online)
		return;
	smp_mb();	/* the brackets so far before the report */
	WRITE_ONCE(shim_rcu_self->ctr, q << 1 | 1);
	smp_mb();	/* the report before the next brackets */
	constats_shim_rcu_seen = q;
	shim_rcu_wake_gp();
}

/* Before a sleep: returns whether the thread was online, and is not now. */
bool constats_shim_rcu_sleep_begin(void)
{
	if (!constats_shim_rcu_online)
		return false;
	shim_rcu_offline();
	return true;
}

void constats_shim_rcu_sleep_end(bool was_online)
{
	if (was_online)
		shim_rcu_online();
}

/* rcu_seq_snap(): the count at which a grace period begun now has ended. */
static unsigned long shim_rcu_snap(unsigned long seq)
{
	return (seq + 3) & ~1UL;
}

static bool shim_rcu_done(unsigned long cookie)
{
	return (long)(READ_ONCE(shim_rcu_gp_seq) - cookie) >= 0;
}

void constats_shim_rcu_get_state(struct rcu_gp_oldstate *rgosp)
{
	smp_mb();	/* what the caller did before, before the load */
	rgosp->rgos_norm = shim_rcu_snap(READ_ONCE(shim_rcu_gp_seq));
}

bool constats_shim_rcu_poll_state(const struct rcu_gp_oldstate *rgosp)
{
	if (!shim_rcu_done(rgosp->rgos_norm))
		return false;
	smp_mb();	/* the grace period's end before what follows */
	return true;
}

static bool shim_rcu_waits_for(int i, unsigned long q)
{
	unsigned long c = READ_ONCE(shim_rcu_threads[i].ctr);

	return c && c != (q << 1 | 1);
}

/* Wait until every registered thread has reported @q or is offline. */
static void shim_rcu_wait_for(unsigned long q)
{
	/* A safety net: every report after the futex store wakes us. */
	static const struct timespec nap = { .tv_nsec = 1000000 };
	unsigned int spins;
	int i;

	for (i = 0; i < SHIM_RCU_THREADS; i++) {
		spins = 0;
		while (shim_rcu_waits_for(i, q)) {
			if (++spins < 256) {
				cpu_relax();
				continue;
			}
			/* It may share our core: sleep until it reports. */
			__atomic_store_n(&shim_rcu_futex, -1, __ATOMIC_RELAXED);
			smp_mb();	/* the store before the look */
			if (!shim_rcu_waits_for(i, q))
				break;
			syscall(SYS_futex, &shim_rcu_futex, SHIM_FUTEX_WAIT_PRIVATE,
				-1, &nap, NULL, 0);
		}
	}
	__atomic_store_n(&shim_rcu_futex, 0, __ATOMIC_RELAXED);
}

/* A grace period; the caller holds shim_rcu_gp_lock. */
static void shim_rcu_gp(void)
{
	unsigned long q = shim_rcu_gp_seq + 1;

	WRITE_ONCE(shim_rcu_gp_seq, q);		/* rcu_seq_start() */
	smp_mb();
	WRITE_ONCE(constats_shim_rcu_qs_seq, q);
	smp_mb();	/* the number out before the threads' words are read */
	shim_rcu_wait_for(q);
	smp_mb();	/* their brackets before the end */
	WRITE_ONCE(shim_rcu_gp_seq, q + 1);	/* rcu_seq_end() */
}

/*
 * synchronize_rcu(): the caller is offline while it waits, as a task that
 * sleeps in it is.  Waiters share grace periods: one that began after the
 * call will do, whoever ran it.
 */
void constats_shim_rcu_synchronize(void)
{
	bool on = constats_shim_rcu_sleep_begin();
	unsigned long cookie;

	smp_mb();	/* what the caller did before, before the load */
	cookie = shim_rcu_snap(READ_ONCE(shim_rcu_gp_seq));
	pthread_mutex_lock(&shim_rcu_gp_lock);
	while (!shim_rcu_done(cookie))
		shim_rcu_gp();
	pthread_mutex_unlock(&shim_rcu_gp_lock);
	smp_mb();	/* the grace period's end before what follows */
	constats_shim_rcu_sleep_end(on);
}

void constats_shim_rcu_cond_sync(const struct rcu_gp_oldstate *rgosp)
{
	if (!constats_shim_rcu_poll_state(rgosp))
		constats_shim_rcu_synchronize();
}

/* RCU_LOCKDEP_WARN() in the portable and ThreadSanitizer builds. */
void constats_shim_rcu_suspicious(const char *s)
{
	/* A thread that plays a CPU must call constats_shim_rcu_register(). */
	fprintf(stderr, "constats shim: suspicious RCU usage: %s\n", s);
	abort();
}
