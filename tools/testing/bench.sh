#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [OUTDIR]: run constats_bench.ko in the VM on Debian's 6.1 kernel
# and write a report: results.csv, report.md (tables, headline ratios, the
# fast path's disassembly) and PNG plots made with gnuplot.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
vm=$top/tools/testing/vm
report=${1:-$top/tools/testing/vm/out/bench}
out=$vm/out
mkdir -p "$report" "$out"

# A line per phase on stderr while it runs, with the seconds so far.
t0=$(date +%s)
phase() { echo "bench: $* ($(( $(date +%s) - t0 )) s)" >&2; }

phase "fetching Debian's 6.1 and building the modules"
eval "$("$vm/kernel.sh" bookworm)"
"$vm/build.sh" "$KDIR" "$out/$KREL" > /dev/null
"$vm/stock-modules.sh" "$MODDIR" "$out/$KREL/stock" configfs null_blk
"$vm/initramfs.sh" "$out/bench.img" "$vm/guest/bench.sh" $("$vm/modules.sh" "$out/$KREL") \
	"$out/$KREL"/stock/*.ko

# The native figures are only worth having if they time the module's code.
phase "the native %gs build, and its fast path against the module's"
make -s -C "$top/tools/testing/native" OUTPUT="$out" > /dev/null
if ! "$top/tools/testing/native/fastpath-diff.sh" \
	"$out/$KREL/kmod/tests/constats_bench.ko" "$out/fastpath-gs.o" > "$out/fastpath.dis"; then
	cat "$out/fastpath.dis" >&2
	echo "bench: FAIL: the native fast path is not the module's" >&2
	exit 1
fi
phase "constats_bench.ko in the VM ($KREL, TCG, 4 vCPUs)"
: > "$out/bench.log"
"$vm/run.sh" "$VMLINUZ" "$out/bench.img" "$out/bench.log" 1800 > /dev/null &
vm_pid=$!
# The module's section headers, as the guest prints them.
tail -n +1 -F --pid="$vm_pid" "$out/bench.log" 2> /dev/null |
	sed -un 's/^\[[^]]*\] constats_bench: \(start\|ns per bracket\|brackets\/s\|snapshot latency\|writer K=4\|done\)/bench:   in the guest: \1/p' >&2 &
wait "$vm_pid"

# The reader's cost as the CPUs grow: the VM again at 1, 2, 4 and 8 vCPUs
# (8 overcommits the host's cores, as a busy hypervisor does).
"$vm/initramfs.sh" "$out/bench-smp.img" "$vm/guest/bench-smp.sh" \
	$("$vm/modules.sh" "$out/$KREL")
for smp in 1 2 4 8; do
	phase "snapshot latency and reader wait at -smp $smp"
	CONSTATS_VM_SMP=$smp "$vm/run.sh" "$VMLINUZ" "$out/bench-smp.img" \
		"$out/bench-smp$smp.log" 900 > /dev/null ||
		{ echo "bench: FAIL: the -smp $smp guest ($out/bench-smp$smp.log)" >&2; exit 1; }
done

# The same core, natively on this machine's cores (threads for CPUs).
phase "the native %gs build on this machine's $(nproc) cores"
"$out/native-gs" bench > "$out/native-bench.txt"
phase "callgrind: instructions per bracket"
valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
	--toggle-collect=bench_fastpath "$out/native-gs" one 1000 > /dev/null 2>&1
ir=$(callgrind_annotate "$out/callgrind.out" 2>/dev/null |
     awk '/PROGRAM TOTALS/ && !n++ { gsub(",", "", $1); print $1 / 1000 }')
phase "ThreadSanitizer stress, 3 s"
tsan=$("$out/native-tsan" stress 3 2>&1 || true)
# Readers on 6.1, 6.12 and RT: latency by vCPUs, the interrupts they cost.
phase "readers: snapshot latency and the interrupts readers cost"
"$top/tools/testing/bench-readers.sh" "$report" "$out/bench-smp%s.log"
# XFS: the stock xfs.ko, ours unpatched and ours with samples/xfs, interleaved.
phase "xfs: creates + unlinks/s and statfs/s, stock and patched (xfs.md)"
"$top/tools/testing/xfs/bench.sh" "$report" "$out/$KREL" > /dev/null ||
	echo "bench: FAIL: the XFS figures ($out/xfs-bench/guest.log)" >&2
phase "writing the report"

csv=$report/results.csv
echo "section,method,k,x,value" > "$csv"
sed -n 's/^\[[^]]*\] constats_bench: csv,//p' "$out/bench.log" | sort -u -t, -k1,4 >> "$csv"
# The -smp runs: latencies as section read_smp, the stress figures as
# stress_smp, x = vCPUs.
for smp in 1 2 4 8; do
	log=$out/bench-smp$smp.log
	sed -n 's/^\[[^]]*\] constats_bench: csv,read,/read_smp,/p' "$log"
	awk '/^constats-smp: / {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		printf "stress_smp,snapshots_per_s,0,%d,%d\n", f["cpus"], f["snapshots"] / f["seconds"]
		printf "stress_smp,max_reader_wait_us,0,%d,%d\n", f["cpus"], f["max_reader_wait_us"] }' "$log"
done >> "$csv"
val() { awk -F, -v s="$1" -v m="$2" -v k="$3" -v x="$4" \
	'$1 == s && $2 == m && $3 == k && $4 == x { print $5 }' "$csv"; }

# The fast path, disassembled: acquire + 4 adds + release.
dis=$(objdump -d --no-show-raw-insn "$out/$KREL/kmod/tests/constats_bench.ko" |
      awk '/<bench_fastpath>:/ { p = 1; next } p && /^$/ { p = 0 } p')
locks=$(grep -cE '(^|\s)(lock |mfence)' <<< "$dis" || true)
irqoff=$(grep -cE '\s(cli|sti|popf|pushf)' <<< "$dis" || true)
# The straight line a bracket runs: up to the return, less the cold blocks.
hot=$(awk '!/R_X86_64/ { n++ } /__x86_return_thunk/ { print n; exit }' "$out/fastpath.dis")
body=$(awk '/__preempt_count/ && !s { s = n - 1 } !/R_X86_64/ { n++ }
	    /decl.*gs/ { d = 1 } d && /^je/ { print n - s; exit }' "$out/fastpath.dis")

{
	echo "# constats benchmark"
	echo
	echo "Kernel $KREL in QEMU (TCG, 4 vCPUs) on $(nproc) host cores:" \
	     "$(awk -F': ' '/model name/ && !n++ { print $2 }' /proc/cpuinfo)."
	echo "TCG distorts barrier and atomic costs; compare methods within this run."
	echo "The VM's readers are privileged (root, never paced): its figures are"
	echo "what a snapshot itself costs, its expedited grace period included."
	echo
	echo "## Headline (K = 4)"
	echo
	echo "| ratio | value | goal |"
	echo "| --- | --- | --- |"
	echo "| constats / Go-style bracket | $(val ratio constats/go_style 4 1) | <= 0.25 |"
	echo "| constats / plain per-CPU bracket (preempt off, 4 __this_cpu_inc) | $(val ratio constats/this_cpu_add 4 1) | <= 1.5 |"
	echo "| constats / (the same + smp_mb), a fenced writer | $(val ratio 'constats/(this_cpu_add+mb)' 4 1) | |"
	echo
	echo "## ns per bracket, one CPU"
	echo
	echo "| method | K=1 | K=4 | K=16 |"
	echo "| --- | --- | --- | --- |"
	for m in constats constats_hardirq this_cpu_add this_cpu_add+mb go_style \
		 atomic64 percpu_counter spin_lock_irqsave u64_stats; do
		echo "| $m | $(val cost "$m" 1 1) | $(val cost "$m" 4 1) | $(val cost "$m" 16 1) |"
	done
	echo
	echo "## Brackets per second (K = 4) by writers"
	echo
	echo "| method | 1 | 2 | 3 | 4 |"
	echo "| --- | --- | --- | --- | --- |"
	for m in constats this_cpu_add go_style atomic64 percpu_counter spin_lock_irqsave; do
		echo "| $m | $(val throughput "$m" 4 1) | $(val throughput "$m" 4 2) | $(val throughput "$m" 4 3) | $(val throughput "$m" 4 4) |"
	done
	echo
	echo "## Snapshot latency, ns"
	echo
	echo "| counters | constats_read | percpu_counter_sum x N |"
	echo "| --- | --- | --- |"
	for n in 1 16 256; do
		echo "| $n | $(val read constats_read "$n" 4) | $(val read percpu_counter_sum "$n" 4) |"
	done
	echo
	echo "Writer, K = 4: $(val reader_load constats_alone 4 1) ns alone," \
	     "$(val reader_load constats_with_reader 4 1) ns with a reader snapshotting back-to-back."
	echo
	echo "## The reader as the CPUs grow"
	echo
	echo "The VM booted again at each -smp (guest/bench-smp.sh); 8 vCPUs on"
	echo "$(nproc) host cores are overcommitted, so vCPUs are descheduled in the"
	echo "middle of brackets.  Snapshot latency in ns, against percpu_counter_sum()"
	echo "over as many counters; then 8 s of constats_stress.ko (a writer"
	echo "kthread, an hrtimer, a softirq and NMIs on every CPU, one reader):"
	echo "snapshots per second and the worst wait of a reader."
	echo
	echo "| vCPUs | 1 counter | 16 | 256 | pcs x1 | pcs x16 | pcs x256 |" \
	     "snapshots/s | worst reader wait, us |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for smp in 1 2 4 8; do
		row="| $smp"
		for m in constats_read percpu_counter_sum; do
			for n in 1 16 256; do
				row="$row | $(val read_smp $m $n "$smp")"
			done
		done
		for m in snapshots_per_s max_reader_wait_us; do
			row="$row | $(val stress_smp $m 0 "$smp")"
		done
		echo "$row |"
	done
	echo
	echo "## Native: the same core on this machine's cores"
	echo
	echo "kmod/constats_core.c and the inline writer built unchanged in user space"
	echo "(tools/testing/native, the %gs build), threads standing in for CPUs, each"
	echo "with its own %gs base; $(nproc) cores.  The timed 4-add bracket is the"
	echo "module's bench_fastpath(), instruction for instruction (fastpath-diff.sh:"
	echo "passed)."
	echo
	nval() { awk -F, -v s="$1" -v m="$2" -v k="$3" -v x="$4" \
		'$1 == "csv" && $2 == s && $3 == m && $4 == k && $5 == x { print $6 }' \
		"$out/native-bench.txt"; }
	pace=$(nval param shared_interval_ms 0 1)
	pcs=$(awk -v c="$(val read constats_read 16 4)" -v p="$(val read percpu_counter_sum 16 4)" \
		'BEGIN { if (c != "" && p > 0) printf "%.1f", c / (p / 16) }')
	echo "| figure | measured | goal |"
	echo "| --- | --- | --- |"
	echo "| 4-add bracket, constats / plain per-CPU bracket (preempt off, 4 __this_cpu_inc) | $(nval ratio constats/this_cpu_add 4 1) | <= 1.5 |"
	echo "| 4-add bracket, constats / Go-style bracket | $(nval ratio constats/go_style 4 1) | <= 0.25 |"
	echo "| 4-add bracket, constats / (plain + smp_mb), a fenced writer | $(nval ratio 'constats/(this_cpu_add+mb)' 4 1) | |"
	echo "| LOCK-prefixed instructions and mfences on the fast path | $locks | 0 |"
	echo "| instructions on the fast path, preempt_disable() to preempt_enable() (entry to return) | $body ($hot) | <= 20 |"
	echo "| writer cost while another thread snapshots back to back / alone (paced: shared rounds, shared_interval_ms=$pace; unpaced: a grace period each) | $(nval ratio with_1_readers/alone 4 1) ($(nval ratio with_1_readers_unpaced/alone 4 1)) | <= 1.05 |"
	echo "| the same, with 4 threads snapshotting | $(nval ratio with_4_readers/alone 4 1) ($(nval ratio with_4_readers_unpaced/alone 4 1)) | <= 1.05 |"
	echo "| per-CPU bytes per set, 1 and 16 counters (256) | $(nval memory constats 1 1) and $(nval memory constats 16 1) ($(nval memory constats 256 1)) | <= 32 and <= 392 |"
	echo "| 16-counter snapshot at 4 vCPUs (the VM), in percpu_counter_sum() calls | $pcs | |"
	echo "| brackets/s, 1 -> $(nproc) threads: constats; Go-style; shared atomic64 | $(nval throughput constats 4 1) -> $(nval throughput constats 4 "$(nproc)"); $(nval throughput go_style 4 1) -> $(nval throughput go_style 4 "$(nproc)"); $(nval throughput atomic64 4 1) -> $(nval throughput atomic64 4 "$(nproc)") | grows where shared atomics collapse |"
	echo
	echo "Goals this run missed, by how much:"
	echo
	# over LABEL VALUE GOAL: a line if VALUE is above GOAL
	over() { awk -v l="$1" -v v="$2" -v g="$3" 'BEGIN {
		if (v == "") printf "- %s: not measured\n", l
		else if (v + 0 > g + 0 && g + 0 == 0) printf "- %s: %s against %s\n", l, v, g
		else if (v + 0 > g + 0) printf "- %s: %s against <= %s, %.2f times the goal\n", l, v, g, v / g }'; }
	{
		over "constats / plain per-CPU bracket" "$(nval ratio constats/this_cpu_add 4 1)" 1.5
		over "constats / Go-style bracket" "$(nval ratio constats/go_style 4 1)" 0.25
		over "LOCK-prefixed instructions and mfences" "$locks" 0
		over "fast-path instructions" "$body" 20
		over "writer under 1 reader / alone" "$(nval ratio with_1_readers/alone 4 1)" 1.05
		over "writer under 4 readers / alone" "$(nval ratio with_4_readers/alone 4 1)" 1.05
		over "per-CPU bytes, 1 counter" "$(nval memory constats 1 1)" 32
		over "per-CPU bytes, 16 counters" "$(nval memory constats 16 1)" 392
	} > "$out/missed.txt"
	if [ -s "$out/missed.txt" ]; then
		cat "$out/missed.txt"
	else
		echo "- none"
	fi
	echo
	echo "| method | ns K=1 | ns K=4 | ns K=16 | brackets/s, 1 thread | brackets/s, $(nproc) threads |"
	echo "| --- | --- | --- | --- | --- | --- |"
	for m in constats this_cpu_add this_cpu_add+mb go_style atomic64; do
		echo "| $m | $(nval cost "$m" 1 1) | $(nval cost "$m" 4 1) | $(nval cost "$m" 16 1) |" \
		     "$(nval throughput "$m" 4 1) | $(nval throughput "$m" 4 "$(nproc)") |"
	done
	echo
	echo "Snapshot of 16 counters: $(nval read constats_read 16 "$(nproc)") ns."
	echo "Writer, K = 4: $(nval reader_load constats_alone 4 1) ns alone," \
	     "$(nval reader_load constats_with_1_readers 4 1) ns with a reader snapshotting back to back," \
	     "$(nval reader_load constats_with_4_readers 4 1) ns with 4;" \
	     "the readers got $(nval reader_rate snapshots_per_s_1_readers 16 1) and $(nval reader_rate snapshots_per_s_4_readers 16 1) snapshots/s" \
	     "(paced: shared rounds, shared_interval_ms=$pace, the default)."
	echo "Unpaced (a grace period each, as privileged readers): $(nval reader_load constats_with_1_readers_unpaced 4 1) ns" \
	     "and $(nval reader_load constats_with_4_readers_unpaced 4 1) ns, at" \
	     "$(nval reader_rate snapshots_per_s_1_readers_unpaced 16 1) and $(nval reader_rate snapshots_per_s_4_readers_unpaced 16 1) snapshots/s."
	echo "callgrind: $ir instructions per bracket (acquire + 4 adds + release), call and return included."
	echo "ThreadSanitizer, concurrent stress: $(grep -c 'WARNING: ThreadSanitizer' <<< "$tsan") reports; $(grep '^stress:' <<< "$tsan")"
	echo
	cat "$report/readers.md"
	echo "## Racy per-CPU sums against constats snapshots"
	echo
	echo "The same adds kept in percpu_counters and summed one counter after"
	echo "another with percpu_counter_sum(), as XFS read icount and ifree, held to"
	echo "the same declared invariants (constats_stress.ko racy=1,"
	echo "constats_trace.ko compare_us=100 under four fork loops, one of"
	echo "them reading null_blk's /dev/nullb0 directly):"
	echo
	echo '```'
	sed -n 's/^constats-compare: //p' "$out/bench.log"
	echo '```'
	echo
	echo "## Fast path: acquire + 4 adds + release"
	echo
	echo "LOCK-prefixed instructions and mfences: $locks (goal 0: the reader's grace period is the writer's fence); irq-disabling instructions: $irqoff."
	echo "Instructions on the fast path: $hot from entry to return, $body from"
	echo "preempt_disable() to preempt_enable() (goal <= 20)."
	echo
	echo '```'
	echo "$dis"
	echo '```'
} > "$report/report.md"

if command -v gnuplot > /dev/null; then
	for k in 1 4 16; do
		awk -F, -v k="$k" '$1 == "cost" && $3 == k { print $2, $5 }' "$csv" > "$report/cost-k$k.dat"
	done
	gnuplot <<-GP
	set terminal pngcairo size 900,500 noenhanced
	set datafile separator " "
	set style data histograms
	set style fill solid
	set xtics rotate by -30
	set ylabel "ns per bracket"
	set output "$report/cost.png"
	set title "Cost per bracket by K (one CPU)"
	plot "$report/cost-k1.dat" using 2:xtic(1) title "K=1", \
	     "$report/cost-k4.dat" using 2 title "K=4", \
	     "$report/cost-k16.dat" using 2 title "K=16"
	GP
	awk -F, '$1 == "throughput" { print $2, $4, $5 }' "$csv" > "$report/throughput.dat"
	gnuplot <<-GP
	set terminal pngcairo size 900,500 noenhanced
	set output "$report/throughput.png"
	set title "Brackets per second (K=4) by writers"
	set xlabel "writers"
	set ylabel "brackets/s"
	set logscale y
	plot for [m in "constats this_cpu_add go_style atomic64 percpu_counter spin_lock_irqsave"] \
		"< grep '^".m." ' $report/throughput.dat" using 2:3 with linespoints title m
	GP
	awk -F, '$1 == "read" { print $2, $3, $5 }' "$csv" > "$report/read.dat"
	gnuplot <<-GP
	set terminal pngcairo size 900,500 noenhanced
	set output "$report/read.png"
	set title "Snapshot latency by counters"
	set xlabel "counters"
	set ylabel "ns"
	set logscale xy
	plot for [m in "constats_read percpu_counter_sum"] \
		"< grep '^".m." ' $report/read.dat" using 2:3 with linespoints title m
	GP
fi
sed -n '1,/^## Fast path/p' "$report/report.md" | head -n -1
echo "report: $report/report.md"
