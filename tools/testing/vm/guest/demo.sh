# SPDX-License-Identifier: GPL-2.0
# Guest side of "make demo": live /proc/constats under a gentle workload.
insmod ./constats.ko
# Writers in task (every 2 ms), softirq (every tick) and hardirq (every 5 ms).
insmod ./constats_stress.ko duration=0 delay_us=2000 hrtimer_us=5000
for i in 1 2 3 4; do
	sleep 2
	echo "--- cat /proc/constats ($((i * 2)) s) ---"
	cat /proc/constats
done
rmmod constats_stress
rmmod constats
echo "--- modules unloaded; the stress run's verdict ---"
dmesg | grep 'constats_stress:' | sed 's/^\[[^]]*\] //'
