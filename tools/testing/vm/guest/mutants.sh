# SPDX-License-Identifier: GPL-2.0
# Guest side of make check's mutant run (tools/testing/mutants.sh): load
# each busted constats.ko in turn with the test meant to catch it, and say
# whether it did.  ./mutants/plan lists "NAME DETECTOR" lines, the correct
# build ("baseline") first as the control: it must pass every detector
# the plan uses, or no catch means anything.  Expected detections (FAILURE
# verdicts, failed KUnit cases, KCSAN reports) are what this guest is for:
# the host reads its TAP lines, not its console, for splats.
. ./lib.sh

STRESS_SECONDS=${STRESS_SECONDS:-4}

# The kernel log since the last call, into /tmp/dmesg.
dmesg_new() {
	dmesg -c > /tmp/dmesg
}

# unload: everything a run loaded, in reverse; 0 if all went.
unload() {
	for m in constats_kunit constats_stress constats; do
		grep -q "^$m " /proc/modules || continue
		rmmod "$m" || return 1
	done
}

# stress DIR [ARGS]: a short stress run; its verdict line in /tmp/verdict.
stress() {
	dir=$1
	shift
	insmod "$dir/constats_stress.ko" duration="$STRESS_SECONDS" \
		stat_interval=0 "$@" || return 1
	ended() { dmesg | grep -q "constats_stress: End of test:"; }
	wait_for ended $((STRESS_SECONDS + 120)) || return 1
	dmesg | grep -E "constats_stress: (snapshots=|End of test)" |
		sed 's/^\[[^]]*\] //' | tr '\n' ' ' > /tmp/verdict
	return 0
}

# run NAME DETECTOR: one run; prints the evidence and returns 0 if the
# detector fired.
run() {
	name=$1
	det=$2
	dir=./mutants/$name
	dmesg_new
	# For the host, should this run take the guest down with it.
	echo "constats-mutant-begin $name $det" > /dev/console
	insmod "$dir/constats.ko" || { echo "insmod failed"; return 2; }
	case "$det" in
	stress)
		stress "$dir" readers=2 || { echo "no verdict"; return 2; }
		cat /tmp/verdict
		grep -q "End of test: FAILURE" /tmp/verdict
		;;
	kcsan)
		# Eight times the watchpoints KCSAN sets by default, and an NMI
		# every other bracket: more chances for a second writer to
		# meet a bracket's watched slot.
		echo 500 > /sys/module/kcsan/parameters/skip_watch
		stress "$dir" readers=2 nmi_interval=2 ||
			{ echo "no verdict"; return 2; }
		echo 4000 > /sys/module/kcsan/parameters/skip_watch
		dmesg > /tmp/dmesg
		# Reports that name a function of ours: the kernel's own
		# races are not the variant's doing.
		grep "BUG: KCSAN:" /tmp/dmesg | grep -E "constats|stress_" > /tmp/kcsan
		n=$(wc -l < /tmp/kcsan)
		# The first report, on the console (stderr) for the log.
		grep -A 30 -m 1 "BUG: KCSAN:" /tmp/dmesg | sed 's/^\[[^]]*\] //' >&2
		echo "$n KCSAN reports in constats code: $(head -n 2 /tmp/kcsan |
			sed 's/^\[[^]]*\] //' | tr '\n' ';')"
		[ "$n" -gt 0 ]
		;;
	kunit:*)
		insmod "$dir/constats_kunit.ko"
		dmesg > /tmp/dmesg
		echo "$(grep -c "^\[[^]]*\]     ok " /tmp/dmesg) cases passed," \
			"failed: $(grep -E "^\[[^]]*\]     not ok [0-9]+ " /tmp/dmesg |
				   sed 's/.*not ok [0-9]* //' | tr '\n' ' ')"
		grep -qE "not ok [0-9]+ ${det#kunit:}$" /tmp/dmesg
		;;
	*)
		echo "unknown detector $det"
		return 2
		;;
	esac
}

# The control runs every detector on the correct build and must stay
# clean: no FAILURE verdict, no failed KUnit case, no KCSAN report.  Then
# each mutant in turn.
kcsan_ignore_kernel_races
unusable=
while read -r name det; do
	[ -n "$name" ] || continue
	if [ -n "$unusable" ]; then
		if [ "$name" = baseline ]; then
			tap_not_ok "control: $det not run: $unusable"
		else
			tap_not_ok "mutant $name missed by $det: not run: $unusable"
		fi
		continue
	fi
	evidence=$(run "$name" "$det")
	status=$?
	dmesg > /tmp/dmesg
	if [ "$name" = baseline ]; then
		if [ "$status" -eq 1 ] &&
		   ! grep -E "BUG: KCSAN:" /tmp/dmesg | grep -qE "constats|stress_" &&
		   ! grep -qE "not ok|End of test: FAILURE" /tmp/dmesg; then
			tap_ok "control: the correct build passes $det: $evidence"
		else
			tap_not_ok "control: the correct build passes $det: $evidence"
			unusable="the control failed"
		fi
	elif [ "$status" -eq 0 ]; then
		tap_ok "mutant $name caught by $det: $evidence"
	else
		tap_not_ok "mutant $name missed by $det: $evidence"
	fi
	unload || unusable="$name would not unload"
done < ./mutants/plan

tap_done
