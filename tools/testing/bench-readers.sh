#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-readers.sh REPORT [SMP_LOGS]: make bench's figures for readers (issue 21), on
# Debian's 6.1, 6.12 and 6.12 PREEMPT_RT (vm/kernel.sh flavours bookworm,
# bookworm-backports and trixie-rt):
#
#  - a one-set snapshot's p50 and p99, 1 and 16 counters, at 1, 2, 4 and
#    8 vCPUs: constats_read() timed in the kernel by constats_bench.ko
#    readers_only=1 in guest/bench-smp.sh.  bench.sh passes SMP_LOGS, the
#    printf pattern of its own -smp runs' logs on 6.1 (with the modules it
#    built in out/KREL): 6.1's figures come from those.  Every other
#    kernel is built and booted here, in out/readers.
#  - snapshots per second of one unprivileged and one privileged reader,
#    and the interprocessor interrupts per CPU per second that each costs
#    idle, nohz_full and busy CPUs, and /proc/constats with 2000 sets:
#    guest/irq.sh with IRQ_BENCH=1 and 5 s windows, in a 4-vCPU guest
#    booted with nohz_full=3 isolcpus=3.  Its pass/fail lines are make
#    check's business: here it only measures.
#
# Writes REPORT/readers-latency.csv (kernel,counters,vcpus,p50_ns,p99_ns),
# REPORT/readers-irq.csv (kernel,scenario,cpu1,cpu2,cpu3,base1,base2,
# base3,snapshots_per_s,errors; scenario "proc": kernel,proc,seconds,
# most interrupts in a read on idle CPU 2, then on CPU 1, the balancer),
# REPORT/readers.md, which bench.sh puts in its report, and
# REPORT/latency-smp.png.  A guest that
# fails leaves its cells empty ("-") and is named on stderr.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
vm=$top/tools/testing/vm
report=${1:?usage: bench-readers.sh REPORT [SMP_LOGS]}
smp61=${2:-}
out=$vm/out
mkdir -p "$report" "$out/readers"
t0=$(date +%s)
phase() { echo "bench: readers: $* ($(( $(date +%s) - t0 )) s)" >&2; }

label() {
	case "$1" in
	bookworm) echo 6.1 ;;
	bookworm-backports) echo 6.12 ;;
	trixie-rt) echo 6.12-rt ;;
	esac
}

# The reader program, static for the busybox guest.
gcc -O2 -Wall -Werror -static -I"$top/uapi" -o "$out/readers/constats_irq" \
	"$top/selftests/constats_irq.c" || exit 1

lat=$report/readers-latency.csv
irq=$report/readers-irq.csv
echo "kernel,counters,vcpus,p50_ns,p99_ns" > "$lat"
echo "kernel,scenario,cpu1,cpu2,cpu3,base1,base2,base3,snapshots_per_s,errors" > "$irq"
for flavour in bookworm bookworm-backports trixie-rt; do
	kernel=$(label "$flavour")
	if ! kvars=$("$vm/kernel.sh" "$flavour"); then
		echo "bench: readers: could not fetch $flavour's kernel" >&2
		continue
	fi
	eval "$kvars"
	mods=$out/readers/$KREL
	logs=$out/readers/bench-smp-$kernel-%s.log
	if [ "$flavour" = bookworm ] && [ -n "$smp61" ]; then
		# bench.sh built and booted these.
		mods=$out/$KREL
		logs=$smp61
	else
		phase "$kernel: building the modules"
		KMAKE_ARGS=$KMAKE_ARGS "$vm/build.sh" "$KDIR" "$mods" \
			> "$out/readers/build-$KREL.log" 2>&1 ||
			{ echo "bench: readers: build for $KREL failed" >&2; continue; }
		img=$out/readers/bench-smp-$kernel.img
		"$vm/initramfs.sh" "$img" "$vm/guest/bench-smp.sh" \
			$("$vm/modules.sh" "$mods")
		for smp in 1 2 4 8; do
			phase "$kernel: snapshot latency at -smp $smp"
			# shellcheck disable=SC2059 # the format is ours
			log=$(printf "$logs" "$smp")
			CONSTATS_VM_SMP=$smp "$vm/run.sh" "$VMLINUZ" "$img" \
				"$log" 900 > /dev/null ||
				echo "bench: readers: the $kernel -smp $smp guest failed ($log)" >&2
		done
	fi
	for smp in 1 2 4 8; do
		# shellcheck disable=SC2059 # the format is ours
		log=$(printf "$logs" "$smp")
		for k in 1 16; do
			p50=$(sed -n "s/.*constats_bench: csv,read_p50,constats_read,$k,[0-9]*,\([0-9]*\).*/\1/p" \
			      "$log" 2> /dev/null | tail -n 1)
			p99=$(sed -n "s/.*constats_bench: csv,read_p99,constats_read,$k,[0-9]*,\([0-9]*\).*/\1/p" \
			      "$log" 2> /dev/null | tail -n 1)
			echo "$kernel,$k,$smp,$p50,$p99"
		done
	done >> "$lat"

	phase "$kernel: interrupts a reader costs the other CPUs (nohz_full=3)"
	img=$out/readers/irq-$kernel.img
	log=$out/readers/irq-$kernel.log
	"$vm/initramfs.sh" "$img" "$vm/guest/irq.sh" "$mods/kmod/constats.ko" \
		"$mods/kmod/tests/constats_sets.ko" "$out/readers/constats_irq"
	# Its own verdicts do not count here: a failing test still measures.
	# RCU's kthreads stay where the kernel put them, as on most systems.
	CONSTATS_VM_APPEND="nohz_full=3 isolcpus=3 IRQ_BENCH=1 IRQ_SECONDS=5 IRQ_PIN_RCU=0" \
		"$vm/run.sh" "$VMLINUZ" "$img" "$log" 900 > /dev/null
	grep -q '^constats-irq-csv: proc,' "$log" ||
		echo "bench: readers: the $kernel irq guest did not finish ($log)" >&2
	sed -n "s/^constats-irq-csv: /$kernel,/p" "$log" >> "$irq"
done

phase "writing readers.md"
# Figures for people: "124 us", "+0.3".
awk_fmt='function t(ns) {
		if (ns == "") return "-"
		if (ns < 1000) return sprintf("%d ns", ns)
		if (ns < 10000) return sprintf("%.1f us", ns / 1000)
		if (ns < 1000000) return sprintf("%.0f us", ns / 1000)
		return sprintf("%.1f ms", ns / 1000000) }
	function r(x) { if (x == "") return "-"; return x + 0 >= 100 ? sprintf("%.0f", x) : x }'
native=$(awk -F, -v n="$(nproc)" '$1 == "csv" && $2 == "read" && $3 == "constats_read" &&
	 $4 == 16 && $5 == n { print $6 }' "$out/native-bench.txt" 2> /dev/null)
{
	echo "## Readers: snapshot latency, interrupts, snapshot rates"
	echo
	echo "A one-set snapshot, constats_read() timed in the kernel"
	echo "(constats_bench.ko readers_only=1, 2000 back to back), p50 / p99;"
	echo "8 vCPUs overcommit the host's $(nproc) cores.  Plot: latency-smp.png."
	echo
	echo "| kernel | counters | 1 vCPU | 2 vCPUs | 4 vCPUs | 8 vCPUs |"
	echo "| --- | --- | --- | --- | --- | --- |"
	awk -F, "$awk_fmt"'
		NR > 1 { key = $1 "," $2; if (!(key in row)) order[n++] = key
			 row[key] = row[key] sprintf(" %s / %s |", t($4), t($5)) }
		END { for (i = 0; i < n; i++) { split(order[i], kc, ",")
			printf "| %s | %s |%s\n", kc[1], kc[2], row[order[i]] } }' "$lat"
	echo
	if [ -n "$native" ]; then
		echo "Native, the same core on this machine's $(nproc) cores (threads for"
		echo "CPUs, tools/testing/native): a 16-counter snapshot takes" \
		     "$(awk "$awk_fmt"' BEGIN { print t('"$native"') }') on average"
		echo "(the native harness times a mean, no percentiles)."
		echo
	fi
	echo "One reader pinned to CPU 0 snapshotting 32 sets of 16 counters in turn"
	echo "(CONSTATS_IOC_SNAPSHOT) for 5 s, in a 4-vCPU guest booted with"
	echo "nohz_full=3 isolcpus=3 with a user-space spinner on CPU 3; unprivileged"
	echo "is uid 65534.  Interprocessor interrupts (CAL, RES, TLB and IWI of"
	echo "/proc/interrupts) per CPU per second over a baseline taken just before,"
	echo "with CPU 0 idle for the unprivileged reader (it sleeps between shared"
	echo "rounds) and busy with the same loop minus the snapshots for the"
	echo "privileged one (a busy CPU draws the scheduler's idle-balance kicks);"
	echo "busy: constats_sets.ko writer kthreads bracketing on CPUs 1 and 2."
	echo
	echo "| kernel | reader | snapshots/s | idle CPU1, CPU2 | nohz_full CPU3 |" \
	     "snapshots/s, writers on | busy CPU1, CPU2 | nohz_full CPU3, writers on |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	awk -F, "$awk_fmt"'
		NR > 1 && $2 != "proc" { k[$1] = 1; f[$1, $2] = $0 }
		NR > 1 && !($1 in seen) { seen[$1] = 1; order[n++] = $1 }
		function cell(kern, sc, i,   a) {
			if (!((kern, sc) in f)) return "-"
			split(f[kern, sc], a, ",")
			if (i == "rate") return r(a[9])
			if (i == "idle") return sprintf("%+.1f, %+.1f", a[3], a[4])
			return sprintf("%+.1f", a[5]) }
		END { for (i = 0; i < n; i++) for (p = 0; p < 2; p++) {
			who = p ? "priv" : "unpriv"
			printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", order[i],
				p ? "privileged" : "unprivileged",
				cell(order[i], who "_idle", "rate"), cell(order[i], who "_idle", "idle"),
				cell(order[i], who "_idle", "cpu3"), cell(order[i], who "_busy", "rate"),
				cell(order[i], who "_busy", "idle"), cell(order[i], who "_busy", "cpu3") } }' "$irq"
	echo
	echo "/proc/constats with 2000 sets of 16 counters, read whole by root on CPU 0:"
	echo
	echo "| kernel | one read, fastest of 3 | most interrupts in a read: idle CPU 2 | CPU 1, the balancer |"
	echo "| --- | --- | --- | --- |"
	awk -F, "$awk_fmt"'$2 == "proc" {
		printf "| %s | %s | %s | %s |\n", $1, $3 == "" ? "-" : t($3 * 1e9),
		       $4 == "" ? "-" : $4, $5 == "" ? "-" : $5 }' "$irq"
	echo
} > "$report/readers.md"

if command -v gnuplot > /dev/null; then
	awk -F, 'NR > 1 && $4 != "" { print $1, $2, $3, $4 / 1000, $5 / 1000 }' "$lat" \
		> "$report/latency-smp.dat"
	# A kernel whose guests failed warns of empty curves: kept in the log.
	gnuplot 2> "$out/readers/gnuplot.log" <<-GP
	set terminal pngcairo size 1000,600 noenhanced
	set output "$report/latency-smp.png"
	set multiplot layout 1,2 title "One-set snapshot latency by vCPUs (constats_read, in the kernel)"
	set xlabel "vCPUs"
	set ylabel "us"
	set logscale xy
	set xtics (1, 2, 4, 8)
	set key outside below maxrows 3
	kernels = "6.1 6.12 6.12-rt"
	do for [col in "4 5"] {
		set title (col eq "4" ? "p50" : "p99")
		plot for [i = 0:5] \
			sprintf("< awk '\$1 == \"%s\" && \$2 == %d' $report/latency-smp.dat", \
				word(kernels, i / 2 + 1), i % 2 ? 16 : 1) \
			using 3:(column(col + 0)) with linespoints lc i / 2 + 1 dt 1 + i % 2 \
			title sprintf("%s, %s", word(kernels, i / 2 + 1), i % 2 ? "16 counters" : "1 counter")
	}
	unset multiplot
	GP
	[ -s "$report/latency-smp.png" ] ||
		echo "bench: readers: gnuplot failed ($out/readers/gnuplot.log)" >&2
fi
echo "bench: readers: $report/readers.md" >&2
