# SPDX-License-Identifier: GPL-2.0
#
# bench-smp.sh: what a reader costs as the CPUs grow, run by make bench at
# -smp 1, 2, 4 and 8: the snapshot latency (constats_bench.ko
# readers_only=1, csv lines with x = online CPUs), then 8 s of the stress
# test for the snapshot rate and the worst reader wait while every CPU
# writes.
. ./lib.sh

insmod ./constats.ko || exit 1
insmod ./constats_bench.ko readers_only=1 || exit 1
rmmod constats_bench

STRESS_SECONDS=8
insmod ./constats_stress.ko duration=$STRESS_SECONDS stat_interval=0 || exit 1
stress_ended() { dmesg | grep -q "constats_stress: End of test:"; }
wait_for stress_ended 300 || exit 1
line=$(dmesg | grep "constats_stress: final: " | tail -n 1)
snaps=$(echo "$line" | sed -n 's/.* snapshots=\([0-9]*\) .*/\1/p')
wait_us=$(echo "$line" | sed -n 's/.* max_reader_wait_us=\([0-9]*\) .*/\1/p')
echo "constats-smp: cpus=$(grep -c ^processor /proc/cpuinfo) seconds=$STRESS_SECONDS snapshots=$snaps max_reader_wait_us=$wait_us"
rmmod constats_stress
rmmod constats
