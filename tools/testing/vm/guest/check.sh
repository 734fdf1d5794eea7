# SPDX-License-Identifier: GPL-2.0
# Guest side of "make check": load constats, run the stress module with a
# procfs reader beside it, and check everything the core promises.
. ./lib.sh

STRESS_SECONDS=${STRESS_SECONDS:-15}

# One procfs snapshot at a time: the stress set's invariants must hold in
# each, and its bracket count must never go back.  Writes its tallies to
# /tmp/procfs.result as "snapshots violations".
procfs_reader() {
	snaps=0 bad=0 last=0
	while [ ! -e /tmp/stop ]; do
		cur=$(awk '$1 == "stress" { v[$2] = $3; seen = 1 }
			END {
				if (!seen) { print "none"; exit }
				if (v["acct0"] + v["acct1"] + v["acct2"] + v["acct3"] != 0 ||
				    v["brackets"] != v["task"] + v["softirq"] + v["hardirq"] + v["nmi"])
					print "bad"
				else
					print v["brackets"]
			}' /proc/constats)
		case "$cur" in
		none) continue ;;
		bad) bad=$((bad + 1)) ;;
		*) [ "$cur" -ge "$last" ] || bad=$((bad + 1)); last=$cur ;;
		esac
		snaps=$((snaps + 1))
	done
	echo "$snaps $bad" > /tmp/procfs.result
}

tap_check "insmod constats.ko" insmod ./constats.ko
tap_check "/proc/constats is mode 0444" \
	sh -c '[ "$(stat -c %a /proc/constats)" = 444 ]'
tap_check "/proc/constats shows the self-stats set" \
	sh -c '[ "$(awk "\$1 == \"constats\"" /proc/constats | wc -l)" -eq 8 ]'

# json NAME COMMAND...: the command's stdout between markers, for the host
# to parse with a real JSON parser; its exit status follows the end marker.
json() {
	name=$1
	shift
	echo "constats-json-begin $name"
	"$@"
	echo "constats-json-end $name $?"
}

verdicts0=$(dmesg | grep -c "constats_stress: End of test:")
fallback0=$(proc_value constats fallback_brackets)
tap_check "insmod constats_stress.ko racy=1" \
	insmod ./constats_stress.ko duration="$STRESS_SECONDS" racy=1
procfs_reader &
reader=$!

echo "--- constats watch -i 1 -n 3 stress ---"
./constats watch -i 1 -n 3 stress > /tmp/watch.txt
tap_check "constats watch -i 1 -n 3 exits 0" [ $? -eq 0 ]
cat /tmp/watch.txt
tap_check "constats watch prints 3 reports, the last two with rates" \
	sh -c '[ "$(grep -c "^stress " /tmp/watch.txt)" -eq 3 ] &&
	       [ "$(grep -c "RATE/S" /tmp/watch.txt)" -eq 2 ]'
tap_check "constats list names the stress set" \
	sh -c './constats list | grep -q "^[0-9]* *stress  *9$"'
./constats check -n 200 stress > /tmp/check.txt
check_status=$?
tap_check "constats check -n 200 stress exits 0" [ "$check_status" -eq 0 ]
tap_check "constats check -n 200 stress: both declared invariants held" \
	grep -q "^all 2 invariants held in 200 snapshots$" /tmp/check.txt
json list ./constats -j list
json show ./constats -j show
json show_pretty ./constats -p show stress constats
json watch ./constats -j watch -i 0.5 -n 3 stress
json error_no_set ./constats -j show no_such_set

stress_ended() {
	[ "$(dmesg | grep -c "constats_stress: End of test:")" -gt "$verdicts0" ]
}
tap_check "stress run ends with a verdict" \
	wait_for stress_ended $((STRESS_SECONDS + 120))
touch /tmp/stop
wait "$reader"
read -r psnaps pbad < /tmp/procfs.result
fallback1=$(proc_value constats fallback_brackets)

dmesg | grep "constats_stress: " | tail -n 5 | sed 's/^\[[^]]*\] //'
echo "procfs: snapshots=$psnaps violations=$pbad"
echo "fallback_brackets: $((fallback1 - fallback0))"

tap_check "stress verdict is SUCCESS" \
	sh -c 'dmesg | grep "constats_stress: End of test:" | tail -n 1 |
	       grep -q SUCCESS'
tap_check "in-kernel reader: 0 violations, 0 lost, 0 generation errors" \
	sh -c 'dmesg | grep "constats_stress: snapshots=" | tail -n 1 |
	       grep -q "violations=0 lost=0 gen_errors=0"'
racy_line=$(dmesg | grep "constats_stress: racy sums=" | tail -n 1)
racy_bad=${racy_line##*violations=}
tap_check "the same adds in percpu_counters, summed one by one, tore: ${racy_line#*racy }" \
	[ "${racy_bad:-0}" -gt 0 ]
tap_check "procfs reader took snapshots" [ "$psnaps" -gt 0 ]
tap_check "procfs reader: 0 violations" [ "$pbad" -eq 0 ]
tap_check "interrupts nested over brackets took the fallback lock" \
	[ "$((fallback1 - fallback0))" -gt 0 ]
# nmi: brackets=B over_task=T over_hardirq=H elsewhere=E
nmi_line=$(dmesg | grep "constats_stress: nmi: " | tail -n 1)
nmi_field() { echo "$nmi_line" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
tap_check "NMI brackets were counted exactly: ${nmi_line#*nmi: }" \
	[ "$(nmi_field brackets)" -gt 0 ]
tap_check "NMI brackets landed over open task brackets" \
	[ "$(nmi_field over_task)" -gt 0 ]
tap_check "NMI brackets landed over hardirq brackets" \
	[ "$(nmi_field over_hardirq)" -gt 0 ]
tap_check "NMIs from other CPUs landed wherever they came" \
	[ "$(nmi_field elsewhere)" -gt 0 ]

tap_check "rmmod constats_stress" rmmod constats_stress
tap_check "the stress set is gone from /proc/constats" \
	sh -c '! grep -q "^stress " /proc/constats'
self_alive_ok() {
	alive=$(proc_value constats sets_alive)
	created=$(proc_value constats sets_created)
	destroyed=$(proc_value constats sets_destroyed)
	[ "$alive" -eq 1 ] && [ $((created - destroyed)) -eq 1 ]
}
tap_check "self-stats: sets_alive == sets_created - sets_destroyed == 1" \
	self_alive_ok
# Real kernel events, from a module that uses only the public API.  With
# compare_us it also keeps the same events in percpu_counters and
# holds their racy sums and constats snapshots to the same invariants.
tap_check "insmod constats_trace.ko compare_us=200" \
	insmod ./constats_trace.ko compare_us=200
i=0
while [ $i -lt 300 ]; do /bin/true; i=$((i + 1)); done
sleep 1
grep -E "^(irq|sched|trace_compare) " /proc/constats
for c in "irq hardirq_entries" "irq softirq_entries" "sched switches" \
	 "sched wakeups"; do
	tap_check "$c moves under a small workload" [ "$(proc_value $c)" -gt 0 ]
done
tap_check "sched forks counted the workload's 300 processes" \
	[ "$(proc_value sched forks)" -ge 300 ]

# Block requests, on null_blk from the kernel's own modules: a disk with
# nothing behind it.  4 MiB written and 4 MiB read, bypassing the cache.
tap_check "insmod the kernel's configfs.ko and null_blk.ko" \
	sh -c 'insmod ./configfs.ko && insmod ./null_blk.ko'
nullb_ready() { [ -b /dev/nullb0 ]; }
tap_check "/dev/nullb0 appears" wait_for nullb_ready 30
dd if=/dev/zero of=/dev/nullb0 bs=64k count=64 oflag=direct 2> /dev/null
dd if=/dev/nullb0 of=/dev/null bs=64k count=64 iflag=direct 2> /dev/null
grep "^block " /proc/constats
tap_check "block requests_issued moves under direct I/O" \
	[ "$(proc_value block requests_issued)" -gt 0 ]
tap_check "block bytes_completed counted the 8 MiB of direct I/O" \
	[ "$(proc_value block bytes_completed)" -ge 8388608 ]

# constats check: the declared invariants, and others from the command line.
./constats check -n 50 irq sched > /tmp/check.txt
tap_check "constats check -n 50 irq sched exits 0" [ $? -eq 0 ]
cat /tmp/check.txt
tap_check "constats check lists the three declared invariants" \
	sh -c '[ "$(grep -c " declared  *50  *0  " /tmp/check.txt)" -eq 3 ] &&
	       grep -q "live == forks - exits" /tmp/check.txt'
tap_check "constats check finds the self-stats set's invariant" \
	sh -c './constats check | grep -q "^constats .*sets_alive == sets_created - sets_destroyed$"'
tap_check "constats check -e 'sched: forks >= 300' holds" \
	./constats check -e 'sched: forks >= 300'
./constats check -e 'sched: 2 * forks < exits' > /tmp/check.txt
tap_check "constats check -e with a false invariant exits 4" [ $? -eq 4 ]
cat /tmp/check.txt
tap_check "a violation is reported with the snapshot's values" \
	sh -c 'grep -q "first in snapshot [0-9]*: forks=[0-9]* exits=[0-9]*$" /tmp/check.txt &&
	       grep -q "^1 of 2 invariants violated$" /tmp/check.txt'
./constats check -e 'sched: forks == nosuch' 2> /tmp/err.txt
tap_check "constats check -e naming no counter exits 2" [ $? -eq 2 ]
tap_check "... and says where" grep -q "no such counter at column 10" /tmp/err.txt
./constats check -e 'nosuch: a == 1' 2> /dev/null
tap_check "constats check -e naming no set exits 1" [ $? -eq 1 ]
json check ./constats -j check -n 5 irq sched
json check_violated ./constats -j check -e 'sched: forks < 0' sched

# The contrast: racy sums of the same events break the same invariants.
# Four shell loops fork on every CPU for LOAD_SECONDS meanwhile.
LOAD_SECONDS=${LOAD_SECONDS:-5}
compare_ok() { [ "$(proc_value trace_compare rounds)" -ge 100 ]; }
tap_check "the comparison ran 100 rounds" wait_for compare_ok 60
compare_values() {
	for c in rounds irq_racy_violations irq_constats_violations \
		 sched_racy_violations sched_constats_violations \
		 block_racy_violations block_constats_violations; do
		printf '%s ' "$(proc_value trace_compare $c)"
	done
}
read -r r0 ir0 ic0 sr0 sc0 br0 bc0 <<EOF_VALUES
$(compare_values)
EOF_VALUES
f0=$(proc_value sched forks)
fork_load "$LOAD_SECONDS"
read -r r1 ir1 ic1 sr1 sc1 br1 bc1 <<EOF_VALUES
$(compare_values)
EOF_VALUES
echo "comparison under load ($LOAD_SECONDS s, $(( $(proc_value sched forks) - f0 )) forks):" \
	"rounds=$((r1 - r0))" \
	"irq: racy=$((ir1 - ir0)) constats=$((ic1 - ic0))" \
	"sched: racy=$((sr1 - sr0)) constats=$((sc1 - sc0))" \
	"block: racy=$((br1 - br0)) constats=$((bc1 - bc0))"
# The comparison's own snapshots are constats_read()s like any other: the
# invariant_violations check below covers them.
tap_check "rmmod constats_trace" rmmod constats_trace
tap_check "the irq, sched, block and trace_compare sets are gone" \
	sh -c '! grep -qE "^(irq|sched|block|trace_compare) " /proc/constats'
tap_check "rmmod null_blk configfs" rmmod null_blk configfs
tap_check "declared invariants held in every snapshot: invariant_violations == 0" \
	[ "$(proc_value constats invariant_violations)" -eq 0 ]
tap_check "rmmod constats" rmmod constats
tap_check "/proc/constats is gone" [ ! -e /proc/constats ]

# That the same checks bite on a reader that tears is shown by the busted
# variants rotate_none and fold_skip_lock (tools/testing/mutants.txt):
# the shipped module has no switch that breaks its reader.

./constats list 2>/tmp/err.txt
tap_check "constats without the module exits 3" [ $? -eq 3 ]
tap_check "constats without the module says so in one line" \
	sh -c '[ "$(wc -l < /tmp/err.txt)" -eq 1 ] && grep -q "not loaded" /tmp/err.txt'
./constats bogus 2>/dev/null
tap_check "constats with an unknown command exits 2" [ $? -eq 2 ]
./constats watch -i 0 2>/dev/null
tap_check "constats watch -i 0 exits 2" [ $? -eq 2 ]
json error_not_loaded ./constats -j show

tap_done
status=$?

# The kselftests, through the kernel's own runner: the C programs with the
# module loaded, then the shell tests, which load and unload it themselves.
cd ksft/constats
export BASE_DIR=/constats/ksft CONSTATS_KO_DIR=/constats
export CONSTATS_STRESS_KO=/constats/constats_stress.ko
. ../kselftest/runner.sh
progs=$(ls constats_*_test constats_*_test_32 2>/dev/null)
echo "constats-ksft-begin"
insmod /constats/constats.ko
run_many $(for p in $progs; do echo "./$p"; done)
rmmod constats
run_many ./constats_proc.sh ./constats_hotplug.sh ./constats_lifecycle.sh
echo "constats-ksft-end"
exit $status
