# SPDX-License-Identifier: GPL-2.0
# Guest side of "make check" on the debug kernel (lockdep, KASAN or KCSAN,
# kmemleak; booted with panic_on_warn=1): the KUnit suites, a torture run,
# then, with panic_on_warn off, the one case that warns by design.
. ./lib.sh

# make torture passes its duration on the kernel command line.
TORTURE_SECONDS=$(sed -n 's/.*constats\.torture_seconds=\([0-9]*\).*/\1/p' /proc/cmdline)
TORTURE_SECONDS=${TORTURE_SECONDS:-20}

# kunit_module NAME [ARGS]: load a KUnit module; its suites run inside
# insmod and log KTAP, which goes to the console between markers for the
# host's kunit.py parse.  insmod's status is not the verdict: the KTAP is.
kunit_module() {
	name=$1
	shift
	before=$(dmesg | wc -l)
	insmod "./$name.ko" "$@"
	tap_check "insmod $name.ko" [ $? -eq 0 ]
	echo "constats-ktap-begin $name"
	dmesg | tail -n +$((before + 1))
	echo "constats-ktap-end $name"
	tap_check "rmmod $name" rmmod "$name"
}

kcsan_ignore_kernel_races
tap_check "insmod constats.ko" insmod ./constats.ko
kunit_module constats_kunit

verdicts0=$(dmesg | grep -c "constats_stress: End of test:")
tap_check "insmod constats_stress.ko (torture, ${TORTURE_SECONDS} s)" \
	insmod ./constats_stress.ko duration="$TORTURE_SECONDS" readers=2 \
	writers_per_cpu=2 nr_counters=32 set_churn=2 racy=1
stress_ended() {
	[ "$(dmesg | grep -c "constats_stress: End of test:")" -gt "$verdicts0" ]
}
tap_check "torture run ends with a verdict" \
	wait_for stress_ended $((TORTURE_SECONDS + 300))
dmesg | grep "constats_stress: " | tail -n 4 | sed 's/^\[[^]]*\] //'
tap_check "torture verdict is SUCCESS" \
	sh -c 'dmesg | grep "constats_stress: End of test:" | tail -n 1 |
	       grep -q SUCCESS'
# racy=1 above: the percpu_counter_sum() baseline must not trip KCSAN.
tap_check "the racy baseline was summed" \
	sh -c 'dmesg | grep "constats_stress: racy sums=" | tail -n 1 |
	       grep -q "sums=[1-9]"'
tap_check "rmmod constats_stress" rmmod constats_stress

# Tracepoint probes in every context, and the comparison kthread, under
# lockdep and KASAN or KCSAN.
tap_check "insmod constats_trace.ko compare_us=500" \
	insmod ./constats_trace.ko compare_us=500
i=0
while [ $i -lt 100 ]; do /bin/true; i=$((i + 1)); done
# null_blk is built in (config/debug.config): block requests too.
tap_check "/dev/nullb0 exists" [ -b /dev/nullb0 ]
dd if=/dev/zero of=/dev/nullb0 bs=64k count=16 oflag=direct 2> /dev/null
dd if=/dev/nullb0 of=/dev/null bs=64k count=16 iflag=direct 2> /dev/null
compare_ok() { [ "$(proc_value trace_compare rounds)" -ge 50 ]; }
tap_check "the comparison ran 50 rounds" wait_for compare_ok 120
grep -E "^(irq|sched|block|trace_compare) " /proc/constats
tap_check "sched forks counted the workload's 100 processes" \
	[ "$(proc_value sched forks)" -ge 100 ]
tap_check "block bytes_completed counted the 2 MiB of direct I/O" \
	[ "$(proc_value block bytes_completed)" -ge 2097152 ]
tap_check "constats snapshots never violated the irq, sched and block invariants" \
	[ "$(proc_value trace_compare irq_constats_violations)" -eq 0 -a \
	  "$(proc_value trace_compare sched_constats_violations)" -eq 0 -a \
	  "$(proc_value trace_compare block_constats_violations)" -eq 0 ]
tap_check "rmmod constats_trace" rmmod constats_trace

if [ -e /sys/kernel/debug/kmemleak ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null; then
	if [ -e /sys/kernel/debug/kmemleak ]; then
		echo scan > /sys/kernel/debug/kmemleak
		leaks=$(grep -c "unreferenced object" /sys/kernel/debug/kmemleak)
		echo "kmemleak: $leaks unreferenced objects"
		tap_check "kmemleak finds no leaks" [ "$leaks" -eq 0 ]
	fi
fi

# Load/unload cycles with a stale reader, judged by kmemleak here (when
# the kselftests were installed into the guest).
if [ -f ./ksft/constats/constats_lifecycle.sh ]; then
	tap_check "rmmod constats (for the lifecycle test)" rmmod constats
	CONSTATS_KO_DIR=/constats CONSTATS_LIFECYCLE_CYCLES=${LIFECYCLE_CYCLES:-50} \
		sh ./ksft/constats/constats_lifecycle.sh
	tap_check "constats_lifecycle.sh exits 0" [ $? -eq 0 ]
	tap_check "insmod constats.ko again" insmod ./constats.ko
fi

echo 0 > /sys/module/kernel/parameters/panic_on_warn
echo "constats-vm: expect-warn constats_add_invalid"
echo "constats-vm: expect-warn constats_acquire_slow"
kunit_module constats_kunit_warn
tap_check "the out-of-range add warned once" \
	sh -c '[ "$(dmesg | grep -c "counter 2 out of range")" -eq 1 ]'
tap_check "the bracket wider than its set warned once" \
	sh -c '[ "$(dmesg | grep -c "constats: bracket of [0-9]* counters")" -eq 1 ]'
tap_check "rmmod constats" rmmod constats

tap_done
