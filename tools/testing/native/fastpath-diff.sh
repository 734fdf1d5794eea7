#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fastpath-diff.sh MODULE.ko FASTPATH.o: check that bench_fastpath() in the
# native %gs build (fastpath-gs.o) is constats_bench.ko's, instruction for
# instruction, so that native timings are about the module's code.
#
# Both are relocatable objects, disassembled with their relocations.  Only
# what the link decides may differ: addresses, branch targets as absolute
# offsets (the <bench_fastpath+N> form is compared), relocation offsets,
# the padding after the function, and ftrace's "call __fentry__", which
# the kernel runs as the 5-byte nop that -mnop-mcount emits.  Prints the fast path's instructions and exits
# 0 when the two match; prints the diff and exits 1 otherwise.
set -euo pipefail

fn=bench_fastpath
norm() {
	objdump -dr --no-show-raw-insn "$1" |
	awk -v fn="$fn" '$0 ~ "<" fn ">:$" { p = 1; next } p && /^$/ { p = 0; done = 1 } p && !done' |
	sed -E -e 's/^[[:space:]]*[0-9a-f]+:[[:space:]]*//' \
	       -e 's/[[:space:]]+# [0-9a-f]+ (<[^>]*>)/ # \1/' \
	       -e 's/^([a-z]+)[[:space:]]+[0-9a-f]+ (<[^>]*>)$/\1 \2/' \
	       -e 's/[[:space:]]+/ /g' |
	awk '/^call .*<'"$fn"'\+0x5>$/ { fentry = 1; next }
	     fentry && /R_X86_64_PLT32 __fentry__-0x4/ {
		print "nopl 0x0(%rax,%rax,1)"; fentry = 0; next }
	     { fentry = 0; line[n++] = $0 }
	     END {	# the padding up to the next function is not the function
		while (n && line[n - 1] ~ /^((data16|cs) )*(nop|xchg %ax,%ax$|int3$)/)
			n--
		for (i = 0; i < n; i++)
			print line[i]
	     }'
}

module=$(norm "${1:?usage: fastpath-diff.sh MODULE.ko FASTPATH.o}")
native=$(norm "${2:?usage: fastpath-diff.sh MODULE.ko FASTPATH.o}")
if [ -z "$module" ] || [ -z "$native" ]; then
	echo "fastpath-diff: $fn not found in $1 or $2" >&2
	exit 1
fi
if ! diff -u <(echo "$module") <(echo "$native") > /dev/null; then
	echo "fastpath-diff: $fn differs between the module and the native build:"
	diff -u --label "$1" --label "$2" <(echo "$module") <(echo "$native") || true
	exit 1
fi
echo "$native"
