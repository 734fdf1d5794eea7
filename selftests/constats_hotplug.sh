#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# CPU hotplug under load: take CPUs offline and online through sysfs,
# over and over, while constats_stress.ko's writers (task, softirq,
# hardirq) and readers run.  No bracket may be lost and every snapshot
# must hold the invariants; the kernel log must stay clean.
. "$(dirname "$0")/lib.sh"
require_root_and_modules constats constats_stress
cpus=$(ls -d /sys/devices/system/cpu/cpu[1-9]* 2>/dev/null)
for c in $cpus; do [ -w "$c/online" ] && hot="$hot $c"; done
if [ -z "$hot" ]; then
	echo "# SKIP: no CPU can go offline"
	exit $KSFT_SKIP
fi
unload_constats
log0=$(dmesg | wc -l)
seconds=${CONSTATS_HOTPLUG_SECONDS:-20}

check "insmod constats" insmod "$ko_dir/constats.ko"
check "insmod constats_stress (${seconds} s, 2 readers)" \
	insmod "$ko_dir/constats_stress.ko" duration="$seconds" readers=2 \
	stat_interval=0

toggles=0
end=$(($(date +%s) + seconds - 3))
while [ "$(date +%s)" -lt "$end" ]; do
	for c in $hot; do
		echo 0 > "$c/online" && toggles=$((toggles + 1))
		sleep 0.1
		echo 1 > "$c/online" && toggles=$((toggles + 1))
	done
done
echo "# cpus toggled: $toggles offline/online transitions over$hot"
check "CPUs went offline and online" [ "$toggles" -gt 0 ]
check "every CPU is online again" \
	sh -c "! grep -q 0 /sys/devices/system/cpu/cpu*/online"

i=0
while ! dmesg_since "$log0" | grep -q "End of test:" && [ $i -lt 120 ]; do
	sleep 1
	i=$((i + 1))
done
dmesg_since "$log0" | grep "constats_stress: " | sed 's/^\[[^]]*\] /# /'
check "stress verdict SUCCESS (no bracket lost, invariants held)" \
	sh -c "dmesg | tail -n +$((log0 + 1)) | grep -q 'End of test: SUCCESS'"
check "0 lost" sh -c "dmesg | tail -n +$((log0 + 1)) | grep -q ' lost=0 '"
check "rmmod constats_stress" rmmod constats_stress
check "rmmod constats" rmmod constats
check "no kernel warning" no_splat_since "$log0"
finish
