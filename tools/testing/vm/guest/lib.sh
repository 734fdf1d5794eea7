# SPDX-License-Identifier: GPL-2.0
# TAP helpers for guest scripts: "ok N - desc" / "not ok N - desc", then
# the plan "1..N" from tap_done, whose status is 0 only if all passed.
tap_n=0
tap_failed=0

tap_ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

tap_not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

# tap_check DESC COMMAND...: one test, passed if COMMAND succeeds.
tap_check() {
	desc=$1
	shift
	if "$@"; then tap_ok "$desc"; else tap_not_ok "$desc"; fi
}

tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# proc_value SET COUNTER: the counter's value in /proc/constats.
proc_value() {
	awk -v s="$1" -v c="$2" '$1 == s && $2 == c { print $3; f = 1 }
		END { if (!f) print "missing" }' /proc/constats
}

# kcsan_ignore_kernel_races: on a KCSAN kernel, leave out of KCSAN's
# reports the data races inside Debian's 6.1 kernel itself that strict
# mode flags while our tests run: hrtimer_sleeper::task, read in
# schedule_hrtimeout_range_clock() while hrtimer_wakeup() clears it
# (usleep_range() in the stress writers), and timer->state, read by
# hrtimer_active() while __hrtimer_run_queues() changes it
# (hrtimer_cancel() of the stress test's timers), and the timekeeper's
# xtime_sec, read by ktime_get_real_seconds() when a tty write stamps the
# tty while timekeeping_advance() updates it in the tick (the guest
# script's own output).  None involves a constats access; the kernel
# leaves them unmarked, and only strict mode reports them.
kcsan_ignore_kernel_races() {
	[ -d /sys/kernel/debug/kcsan ] ||
		mount -t debugfs none /sys/kernel/debug 2>/dev/null
	[ -e /sys/kernel/debug/kcsan ] || return 0
	for f in schedule_hrtimeout_range_clock hrtimer_wakeup hrtimer_active \
		 __hrtimer_run_queues ktime_get_real_seconds timekeeping_advance; do
		echo "!$f" > /sys/kernel/debug/kcsan
	done
}

# wait_for COMMAND SECONDS: wait until COMMAND succeeds.
wait_for() {
	i=0
	while [ "$i" -lt "$2" ]; do
		"$1" && return 0
		sleep 1
		i=$((i + 1))
	done
	return 1
}

# fork_load SECONDS: four shell loops forking, one per CPU: /bin/true, and
# small direct reads of /dev/nullb0 in the last one when it exists.
fork_load() {
	rm -f /tmp/stop_load
	load_pids=
	for i in 1 2 3 4; do
		if [ "$i" -eq 4 ] && [ -b /dev/nullb0 ]; then
			(while [ ! -e /tmp/stop_load ]; do
				dd if=/dev/nullb0 of=/dev/null bs=4k count=16 \
					iflag=direct 2> /dev/null
			done) &
		else
			(while [ ! -e /tmp/stop_load ]; do /bin/true; done) &
		fi
		load_pids="$load_pids $!"
	done
	sleep "$1"
	touch /tmp/stop_load
	wait $load_pids
}
