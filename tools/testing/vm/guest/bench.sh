# SPDX-License-Identifier: GPL-2.0
# Guest side of "make bench": load constats and the benchmark module; its
# results reach the host through the kernel log dumped at the end.  Then
# the comparison with racily summed per-CPU counters, as "constats-compare:"
# lines.
. ./lib.sh

insmod ./constats.ko || exit 1
insmod ./constats_bench.ko "$@" || exit 1
rmmod constats_bench

# The stress set's adds, also kept in percpu_counters (racy=1).
insmod ./constats_stress.ko duration=10 racy=1 stat_interval=0 || exit 1
stress_ended() { dmesg | grep -q "constats_stress: End of test:"; }
wait_for stress_ended 300
line=$(dmesg | grep "constats_stress: racy sums=" | tail -n 1)
echo "constats-compare: stress 10 s: ${line#*racy }"
rmmod constats_stress

# Tracepoint events under a fork load on every CPU (compare_us=100), with
# block requests on the kernel's own null_blk.
COMPARE_SECONDS=${COMPARE_SECONDS:-30}
insmod ./configfs.ko && insmod ./null_blk.ko || exit 1
insmod ./constats_trace.ko compare_us=100 || exit 1
f0=$(proc_value sched forks)
fork_load "$COMPARE_SECONDS"
echo "constats-compare: trace $COMPARE_SECONDS s:" \
	"forks=$(( $(proc_value sched forks) - f0 ))" \
	"softirqs=$(proc_value irq softirq_entries)" \
	"rounds=$(proc_value trace_compare rounds)" \
	"irq_racy=$(proc_value trace_compare irq_racy_violations)" \
	"irq_constats=$(proc_value trace_compare irq_constats_violations)" \
	"sched_racy=$(proc_value trace_compare sched_racy_violations)" \
	"sched_constats=$(proc_value trace_compare sched_constats_violations)" \
	"block_requests=$(proc_value block requests_issued)" \
	"block_racy=$(proc_value trace_compare block_racy_violations)" \
	"block_constats=$(proc_value trace_compare block_constats_violations)"
rmmod constats_trace
rmmod null_blk configfs
rmmod constats
