/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel for kmod/constats_core.c, constats_reader.c
 * and the writer fast path in <linux/constats.h> to build and run in user
 * space, with threads standing in for CPUs (as tools/testing/radix-tree
 * does for radix-tree.c).
 *
 * A thread claims a "CPU" with constats_shim_set_cpu(); per-CPU memory is
 * one block per allocation with a fixed stride per CPU.  Orderings are the
 * kernel's or stronger: this_cpu_inc() is a release RMW, WRITE_ONCE() a
 * release store and READ_ONCE() an acquire load, so ThreadSanitizer, which
 * does not model fences, sees the synchronisation the fences give in the
 * kernel.
 *
 * With CONSTATS_SHIM_X86 the orderings are exactly the x86 kernel's
 * instead, so that a missing barrier shows on real cores as it would in
 * the kernel: this_cpu_inc() is a plain "incl" (not locked), READ_ONCE()
 * and WRITE_ONCE() are volatile accesses, smp_mb() is the kernel's
 * "lock addl $0,-4(%rsp)", smp_wmb() and smp_rmb() are compiler barriers.
 * CONSTATS_SHIM_GS (with CONSTATS_SHIM_X86) goes further: per-CPU accesses
 * and the preempt count are the kernel's own %gs-relative instructions.
 * make check builds the mutants that way (tools/testing/mutants.sh).
 *
 * RCU (rcu.c).  The reader's barrier is an RCU grace period, which waits
 * for a bracket because the bracket runs with preemption disabled, a
 * read-side critical section.  (It was an IPI round, smp_call_function(),
 * which the shim ran as membarrier(2)'s MEMBARRIER_CMD_PRIVATE_EXPEDITED,
 * a full barrier on every CPU running one of the process's threads;
 * litmus.c's asym mode still runs that.  A grace period is more: it also
 * waits for every bracket open when it began.)  Here preempt_disable() is
 * a compiler barrier, or a %gs counter nothing else reads, and the host
 * may deschedule a thread anywhere, so no grace period can see whether a
 * bracket is open.  The shim has user-space RCU's QSBR flavour instead
 * (liburcu's urcu-qsbr), with the kernel's grace-period API on top:
 *
 * - every thread that plays a CPU (task writers, NMI writers, the bench's
 *   threads, the readers) registers (constats_shim_rcu_register()) and is
 *   then online: one read-side critical section from one quiescent state
 *   to the next.  Its brackets are inside, as they are inside the kernel's
 *   preempt-disabled regions;
 * - it reports a quiescent state (constats_shim_rcu_quiescent_state()) in
 *   its own loop, between brackets, never in the fast path, whose
 *   instructions stay the module's; when no grace period waits for it
 *   that is one load and a compare.  It goes offline, an extended
 *   quiescent state like an idle CPU's, while it sleeps (usleep_range(),
 *   fsleep(), a contended mutex_lock(), wait_var_event(), a grace period
 *   of its own) and when it stops (constats_shim_rcu_unregister());
 * - get_state_synchronize_rcu_full() gives a cookie: the grace period
 *   count (odd while one runs) at which a grace period begun after the
 *   call has ended.  poll_state_synchronize_rcu_full() tests it, and
 *   cond_synchronize_rcu_full() runs grace periods until it is reached.
 *   A grace period, one at a time, publishes its number, then waits until
 *   every registered thread has reported a quiescent state after reading
 *   it, or is offline.  The expedited forms are the same.
 *
 * The guarantees are the kernel's for a preempt-disabled region
 * (synchronize_rcu()'s kernel-doc), with the same full barriers: a
 * thread's report is smp_mb(), the store, smp_mb(); going offline is
 * smp_mb() then the store, online the store then smp_mb(); the grace
 * period has smp_mb() after it publishes its number and before it ends,
 * the cookie is taken after smp_mb() and a poll that succeeds returns
 * after one.  So a bracket begun before the grace period began has ended,
 * and its stores are visible, when it ends; a bracket that ends after it
 * ends began after a full barrier on its thread that followed the grace
 * period's start, and loads what was stored before the cookie was taken.
 * In the x86 build those are the kernel's own "lock addl", so a barrier
 * missing from the protocol still shows on the real cores.  A thread the
 * host deschedules holds grace periods up until it runs again, as a vCPU
 * preempted by its hypervisor does; a grace period that has spun a while
 * sleeps on a futex that the next report wakes, so that two threads on one
 * host core hand it over at once.  A bracket opened where RCU does not
 * watch is a harness bug: the portable and ThreadSanitizer builds check
 * RCU_LOCKDEP_WARN() as a debug kernel does, and abort.
 */
#ifndef _CONSTATS_SHIM_H
#define _CONSTATS_SHIM_H

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef long long s64;
typedef unsigned long long u64;
typedef uint32_t u32;
typedef unsigned short umode_t;

#define KBUILD_MODNAME "constats"
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define pr_warn(fmt, ...) fprintf(stderr, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) fprintf(stderr, pr_fmt(fmt), ##__VA_ARGS__)
#define scnprintf(buf, size, fmt, ...) ({				\
	int __n = snprintf((buf), (size), fmt, ##__VA_ARGS__);		\
	__n < (int)(size) ? __n : (int)(size) - 1; })
#define module_param(name, type, perm)
/*
 * A parameter with callbacks is a pointer the harness can set:
 * constats_shim_param_<name>.
 */
struct kernel_param;
struct kernel_param_ops {
	int (*set)(const char *val, const struct kernel_param *kp);
	int (*get)(char *buf, const struct kernel_param *kp);
};

/* The core's parameters with callbacks, here the harness sets them. */
extern unsigned int *constats_shim_param_shared_interval_ms;
#define module_param_cb(name, ops, arg, perm) \
	const void *constats_shim_param_ops_##name = (ops); \
	__typeof__(arg) constats_shim_param_##name = (arg)
#define param_set_uint_minmax(val, kp, min, max) \
	((void)(val), (void)(kp), -EINVAL)
#define param_get_uint NULL
#define MODULE_PARM_DESC(name, desc)
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)
#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#define struct_size(p, member, n) \
	(sizeof(*(p)) + (n) * sizeof(*(p)->member))
#define IS_ENABLED(x) 0

/* compiler */
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define noinline __attribute__((noinline))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __percpu
#define __user
#define __acquires(x)
#define __releases(x)
#define __acquire(x) ((void)0)
#define __release(x) ((void)0)
#define barrier() __asm__ __volatile__("" : : : "memory")
#ifdef CONSTATS_SHIM_X86
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#else
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#endif
#define data_race(expr) (expr)
#define ASSERT_EXCLUSIVE_WRITER(var) do { } while (0)
#define ASSERT_EXCLUSIVE_ACCESS(var) do { } while (0)
#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(type, a, b) min((type)(a), (type)(b))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN(x, a) (((x) + (a) - 1) / (a) * (a))
#define EXPORT_SYMBOL_GPL(sym)

/* barriers */
#ifdef CONSTATS_SHIM_X86
#define smp_mb() \
	__asm__ __volatile__("lock; addl $0,-4(%%rsp)" : : : "memory", "cc")
#define smp_wmb() barrier()
#define smp_rmb() barrier()
#define smp_store_release(p, v) do { barrier(); WRITE_ONCE(*(p), (v)); } while (0)
#else
#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#endif
#define cpu_relax() __builtin_ia32_pause()
/* Threads are never on a preempted vCPU that the reader could know of. */
#define vcpu_is_preempted(cpu) ((void)(cpu), false)
/* Sleeping is a quiescent state: the thread is offline meanwhile. */
#define usleep_range(min, max) constats_shim_sleep_us(min)
#define fsleep(us) constats_shim_sleep_us(us)

/* time */
#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL
#define USEC_PER_SEC 1000000UL
#define div_u64(a, b) ((u64)(a) / (b))
static inline u64 ktime_get_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* cache */
#define SMP_CACHE_BYTES 64
#define ____cacheline_aligned_in_smp __attribute__((aligned(SMP_CACHE_BYTES)))

#ifdef CONSTATS_SHIM_GS
/*
 * CONSTATS_SHIM_GS: per-CPU memory and the preempt count as the x86-64
 * kernel (6.1) has them, so that the writer fast path compiles to the
 * module's own instructions (fastpath.c; make bench diffs the two).  A
 * per-CPU pointer is an address in a template, the "constats_percpu"
 * section, as in the kernel's .data..percpu; CPU n's copy is at that
 * address plus __per_cpu_offset[n], and a thread playing CPU n has that
 * offset as its %gs base (arch_prctl(ARCH_SET_GS)), so "%gs:var" is its
 * copy.  __preempt_count and this_cpu_off live in the template, as in the
 * kernel.  The asm forms are those of arch/x86/include/asm/percpu.h and
 * preempt.h.  NMI writers need a preempt count apart from their CPU's
 * task, so this build has none.
 */
#define CONSTATS_SHIM_PERCPU \
	__attribute__((section("constats_percpu"), aligned(SMP_CACHE_BYTES)))
#define PREEMPT_NEED_RESCHED	0x80000000
#define NMI_MASK		0x00f00000
extern unsigned long __per_cpu_offset[];
extern int __preempt_count;
extern unsigned long this_cpu_off;
extern char __start_constats_percpu[], __stop_constats_percpu[];

/* percpu_from_op() and percpu_unary_op(), 4 bytes; "qual" as there */
#define constats_shim_read4(qual, _var) ({				\
	_Static_assert(sizeof(_var) == 4, "4-byte per-CPU read");	\
	u32 __val;							\
	asm qual("movl %%gs:%[var], %[val]"				\
		 : [val] "=r" (__val) : [var] "m" (_var));		\
	(__typeof__(_var))__val; })
#define constats_shim_unary4(qual, op, _var) ({				\
	_Static_assert(sizeof(_var) == 4, "4-byte per-CPU op");		\
	asm qual(op "l %%gs:%[var]" : [var] "+m" (_var)); })
#define this_cpu_read(pcp)	constats_shim_read4(volatile, pcp)
#define this_cpu_inc(pcp)	constats_shim_unary4(volatile, "inc", pcp)
/* raw_cpu_add_8(var, 1), the floor's add */
#define __this_cpu_inc(_var) ({						\
	_Static_assert(sizeof(_var) == 8, "8-byte per-CPU op");		\
	asm("incq %%gs:%[var]" : [var] "+m" (_var)); })
/* raw_cpu_add_8(): percpu_add_op(), inc and dec for constant 1 and -1 */
#define __this_cpu_add(_var, _val) do {					\
	const int __id = (__builtin_constant_p(_val) &&			\
			  ((_val) == 1 || (_val) == -1)) ? (int)(_val) : 0; \
	_Static_assert(sizeof(_var) == 8, "8-byte per-CPU op");		\
	if (__id == 1)							\
		asm("incq %%gs:%[var]" : [var] "+m" (_var));		\
	else if (__id == -1)						\
		asm("decq %%gs:%[var]" : [var] "+m" (_var));		\
	else								\
		asm("addq %[val], %%gs:%[var]" : [var] "+m" (_var)	\
		    : [val] "re" ((s64)(_val)));			\
} while (0)
/* arch_raw_cpu_ptr() and SHIFT_PERCPU_PTR() */
#define this_cpu_ptr(ptr) ({						\
	unsigned long __ptr;						\
	asm("add %%gs:%1, %0" : "=r" (__ptr)				\
	    : "m" (this_cpu_off), "0" (ptr));				\
	(__typeof__(ptr))__ptr; })
#define per_cpu_ptr(ptr, cpu) ({					\
	unsigned long __ptr;						\
	asm("" : "=r" (__ptr) : "0" (ptr));				\
	(__typeof__(ptr))(__ptr + __per_cpu_offset[cpu]); })

/* CONFIG_PREEMPTION, CONFIG_PREEMPT_DYNAMIC: preempt.h's forms */
#define preempt_count() \
	(constats_shim_read4(, __preempt_count) & ~PREEMPT_NEED_RESCHED)
#define preempt_disable() do {						\
	constats_shim_unary4(, "inc", __preempt_count);			\
	barrier();							\
} while (0)
register unsigned long constats_shim_sp __asm__("rsp");
#define preempt_enable() do {						\
	bool __zero;							\
	barrier();							\
	asm volatile("decl %%gs:%[var]"					\
		     : [var] "+m" (__preempt_count), "=@cce" (__zero)	\
		     : : "memory");					\
	if (unlikely(__zero))						\
		asm volatile("call __SCT__preempt_schedule"		\
			     : "+r" (constats_shim_sp));		\
} while (0)
#define in_nmi() (preempt_count() & NMI_MASK)
#else
/*
 * context: a thread is in "task context", or plays a CPU's NMI handler
 * (constats_shim_nmi set), using only that CPU's NMI sequence and slot.
 */
#define preempt_disable() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define preempt_enable() __atomic_signal_fence(__ATOMIC_SEQ_CST)
extern __thread int constats_shim_nmi;
#define in_nmi() constats_shim_nmi

/* per-CPU: one block per allocation, CPU n's copy n strides in */
#define CONSTATS_SHIM_STRIDE 16384
#define per_cpu_ptr(p, cpu) \
	((__typeof__(p))((char *)(p) + (size_t)(cpu) * CONSTATS_SHIM_STRIDE))
#define this_cpu_ptr(p) per_cpu_ptr(p, constats_shim_cpu)
/*
 * A thread cannot interrupt another, so an NMI thread plays an NMI that
 * always lands inside an open bracket of its CPU: the one per-CPU read of
 * the writer, constats_acquire()'s test of the sequence, finds it odd and
 * sends the bracket to the NMI path.  An NMI outside any bracket is a task
 * bracket, which the task threads play.
 */
#define this_cpu_read(x) \
	(constats_shim_nmi ? 1 : READ_ONCE(*this_cpu_ptr(&(x))))
#ifdef CONSTATS_SHIM_X86
#define this_cpu_inc(x) \
	__asm__ __volatile__("incl %0" : "+m" (*this_cpu_ptr(&(x))))
#else
#define this_cpu_inc(x) \
	((void)__atomic_fetch_add(this_cpu_ptr(&(x)), 1, __ATOMIC_RELEASE))
#endif
#define __this_cpu_inc(x) \
	__atomic_store_n(this_cpu_ptr(&(x)), *this_cpu_ptr(&(x)) + 1, \
			 __ATOMIC_RELAXED)
/*
 * The bracket's adds: plain, as the kernel's generic ones are, so that
 * ThreadSanitizer sees any other writer of a bracket's slot.
 */
#define __this_cpu_add(x, v) ((void)(*this_cpu_ptr(&(x)) += (v)))
#endif /* CONSTATS_SHIM_GS */
#define might_sleep() ((void)0)
extern int constats_shim_nr_cpus;
extern __thread int constats_shim_cpu;
void constats_shim_set_cpu(int cpu);
void *__alloc_percpu(size_t size, size_t align);
void free_percpu(void *p);
#define nr_cpu_ids ((unsigned int)constats_shim_nr_cpus)
#define for_each_possible_cpu(cpu) \
	for ((cpu) = 0; (cpu) < constats_shim_nr_cpus; (cpu)++)

/* warnings */
#define WARN_ONCE(cond, fmt, ...) ({					\
	int __c = !!(cond);						\
	if (__c)							\
		fprintf(stderr, "WARNING: " fmt, ##__VA_ARGS__);	\
	__c; })
#define WARN_ON_ONCE(cond) WARN_ONCE(cond, "%s\n", #cond)

/* errors */
#define MAX_ERRNO 4095
static inline void *ERR_PTR(long e) { return (void *)e; }
static inline long PTR_ERR(const void *p) { return (long)p; }
static inline bool IS_ERR(const void *p)
{
	return (unsigned long)p >= (unsigned long)-MAX_ERRNO;
}
static inline bool IS_ERR_OR_NULL(const void *p) { return !p || IS_ERR(p); }

/* memory */
#define GFP_KERNEL 0
#define kzalloc(size, gfp) calloc(1, (size))
#define kcalloc(n, size, gfp) calloc((n), (size))
#define kfree(p) free(p)
#define kvcalloc(n, size, gfp) calloc((n), (size))
#define kvfree(p) free(p)
static inline ssize_t strscpy(char *d, const char *s, size_t n)
{
	size_t len = strnlen(s, n);

	if (len == n)
		len = n - 1;
	memcpy(d, s, len);
	d[len] = '\0';
	return len;
}

/* locks */
typedef pthread_spinlock_t raw_spinlock_t;
#define raw_spin_lock_init(l) pthread_spin_init((l), PTHREAD_PROCESS_PRIVATE)
#define raw_spin_lock_irqsave(l, f) ((f) = 0, pthread_spin_lock(l))
#define raw_spin_unlock_irqrestore(l, f) ((void)(f), pthread_spin_unlock(l))
#define raw_spin_lock_irq(l) pthread_spin_lock(l)
#define raw_spin_unlock_irq(l) pthread_spin_unlock(l)
struct mutex { pthread_mutex_t m; };
#define DEFINE_MUTEX(name) struct mutex name = { PTHREAD_MUTEX_INITIALIZER }
#define mutex_init(x) pthread_mutex_init(&(x)->m, NULL)
#define mutex_destroy(x) pthread_mutex_destroy(&(x)->m)
/* A mutex_lock() that has to wait sleeps: a quiescent state. */
#define mutex_lock(x) constats_shim_mutex_lock(&(x)->m)
#define mutex_lock_killable(x) (constats_shim_mutex_lock(&(x)->m), 0)
#define mutex_unlock(x) pthread_mutex_unlock(&(x)->m)
#define lockdep_assert_held(x) ((void)(x))

/* atomics and waiting */
typedef struct { int counter; } atomic_t;
typedef struct { s64 counter; } atomic64_t;
#define atomic64_read(v) __atomic_load_n(&(v)->counter, __ATOMIC_RELAXED)
#define atomic64_add(i, v) \
	((void)__atomic_fetch_add(&(v)->counter, (i), __ATOMIC_RELAXED))
#define atomic_read(v) __atomic_load_n(&(v)->counter, __ATOMIC_ACQUIRE)
#define atomic_inc(v) __atomic_fetch_add(&(v)->counter, 1, __ATOMIC_SEQ_CST)
#define atomic_dec_and_test(v) \
	(__atomic_sub_fetch(&(v)->counter, 1, __ATOMIC_SEQ_CST) == 0)
#define xchg(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define wake_up_var(v) ((void)(v))
#define wait_var_event(v, cond) do {					\
	bool __on = constats_shim_rcu_sleep_begin();			\
									\
	while (!(cond))							\
		sched_yield();						\
	constats_shim_rcu_sleep_end(__on);				\
} while (0)

/*
 * RCU, as user-space RCU's QSBR flavour has it (rcu.c): see the top of
 * this file.
 */
struct rcu_gp_oldstate {
	unsigned long rgos_norm;
};
/* The grace period threads report for; written when one begins. */
extern unsigned long constats_shim_rcu_qs_seq;
/* What this thread last reported; whether it is registered and online. */
extern __thread unsigned long constats_shim_rcu_seen;
extern __thread bool constats_shim_rcu_online;
void constats_shim_rcu_register(void);
void constats_shim_rcu_unregister(void);
void constats_shim_rcu_report_qs(void);
bool constats_shim_rcu_sleep_begin(void);
void constats_shim_rcu_sleep_end(bool was_online);
void constats_shim_rcu_get_state(struct rcu_gp_oldstate *rgosp);
bool constats_shim_rcu_poll_state(const struct rcu_gp_oldstate *rgosp);
void constats_shim_rcu_cond_sync(const struct rcu_gp_oldstate *rgosp);
void constats_shim_rcu_synchronize(void);
void constats_shim_rcu_suspicious(const char *s);

/*
 * A quiescent state of the calling thread, between its brackets: one load
 * and a compare unless a grace period waits for it.  Returns whether one
 * did.
 */
static inline bool constats_shim_rcu_quiescent_state(void)
{
	if (likely(READ_ONCE(constats_shim_rcu_qs_seq) ==
		   constats_shim_rcu_seen))
		return false;
	constats_shim_rcu_report_qs();
	return true;
}

/* Sleeping: offline meanwhile, if the thread was online. */
static inline void constats_shim_sleep_us(unsigned long us)
{
	bool on = constats_shim_rcu_sleep_begin();

	usleep(us);
	constats_shim_rcu_sleep_end(on);
}

static inline void constats_shim_mutex_lock(pthread_mutex_t *m)
{
	bool on;

	if (!pthread_mutex_trylock(m))
		return;
	on = constats_shim_rcu_sleep_begin();
	pthread_mutex_lock(m);
	constats_shim_rcu_sleep_end(on);
}

#define get_state_synchronize_rcu_full(p) constats_shim_rcu_get_state(p)
#define poll_state_synchronize_rcu_full(p) constats_shim_rcu_poll_state(p)
#define cond_synchronize_rcu_full(p) constats_shim_rcu_cond_sync(p)
#define cond_synchronize_rcu_expedited_full(p) constats_shim_rcu_cond_sync(p)
#define synchronize_rcu() constats_shim_rcu_synchronize()
#define synchronize_rcu_expedited() constats_shim_rcu_synchronize()
#define rcu_is_watching() constats_shim_rcu_online
#ifdef CONSTATS_SHIM_X86
/* As in a kernel without CONFIG_PROVE_RCU: the fast path is the module's. */
#define RCU_LOCKDEP_WARN(c, s) do { } while (0 && (c))
#else
#define RCU_LOCKDEP_WARN(c, s) do {					\
	if (unlikely(c))						\
		constats_shim_rcu_suspicious(s);			\
} while (0)
#endif

/* seqcount_mutex_t: the lock is the writers' business, not the shim's. */
typedef struct {
	unsigned int sequence;
} seqcount_mutex_t;
#define seqcount_mutex_init(s, lock) ((void)(lock), (s)->sequence = 0)
#define write_seqcount_begin(s) do {					\
	WRITE_ONCE((s)->sequence, (s)->sequence + 1);			\
	smp_wmb();							\
} while (0)
#define write_seqcount_end(s) do {					\
	smp_wmb();							\
	WRITE_ONCE((s)->sequence, (s)->sequence + 1);			\
} while (0)
#define read_seqcount_begin(s) ({					\
	unsigned int __seq;						\
									\
	while ((__seq = READ_ONCE((s)->sequence)) & 1)			\
		cpu_relax();						\
	smp_rmb();							\
	__seq; })
#define read_seqcount_retry(s, start) \
	({ smp_rmb(); READ_ONCE((s)->sequence) != (start); })

/* lists */
struct list_head { struct list_head *next, *prev; };
#define LIST_HEAD(name) struct list_head name = { &(name), &(name) }
static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l->prev = l; }
static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}
static inline void list_del(struct list_head *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
}
#define list_entry(p, type, member) container_of(p, type, member)
#define list_for_each_entry(pos, head, member)				\
	for (pos = list_entry((head)->next, __typeof__(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))
#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_entry((head)->next, __typeof__(*pos), member),	\
	     n = list_entry(pos->member.next, __typeof__(*pos), member);	\
	     &pos->member != (head);					\
	     pos = n, n = list_entry(n->member.next, __typeof__(*n), member))

#endif /* _CONSTATS_SHIM_H */
