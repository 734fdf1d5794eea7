#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# arm64.sh OUT [NAME]: compile the core and the inline writer for arm64
# (NAME: "baseline", the default, or a busted variant of mutants.txt),
# disassemble them and check that every barrier of the protocol is in the
# code.  On x86 smp_wmb() and smp_rmb() emit no instruction, so no test
# run there can miss them; on arm64 each barrier is an instruction:
#
#	A  none		constats_acquire() (inline) and constats_acquire_slow()
#			(NMI) have no full barrier: the reader's IPI is A; the
#			odd sequence store (stxr) comes before the ->gen load,
#	   bl		a call of smp_call_function() in constats_read(),
#			after B and before D
#	B  dmb ish	constats_read(), before the IPI
#	C  dmb ishst	constats_release() (inline)
#	D  dmb ishld	constats_read()
#
# The arm64 build tree (allnoconfig plus modules, from Debian's
# linux-source-6.1, built with clang: LLVM=1) is prepared once into the
# cache.  Prints one line; exits 0 if every barrier is there, 1 if one is
# missing, 2 if the code could not be built.
set -uo pipefail

dir=${1:?usage: arm64.sh OUT [NAME]}
name=${2:-baseline}
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${CONSTATS_CACHE:-$HOME/.cache/constats}
cross=(ARCH=arm64 LLVM=1)

version=$(dpkg-query -W -f='${Version}' linux-source-6.1) || exit 2
src=$cache/linux-source-$version-tree
tree=$cache/arm64/$version-llvm-r1
if [ ! -f "$src/.done" ]; then
	rm -rf "$src"
	mkdir -p "$src"
	tar -xf /usr/src/linux-source-6.1.tar.xz -C "$src" --strip-components=1 || exit 2
	touch "$src/.done"
fi
if [ ! -f "$tree/.done" ]; then
	rm -rf "$tree"
	mkdir -p "$tree"
	{ make -s -C "$src" O="$tree" "${cross[@]}" allnoconfig &&
	  "$src/scripts/config" --file "$tree/.config" --enable MODULES &&
	  make -s -C "$src" O="$tree" "${cross[@]}" olddefconfig &&
	  make -s -C "$src" O="$tree" "${cross[@]}" -j"$(nproc)" modules_prepare
	} > "$tree.log" 2>&1 || { echo "arm64: preparing the tree failed (see $tree.log)"; exit 2; }
	touch "$tree/.done"
fi

out=$dir/$name
rm -rf "$out"
mkdir -p "$out"
cp -r "$top/kmod" "$top/uapi" "$top/tools/testing/arm64" "$out/"
busted=
[ "$name" = baseline ] || busted=$name
if ! make -s -C "$tree" "${cross[@]}" M="$out/arm64" CONSTATS_BUSTED="$busted" \
	barriers.o core.o > "$out/build.log" 2>&1; then
	echo "arm64: $name does not build (see $out/build.log)"
	exit 2
fi
llvm-objdump -dr --no-show-raw-insn "$out/arm64/barriers.o" \
	"$out/arm64/core.o" > "$out/disasm.txt" || exit 2

python3 - "$out/disasm.txt" "$name" <<'PY'
import re, sys

funcs, cur = {}, None
for line in open(sys.argv[1]):
    m = re.match(r'^[0-9a-f]+ <([^>]+)>:$', line)
    if m:
        cur = funcs.setdefault(m.group(1), [])
    elif cur is not None and re.match(r'^\s+[0-9a-f]+:\s+R_', line):
        cur.append('reloc ' + line.split()[-1])	# the call's target
    elif cur is not None and '\t' in line:
        cur.append(line.split('\t', 1)[1].strip())

def first(fn, insn):
    """Index of the first insn in fn, exactly that mnemonic and operand."""
    for i, ins in enumerate(funcs.get(fn, [])):
        if re.match(r'^' + insn + r'(\s|$)', ins):
            return i
    return None

bad = []
if first('constats_arm64_bracket', r'dmb\s+ish') is not None:
    bad.append('a full barrier in the fast path')
if first('constats_arm64_bracket', r'dmb\s+ishst') is None:
    bad.append('C missing from constats_release()')
# The odd sequence store (stxr: this_cpu_inc()) before the load of ->gen
# (offset 64 of struct constats, on its own line, whose address comes in
# x0, maybe moved to a callee-saved register): the IPI must find them in
# this order, as A's compiler barrier keeps them.
setregs = ['x0'] + [m.group(1) for m in
                    (re.match(r'^mov\s+(x\d+), x0$', i) for i in funcs.get('constats_arm64_bracket', []))
                    if m]
store = first('constats_arm64_bracket', r'stxr')
gen = first('constats_arm64_bracket', r'ldr\s+w\d+, \[(%s), #64\]' % '|'.join(setregs))
if store is None or gen is None:
    bad.append('cannot find the sequence store and the ->gen load in the fast path')
elif gen < store:
    bad.append('->gen loaded before the odd sequence store')
if 'constats_acquire_slow' not in funcs:
    bad.append('no constats_acquire_slow() to check')
elif first('constats_acquire_slow', r'dmb\s+ish') is not None:
    bad.append('a full barrier in the NMI path')
b, d = first('constats_read', r'dmb\s+ish'), first('constats_read', r'dmb\s+ishld')
ipi = first('constats_read', r'reloc (smp_call_function|constats_sync_cpus)')
if d is None:
    bad.append('D missing from constats_read()')
if ipi is None or (d is not None and ipi > d):
    bad.append("A's IPI missing from constats_read() (no smp_call_function() before D)")
if b is None or (ipi is not None and b > ipi):
    bad.append('B missing from constats_read() (no full barrier before the IPI)')
if bad:
    print('arm64 %s: %s' % (sys.argv[2], '; '.join(bad)))
    sys.exit(1)
print('arm64 %s: no fence in the fast path; B, the IPI (A), C and D are in the code' % sys.argv[2])
PY
