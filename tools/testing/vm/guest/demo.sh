# SPDX-License-Identifier: GPL-2.0
# Guest side of "make demo": live /proc/constats under a gentle workload
# and real kernel events, then the same sets held to their invariants.
insmod ./constats.ko
# Writers in task (every 2 ms), softirq (every tick) and hardirq (every 5 ms).
insmod ./constats_stress.ko duration=0 delay_us=2000 hrtimer_us=5000
# Interrupts and scheduler events from tracepoints, compared every 1 ms
# with the same events summed racily.
insmod ./constats_trace.ko compare_us=1000
for i in 1 2 3 4; do
	# A small workload: 20 processes.
	j=0
	while [ $j -lt 20 ]; do /bin/true; j=$((j + 1)); done
	sleep 2
	echo "--- cat /proc/constats ($((i * 2)) s) ---"
	cat /proc/constats
done
echo "--- constats check -n 100: every declared invariant, 100 snapshots ---"
./constats check -n 100
rmmod constats_trace
rmmod constats_stress
rmmod constats
echo "--- modules unloaded; the stress run's verdict ---"
dmesg | grep 'constats_stress:' | sed 's/^\[[^]]*\] //'
