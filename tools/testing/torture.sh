#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# torture.sh [SECONDS] [VARIANT]: a long torture run of constats_stress.ko on
# a debug kernel (kasan: lockdep + KASAN + kmemleak, the default; kcsan; or
# rt: PREEMPT_RT + lockdep on 6.12), booted with panic_on_warn=1, with the
# KUnit suites before it; then the store-buffering litmus test on the real
# cores for a quarter of as long (at least 10 s).  Prints the stats lines
# and the verdict; fails on FAILURE, any kernel splat, or the litmus test's
# forbidden outcome.
set -uo pipefail

seconds=${1:-600}
variant=${2:-kasan}
top=$(cd "$(dirname "$0")/../.." && pwd)
vm=$top/tools/testing/vm
out=$vm/out
mkdir -p "$out"

eval "$("$vm/debug-kernel.sh" "$variant")" || exit 1
"$vm/build.sh" "$KDIR" "$out/torture-$variant" || exit 1
"$vm/initramfs.sh" "$out/torture-$variant.img" "$vm/guest/debug.sh" \
	$("$vm/modules.sh" "$out/torture-$variant")
CONSTATS_VM_APPEND="panic_on_warn=1 constats.torture_seconds=$seconds ${KAPPEND:-}" \
	"$vm/run.sh" "$VMLINUZ" "$out/torture-$variant.img" \
	"$out/torture-$variant.log" $((seconds + 900)) |
	grep -E '^(not )?ok |constats_stress: (stats|final|snapshots|End)'
status=${PIPESTATUS[0]}
grep -q 'constats_stress: End of test: SUCCESS' "$out/torture-$variant.log" || status=1
litmus_seconds=$((seconds / 4 > 10 ? seconds / 4 : 10))
if make -s -C "$top/tools/testing/native" OUTPUT="$out" "$out/litmus"; then
	"$out/litmus" asym "$litmus_seconds" || status=1
else
	status=1
fi
echo "torture ($variant, ${seconds} s): $([ "$status" -eq 0 ] && echo SUCCESS || echo FAILURE)"
exit "$status"
