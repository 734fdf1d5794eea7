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
				    v["brackets"] != v["task"] + v["softirq"] + v["hardirq"])
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
	sh -c '[ "$(awk "\$1 == \"constats\"" /proc/constats | wc -l)" -eq 7 ]'
tap_check "/proc/constats refuses writes" \
	sh -c '! echo x 2>/dev/null > /proc/constats'

fallback0=$(proc_value constats fallback_brackets)
tap_check "insmod constats_stress.ko" \
	insmod ./constats_stress.ko duration="$STRESS_SECONDS"
procfs_reader &
reader=$!
tap_check "stress run ends with a verdict" \
	wait_dmesg "constats_stress: End of test:" $((STRESS_SECONDS + 120))
touch /tmp/stop
wait "$reader"
read -r psnaps pbad < /tmp/procfs.result
fallback1=$(proc_value constats fallback_brackets)

dmesg | grep "constats_stress: " | sed 's/^\[[^]]*\] //'
echo "procfs: snapshots=$psnaps violations=$pbad"
echo "fallback_brackets: $((fallback1 - fallback0))"

tap_check "stress verdict is SUCCESS" \
	sh -c 'dmesg | grep -q "constats_stress: End of test: SUCCESS"'
tap_check "in-kernel reader: 0 violations, 0 lost, 0 generation errors" \
	sh -c 'dmesg | grep -q "violations=0 lost=0 gen_errors=0"'
tap_check "procfs reader took snapshots" [ "$psnaps" -gt 0 ]
tap_check "procfs reader: 0 violations" [ "$pbad" -eq 0 ]
tap_check "interrupts nested over brackets took the fallback lock" \
	[ "$((fallback1 - fallback0))" -gt 0 ]

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
tap_check "rmmod constats" rmmod constats
tap_check "/proc/constats is gone" [ ! -e /proc/constats ]

tap_check "proc_mode=0664 is refused" \
	sh -c '! insmod ./constats.ko proc_mode=0664 2>/dev/null'
tap_check "proc_mode=0400 is honoured" \
	sh -c 'insmod ./constats.ko proc_mode=0400 &&
	       [ "$(stat -c %a /proc/constats)" = 400 ] && rmmod constats'

tap_done
