#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh: every test of "make check".  Host-side checks (W=1 and sparse
# build, checkpatch --strict) and the VM run on Debian's stock kernel each
# count as tests; the guest reports its own as TAP.  Ends with the line
# "N passed, N failed" and a non-zero status if anything failed.
#
# Knobs (environment):
#	CONSTATS_STOCK_FLAVOURS	Debian kernels booted with the stress test and
#				the kselftests (vm/kernel.sh flavours); default
#				"bookworm bookworm-backports trixie-rt
#				trixie-backports trixie-backports-rt"
#	CONSTATS_DEBUG_VARIANTS	our debug kernels booted with KUnit and the
#				torture run (vm/debug-kernel.sh variants);
#				default "kasan kcsan rt"
#	CONSTATS_CACHE		where kernels and sources are kept; default
#				~/.cache/constats
# Either list may be empty to skip those kernels.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
vm=$top/tools/testing/vm
out=$vm/out
mkdir -p "$out"
rm -f "$out/ksft-summary.txt"
passed=0
failed=0
built=		# what build_modules built in this run
skipped=0

pass() { passed=$((passed + 1)); echo "PASS: $*"; }
# Failures are named again above the count: a CI log's tail shows them.
failures=()
fail() { failed=$((failed + 1)); failures+=("$*"); echo "FAIL: $*"; }

summary() {
	local f

	for f in "${failures[@]}"; do
		echo "failed: $f"
	done
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
}

# Sources the style checks cover.
# (The native shim defines the kernel's own macros: it is not kernel code.)
sources=$(cd "$top" && git ls-files -- '*.c' '*.h' ':!tools/testing/native/include' 2>/dev/null ||
	  find kmod uapi tools -name '*.[ch]' -not -path '*/native/include/*')

srcdir=$("$top/tools/testing/source.sh") || { fail "unpack linux-source-6.1"; summary; exit; }
if (cd "$top" && "$srcdir/scripts/checkpatch.pl" --strict --no-tree --quiet \
	-f $sources) > "$out/checkpatch.log" 2>&1; then
	pass "checkpatch.pl --strict on $(echo $sources | wc -w) files"
else
	cat "$out/checkpatch.log"
	fail "checkpatch.pl --strict"
fi

kdoc_files=$(cd "$top" && ls kmod/include/linux/constats.h kmod/*.c kmod/tests/*.c samples/constats/*.c)
if (cd "$top" && "$srcdir/scripts/kernel-doc" -none -Werror $kdoc_files) \
	> "$out/kernel-doc.log" 2>&1; then
	pass "kernel-doc -Werror on the API header and module sources"
else
	cat "$out/kernel-doc.log"
	fail "kernel-doc -Werror on the API header and module sources"
fi

if gcc -Wall -Wextra -Werror -fsyntax-only -I"$top/uapi" -x c \
	"$top/uapi/linux/constats.h" &&
   g++ -Wall -Wextra -Werror -fsyntax-only -I"$top/uapi" -x c++ \
	"$top/uapi/linux/constats.h" &&
   gcc -Wall -Werror -I"$top/uapi" -o "$out/snapshot-example" \
	"$top/Documentation/examples/snapshot.c"; then
	pass "uapi header compiles as C and C++; the documented example builds"
else
	fail "uapi header compiles as C and C++; the documented example builds"
fi

if "$top/tools/testing/htmldocs.sh" "$out/htmldocs" > "$out/htmldocs.log" 2>&1; then
	pass "make htmldocs: Sphinx with kernel-doc, no warnings"
else
	cat "$out/htmldocs.log"
	fail "make htmldocs: Sphinx with kernel-doc, no warnings"
fi

if make -s -C "$top" man MANDIR="$out/man" > "$out/man.log" 2>&1 &&
   [ -s "$out/man/constats.8" ]; then
	pass "make man: constats(8) with Sphinx's man builder, no warnings"
else
	cat "$out/man.log"
	fail "make man: constats(8) with Sphinx's man builder, no warnings"
fi

# User-space programs for the guest, static so they run under busybox.
# The kselftests install, with the kernel's runner, into $out/ksft.
ksft=$srcdir/tools/testing/selftests
rm -rf "$out/user" "$out/ksft"
mkdir -p "$out/user" "$out/ksft/kselftest"
cp "$ksft"/kselftest/runner.sh "$ksft"/kselftest/prefix.pl "$out/ksft/kselftest/"
if make -s -C "$top/selftests" KSFT_DIR="$ksft" OUTPUT="$out/user" M32=1 \
	install INSTALL_PATH="$out/ksft/constats" > "$out/user.log" 2>&1 &&
   make -s -C "$top/tools/constats" STATIC=1 OUTPUT="$out/user" \
	>> "$out/user.log" 2>&1; then
	pass "selftests (64- and 32-bit) and the constats tool build with -Werror"
else
	cat "$out/user.log"
	fail "selftests (64- and 32-bit) and the constats tool build with -Werror"
fi
user_progs="$out/user/constats $out/ksft"

# The tool against a stand-in for /proc/constats (tools/constats/tests):
# its one-call and per-set ways of reading many sets print the same.
if make -s -C "$top/tools/constats" check OUTPUT="$out/tool-check" \
	> "$out/tool-check.log" 2>&1; then
	pass "constats tool on a fake /proc/constats: $(grep -cE '^ok ' "$out/tool-check.log") checks"
else
	cat "$out/tool-check.log"
	fail "constats tool on a fake /proc/constats"
fi

# count_tap PREFIX LOG: count the TAP lines of guest scripts ("ok N - desc")
# and kselftests ("ok N name", "ok N # SKIP reason"), also those the
# kselftest runner nests under "# ".
count_tap() {
	local prefix=$1 line desc
	while read -r line; do
		line=${line#"# "}
		line=${line#"# "}
		desc=${line#*ok }
		desc=${desc#* }
		desc=${desc#- }
		case "$line" in
		"not ok "*) fail "$prefix: $desc" ;;
		*"# SKIP"*) skipped=$((skipped + 1)); echo "SKIP: $prefix: $desc" ;;
		*) pass "$prefix: $desc" ;;
		esac
	done < <(grep -E '^(# )*(not )?ok [0-9]+ ' "$2")
}

# ksft_summary NAME LOG: the kselftest runner's verdicts, in one line.
ksft_summary() {
	local block
	block=$(sed -n '/^constats-ksft-begin$/,/^constats-ksft-end$/p' "$2")
	echo "kselftest summary for $1:" \
		"$(grep -cE '^ok [0-9]+ selftests: .*# SKIP' <<< "$block") skipped," \
		"$(grep -E '^ok [0-9]+ selftests: ' <<< "$block" | grep -vc '# SKIP') passed," \
		"$(grep -cE '^not ok [0-9]+ selftests: ' <<< "$block") failed"
	grep -E '^# (# )?(cycles done|leaks found|cpus toggled|ioctl snapshots|sets listed)' <<< "$block" |
		sed "s/^/  $1: /"
}

# build_modules NAME KDIR: build the modules for one kernel into $out/NAME,
# with the KMAKE_ARGS kernel.sh or debug-kernel.sh printed for it;
# warnings fail the test.
build_modules() {
	if KMAKE_ARGS=${KMAKE_ARGS:-} "$vm/build.sh" "$2" "$out/$1" W=1 C=1 \
		> "$out/build-$1.log" 2>&1 &&
	   ! grep -qiE 'warning|error' "$out/build-$1.log"; then
		built="$built $1"
		pass "$1: modules build clean with W=1 and sparse (C=1)"
	else
		cat "$out/build-$1.log"
		fail "$1: modules build clean with W=1 and sparse (C=1)"
		return 1
	fi
}

# boot NAME VMLINUZ GUEST FILES...: run a guest script in the VM and count
# its TAP lines; the run itself passes if the guest finished and the
# console shows no kernel splat.
boot() {
	local name=$1 vmlinuz=$2 guest=$3 status
	shift 3
	"$vm/initramfs.sh" "$out/$name.img" "$guest" "$@"
	"$vm/run.sh" "$vmlinuz" "$out/$name.img" "$out/$name.log" 900
	status=$?
	count_tap "$name" "$out/$name.log"
	if [ "$status" -eq 0 ]; then
		pass "$name: guest finished, console free of kernel splats"
	else
		# The splat itself, so that a short excerpt of the output names it.
		fail "$name: guest finished, console free of kernel splats (status $status)" \
			"$(head -n 1 "$out/$name.log.splat" 2>/dev/null)"
	fi
}

# kunit NAME LOG MODULE: parse MODULE's KTAP from LOG with the kernel's
# own kunit.py; each test case it reports counts.
kunit() {
	local res=$out/kunit-$1-$3.log
	"$top/tools/testing/ktap.sh" "$2" "$3" |
		python3 "$srcdir/tools/testing/kunit/kunit.py" parse > "$res" 2>&1
	grep -E '^\[[0-9:]+\] (Testing complete|\[(PASSED|FAILED|SKIPPED|CRASHED)\] )' "$res"
	while read -r line; do
		case "$line" in
		*"[PASSED] "*) pass "$1: kunit: ${line#*\] \[PASSED\] }" ;;
		*"[SKIPPED] "*) skipped=$((skipped + 1)) ;;
		*) fail "$1: kunit: ${line#*\] }" ;;
		esac
	done < <(grep -E '^\[[0-9:]+\] \[(PASSED|FAILED|SKIPPED|CRASHED)\] ' "$res")
	# A case may skip (on PREEMPT_RT, softirqs do not nest over brackets).
	if grep -qE 'Testing complete\. Ran [0-9]+ tests: passed: [0-9]+(, skipped: [0-9]+)?$' "$res"; then
		pass "$1: kunit.py parse: $3 complete, all passed"
	else
		fail "$1: kunit.py parse: $3 complete, all passed"
	fi
}

# Debian's stock kernels: the stress test, the ABI and the tool; trixie's
# PREEMPT_RT 6.12, and the newest kernels in trixie-backports, stock and
# PREEMPT_RT (7.x), whose modules build in a trixie root (kernel.sh).
for flavour in ${CONSTATS_STOCK_FLAVOURS-bookworm bookworm-backports trixie-rt \
		trixie-backports trixie-backports-rt}; do
	if ! kvars=$("$vm/kernel.sh" "$flavour"); then
		fail "$flavour: fetch the Debian kernel"
		continue
	fi
	eval "$kvars"
	build_modules "$KREL" "$KDIR" || continue
	grep '^build.sh: ' "$out/build-$KREL.log"	# e.g. that no sparse ran
	[ "$flavour" = bookworm ] && bench_ko=$out/$KREL/kmod/tests/constats_bench.ko
	# The kernel's own null_blk gives constats_trace.ko block requests.
	if ! "$vm/stock-modules.sh" "$MODDIR" "$out/$KREL/stock" configfs null_blk; then
		fail "$KREL: the kernel's configfs and null_blk modules"
		continue
	fi
	boot "$KREL" "$VMLINUZ" "$vm/guest/check.sh" \
		$("$vm/modules.sh" "$out/$KREL") "$out/$KREL"/stock/*.ko $user_progs
	"$top/tools/testing/check_json.py" "$out/$KREL.log" > "$out/json-$KREL.log"
	count_tap "$KREL" "$out/json-$KREL.log"
	ksft_summary "$KREL" "$out/$KREL.log" | tee -a "$out/ksft-summary.txt"
done

# What readers cost the other CPUs (vm/guest/irq.sh): the 6.1 guest booted
# with nohz_full=3 isolcpus=3, a user-space spinner on CPU 3, a reader
# pinned to CPU 0 snapshotting 32 sets in a loop, unprivileged and then
# privileged, with CPUs 1-2 idle and busy with writers; the interprocessor
# interrupts each CPU takes against a baseline, and /proc/constats with
# 2000 sets of 16 counters.  While CPU 0 is busy, CPU 1 is the scheduler's
# idle balancer for it and is shown, not judged (irq.sh says why).
if kvars=$("$vm/kernel.sh" bookworm); then
	eval "$kvars"
	case " $built " in
	*" $KREL "*)
		CONSTATS_VM_APPEND="nohz_full=3 isolcpus=3" \
			boot "irq-$KREL" "$VMLINUZ" "$vm/guest/irq.sh" \
			"$out/$KREL/kmod/constats.ko" \
			"$out/$KREL/kmod/tests/constats_sets.ko" \
			"$out/user/constats_irq"
		sed -n 's/^constats-irq: //p' "$out/irq-$KREL.log"
		;;
	esac
fi

# Fleet monitoring (tools/testing/prometheus.sh): constats export and
# Debian's node_exporter in a guest on the 6.1 kernel, Debian's Prometheus
# server on the host scraping it every second; the stored series must hold
# the declared invariants at every scrape, and the racy export must not.
if kvars=$("$vm/kernel.sh" bookworm); then
	eval "$kvars"
	fleet_start=$(date +%s)
	"$top/tools/testing/prometheus.sh" "$out/fleet" "$out/$KREL" \
		"$out/user/constats" > "$out/fleet.log" 2>&1
	fleet_status=$?
	count_tap fleet "$out/fleet.log"
	grep '^# fleet: ' "$out/fleet.log"
	if [ "$fleet_status" -eq 0 ]; then
		pass "fleet: export, node_exporter, Prometheus end to end ($(( $(date +%s) - fleet_start )) s)"
	else
		tail -n 30 "$out/fleet.log"
		fail "fleet: export, node_exporter, Prometheus end to end (status $fleet_status)"
	fi
fi

# XFS's inode counters in a constats set (tools/testing/xfs/check.sh): the
# series of samples/xfs built into Debian's 6.1 xfs.ko, the same load on the
# stock module and on ours in the guest, xfs_repair -n after.
if kvars=$("$vm/kernel.sh" bookworm); then
	eval "$kvars"
	xfs_start=$(date +%s)
	xfs_build=
	case " $built " in *" $KREL "*) xfs_build=$out/$KREL ;; esac
	"$top/tools/testing/xfs/check.sh" "$out/xfs" "$xfs_build" \
		"$out/user/constats" > "$out/xfs.log" 2>&1
	xfs_status=$?
	count_tap xfs "$out/xfs.log"
	grep '^# xfs: ' "$out/xfs.log"
	if [ "$xfs_status" -eq 0 ]; then
		pass "xfs: patched xfs.ko built, tested beside the stock one, repaired clean ($(( $(date +%s) - xfs_start )) s)"
	else
		tail -n 30 "$out/xfs.log"
		fail "xfs: patched xfs.ko built, tested beside the stock one, repaired clean (status $xfs_status)"
	fi
fi

# The core built natively against the shim, under ThreadSanitizer, with
# NMI writers too.
if make -s -C "$top/tools/testing/native" OUTPUT="$out" > "$out/native.log" 2>&1 &&
   "$out/native-tsan" stress 3 nmi >> "$out/native.log" 2>&1 &&
   ! grep -q 'ThreadSanitizer' "$out/native.log"; then
	pass "native core under ThreadSanitizer: $(grep '^stress:' "$out/native.log")"
else
	cat "$out/native.log"
	fail "native core under ThreadSanitizer: 0 reports, 0 violations, 0 lost"
fi

# make bench times the module's own fast path natively: the %gs build's
# bench_fastpath() must be the 6.1 module's, instruction for instruction,
# and that build must run.
res=
if [ -n "${bench_ko:-}" ]; then
	if "$top/tools/testing/native/fastpath-diff.sh" "$bench_ko" \
		"$out/fastpath-gs.o" > "$out/fastpath.log" 2>&1 &&
	   res=$("$out/native-gs" stress 2 2>&1); then
		pass "native %gs build: fast path identical to the 6.1 module's; $res"
	else
		cat "$out/fastpath.log"
		echo "${res:-}"
		fail "native %gs build: fast path identical to the 6.1 module's, stress passes"
	fi
fi

# The store-buffering pair of A and B on the real cores: never both missed
# with the writer's compiler barrier and the reader's barrier, a grace
# period of the native harness's RCU (gp) or membarrier(2) (asym); seen
# when the reader has none (no-a).
for mode in gp asym no-a; do
	if res=$("$out/litmus" "$mode" 2 2>&1); then
		pass "$res"
	else
		fail "${res:-litmus $mode did not run}"
	fi
done

# Packaging: DKMS against installed 6.1 headers, and make install into a
# staging directory.
if kvars=$("$vm/kernel.sh" bookworm); then
	eval "$kvars"
	if "$top/tools/testing/dkms.sh" "$KREL" > "$out/dkms.log" 2>&1; then
		pass "dkms add and build against installed $KREL headers"
	else
		cat "$out/dkms.log"
		fail "dkms add and build against installed $KREL headers"
	fi
	stage=$out/install
	rm -rf "$stage"
	# The stock loop built these, unless CONSTATS_STOCK_FLAVOURS left 6.1 out.
	case " $built " in
	*" $KREL "*) ;;
	*) "$vm/build.sh" "$KDIR" "$out/$KREL" > "$out/install.log" 2>&1 ;;
	esac
	if make -s -C "$out/$KREL" -f "$top/Makefile" KDIR="$KDIR" \
		INSTALL_MOD_PATH="$stage" DESTDIR="$stage" install \
		> "$out/install.log" 2>&1 &&
	   [ -f "$stage/lib/modules/$KREL/updates/constats/kmod/constats.ko" ] &&
	   [ -f "$stage/usr/include/linux/constats.h" ] &&
	   [ -f "$stage/usr/src/constats-0.1.0/include/linux/constats.h" ] &&
	   grep -q constats_create "$stage/usr/src/constats-0.1.0/Module.symvers"; then
		pass "make install: modules, uapi and API headers, Module.symvers"
	else
		cat "$out/install.log"
		find "$stage" -type f | head -n 20
		fail "make install: modules, uapi and API headers, Module.symvers"
	fi
fi

# Debian packages (tools/testing/deb.sh): make deb and lintian, then the
# three installed with linux-headers-amd64 into a fresh bookworm root.
deb_start=$(date +%s)
"$top/tools/testing/deb.sh" "$out/deb" > "$out/deb.log" 2>&1
deb_status=$?
count_tap deb "$out/deb.log"
grep '^# deb: ' "$out/deb.log"
if [ "$deb_status" -eq 0 ]; then
	pass "deb: packages built, installed and built by DKMS in a fresh root ($(( $(date +%s) - deb_start )) s)"
else
	tail -n 30 "$out/deb.log"
	fail "deb: packages built, installed and built by DKMS in a fresh root (status $deb_status)"
fi

# Our debug kernels: KUnit and the torture run under lockdep + KASAN +
# kmemleak, under KCSAN, and under PREEMPT_RT + lockdep (6.12), booted
# with panic_on_warn.
for variant in ${CONSTATS_DEBUG_VARIANTS-kasan kcsan rt}; do
	name=debug-$variant
	start=$(date +%s)
	if ! kvars=$("$vm/debug-kernel.sh" "$variant"); then
		fail "$name: build the debug kernel"
		continue
	fi
	echo "$name: kernel ready after $(( $(date +%s) - start )) s"
	eval "$kvars"
	build_modules "$name" "$KDIR" || continue
	CONSTATS_VM_APPEND="panic_on_warn=1 ${KAPPEND:-}" \
		boot "$name" "$VMLINUZ" "$vm/guest/debug.sh" \
		$("$vm/modules.sh" "$out/$name") "$out/ksft"
	kunit "$name" "$out/$name.log" constats_kunit
	kunit "$name" "$out/$name.log" constats_kunit_warn
done

# The busted variants of tools/testing/mutants.txt: each must be caught
# by its detector, and the correct build must pass every detector.
"$top/tools/testing/mutants.sh" > "$out/mutants.log" 2>&1
while read -r line; do
	case "$line" in
	"mutant "*": caught by "*|"control "*": passed: "*) pass "$line" ;;
	"mutant "*|"control "*) fail "$line" ;;
	esac
done < "$out/mutants.log"
grep -E '^mutants( missed)?: ' "$out/mutants.log"

[ -f "$out/ksft-summary.txt" ] && cat "$out/ksft-summary.txt"
summary
