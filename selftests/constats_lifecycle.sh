#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Load and unload constats and an in-kernel caller (constats_stress.ko)
# over and over while a process holds /proc/constats open and keeps
# reading it.  Reads on the stale descriptor must fail cleanly, the kernel
# log must stay clean, and nothing may leak: kmemleak where the kernel has
# it, otherwise the growth of Percpu and Slab in /proc/meminfo.
. "$(dirname "$0")/lib.sh"
require_root_and_modules constats constats_stress
unload_constats
cycles=${CONSTATS_LIFECYCLE_CYCLES:-200}
log0=$(dmesg | wc -l)

meminfo() {
	awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}

kmemleak=/sys/kernel/debug/kmemleak
[ -e "$kmemleak" ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
[ -e "$kmemleak" ] && echo clear > "$kmemleak"
percpu0=$(meminfo Percpu)
slab0=$(meminfo Slab)

insmod "$ko_dir/constats.ko"
rm -f /tmp/lifecycle.stop /tmp/lifecycle.err
# The holder: one descriptor opened now, read until told to stop.
(
	exec 3< /proc/constats
	reads=0 errors=0
	while [ ! -e /tmp/lifecycle.stop ]; do
		if cat <&3 > /dev/null 2>> /tmp/lifecycle.err; then
			reads=$((reads + 1))
		else
			errors=$((errors + 1))
		fi
		cat /proc/constats > /dev/null 2>&1
	done
	echo "$reads $errors" > /tmp/lifecycle.holder
) &
holder=$!

done_cycles=0
while [ "$done_cycles" -lt "$cycles" ]; do
	if [ "$done_cycles" -gt 0 ]; then
		insmod "$ko_dir/constats.ko" || break
	fi
	insmod "$ko_dir/constats_stress.ko" duration=0 readers=1 \
		delay_us=1000 hrtimer_us=1000 stat_interval=0 || break
	rmmod constats_stress || break
	rmmod constats || break
	done_cycles=$((done_cycles + 1))
done
touch /tmp/lifecycle.stop
wait "$holder"
read -r reads errors < /tmp/lifecycle.holder
echo "# cycles done: $done_cycles; holder: $reads good reads, $errors failed on the stale fd"
check "$cycles load/unload cycles" [ "$done_cycles" -eq "$cycles" ]
check "reads on the stale descriptor failed cleanly (EIO)" \
	sh -c "[ $errors -gt 0 ] && grep -q 'Input/output error' /tmp/lifecycle.err"

if [ -e "$kmemleak" ]; then
	echo scan > "$kmemleak"
	sleep 5
	echo scan > "$kmemleak"
	leaks=$(grep -c "unreferenced object" "$kmemleak")
	echo "# leaks found (kmemleak): $leaks"
	check "kmemleak: 0 leaks" [ "$leaks" -eq 0 ]
else
	percpu=$(( $(meminfo Percpu) - percpu0 ))
	slab=$(( $(meminfo Slab) - slab0 ))
	echo "# leaks found: Percpu grew ${percpu} kB, Slab grew ${slab} kB over $done_cycles cycles"
	# A leaked set costs ~1 kB of per-CPU memory with 4 CPUs: 200 cycles
	# of two sets would add ~400 kB.
	check "Percpu did not grow by more than 64 kB" [ "$percpu" -le 64 ]
	check "Slab did not grow by more than 1024 kB" [ "$slab" -le 1024 ]
fi
check "no kernel warning" no_splat_since "$log0"
finish
