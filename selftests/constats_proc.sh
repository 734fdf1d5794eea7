#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /proc/constats: its format, its mode (and the proc_mode parameter), an
# unprivileged reader, and that nothing can write to it; the unprivileged
# readers' shared_interval_ms parameter, its range and its mode.
. "$(dirname "$0")/lib.sh"
require_root_and_modules constats constats_stress
unload_constats
log0=$(dmesg | wc -l)

as_nobody() {
	"$(dirname "$0")/nobody" sh -c "$1"
}

check "insmod constats" insmod "$ko_dir/constats.ko"
check "mode 0444, owned by root" \
	[ "$(stat -c '%a %u' /proc/constats)" = "444 0" ]
check "every line is '<set> <counter> <signed decimal>'" \
	sh -c '! grep -vqE "^[a-z0-9_]{1,31} [a-z0-9_]{1,31} -?[0-9]+$" /proc/constats'
check "the self-stats set, counters in index order" \
	[ "$(awk '$1 == "constats" { printf "%s,", $2 }' /proc/constats)" = \
	  "snapshots,reader_waits,reader_spins,fallback_brackets,sets_created,sets_destroyed,sets_alive,invariant_violations," ]
check "insmod constats_stress" insmod "$ko_dir/constats_stress.ko" \
	duration=0 readers=0 hrtimer_us=0 softirq=0 delay_us=10000
check "sets in creation order" \
	[ "$(awk '{ print $1 }' /proc/constats | uniq | tr '\n' ,)" = "constats,stress," ]
check "an unprivileged user reads it all" \
	[ "$(as_nobody 'cat /proc/constats' | wc -l)" -eq "$(wc -l < /proc/constats)" ]
check "the unprivileged check really runs unprivileged" \
	[ "$(as_nobody 'id -u')" = 65534 ]
check "an unprivileged user cannot open it for writing" \
	sh -c "! $(dirname "$0")/nobody sh -c 'echo x > /proc/constats' 2>/dev/null"
check "root's write fails too" sh -c '! echo x 2>/dev/null > /proc/constats'
p=/sys/module/constats/parameters/shared_interval_ms
check "shared_interval_ms: 250 by default, root sets it" \
	sh -c "[ \"\$(cat $p)\" = 250 ] && echo 0 > $p && [ \"\$(cat $p)\" = 0 ]"
check "shared_interval_ms: 10001 fails with EINVAL and changes nothing" \
	sh -c "(echo 10001 > $p) 2>&1 | grep -q 'Invalid argument' &&
	       [ \"\$(cat $p)\" = 0 ]"
check "shared_interval_ms: an unprivileged user cannot set it" \
	sh -c "! $(dirname "$0")/nobody sh -c 'echo 5 > $p' 2>/dev/null &&
	       [ \"\$(cat $p)\" = 0 ]"
echo 100 > $p
check "no debug_skip_wait: no switch breaks the shipped reader" \
	[ ! -e /sys/module/constats/parameters/debug_skip_wait ]
check "rmmod constats_stress" rmmod constats_stress
check "rmmod constats" rmmod constats

check "proc_mode=0400 is honoured" \
	sh -c "insmod $ko_dir/constats.ko proc_mode=0400 &&
	       [ \"\$(stat -c %a /proc/constats)\" = 400 ]"
check "proc_mode=0400 keeps unprivileged users out" \
	sh -c "! $(dirname "$0")/nobody cat /proc/constats >/dev/null 2>&1"
rmmod constats
for mode in 0644 0666 01444; do
	check "proc_mode=$mode (not read bits only) fails the load" \
		sh -c "! insmod $ko_dir/constats.ko proc_mode=$mode 2>/dev/null &&
		       [ ! -e /proc/constats ]"
done
check "no kernel warning" no_splat_since "$log0"
finish
