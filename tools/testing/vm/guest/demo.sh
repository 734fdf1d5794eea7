# SPDX-License-Identifier: GPL-2.0
# Guest side of "make demo": live /proc/constats under a gentle workload
# and real kernel events, then the same sets held to their invariants.
insmod ./constats.ko
# Writers in task (every 2 ms), softirq (every tick), hardirq (every 5 ms)
# and, on x86, NMI (every 16th task or hardirq bracket).
insmod ./constats_stress.ko duration=0 delay_us=2000 hrtimer_us=5000
# Interrupts, scheduler and block events from tracepoints, compared every
# 1 ms with the same events summed racily.
insmod ./constats_trace.ko compare_us=1000
# A disk with nothing behind it, from the kernel's own modules, for the
# block set.
insmod ./configfs.ko && insmod ./null_blk.ko
for i in 1 2 3 4; do
	# A small workload: 20 processes and 1 MiB of direct I/O.
	j=0
	while [ $j -lt 20 ]; do /bin/true; j=$((j + 1)); done
	if [ -b /dev/nullb0 ]; then
		dd if=/dev/zero of=/dev/nullb0 bs=64k count=8 oflag=direct 2> /dev/null
		dd if=/dev/nullb0 of=/dev/null bs=64k count=8 iflag=direct 2> /dev/null
	fi
	sleep 2
	echo "--- cat /proc/constats ($((i * 2)) s) ---"
	cat /proc/constats
done
echo "--- constats check -n 100: every declared invariant, 100 snapshots ---"
./constats check -n 100
rmmod constats_trace
rmmod null_blk configfs
rmmod constats_stress
rmmod constats
echo "--- modules unloaded; the stress run's verdict ---"
dmesg | grep 'constats_stress:' | sed 's/^\[[^]]*\] //'
