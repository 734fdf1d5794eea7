#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# arm64.sh OUT [NAME]: compile the core, the reader and the inline writer
# for arm64 (NAME: "baseline", the default, or a busted variant of
# mutants.txt), disassemble them and check that every barrier of the
# protocol is in the code.  On x86 smp_wmb() and smp_rmb() emit no
# instruction, so no test run there can miss them; on arm64 each barrier
# is an instruction:
#
#	A  none		constats_acquire() (inline) and constats_acquire_slow()
#			(NMI) have no full barrier: the reader's RCU grace
#			period is A; the odd sequence store (stxr) comes before
#			the ->gen load,
#	   bl		the reader waits for the grace period (a call of
#			cond_synchronize_rcu{,_expedited}_full()), and sums a
#			generation only once poll_state_synchronize_rcu_full()
#			said it was over
#	B  dmb ish	constats_rotate(), between the ->gen store and the
#			call of get_state_synchronize_rcu_full()
#	C  dmb ishst	constats_release() (inline)
#	D  dmb ishld	constats_finish(), between the grace period's poll and
#			the sum
#
# The reader's steps are static functions that clang inlines into
# constats_read_reqs(), with the blocks in no particular order, so B, D
# and the grace period are checked on the control flow: every path from
# the ->gen store to the cookie's call passes B, every path from the poll
# to the sum passes D, and every path from the function's entry to the sum
# passes the poll.
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
	barriers.o core.o reader.o > "$out/build.log" 2>&1; then
	echo "arm64: $name does not build (see $out/build.log)"
	exit 2
fi
llvm-objdump -dr --no-show-raw-insn "$out/arm64/barriers.o" \
	"$out/arm64/core.o" > "$out/disasm.txt" || exit 2
llvm-objdump -dr --no-show-raw-insn "$out/arm64/reader.o" \
	> "$out/disasm-reader.txt" || exit 2

python3 - "$out/disasm.txt" "$name" "$out/disasm-reader.txt" <<'PY'
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

# The reader, as a control-flow graph per function: instructions as
# (address, mnemonic, operands, call target or None).
def parse(path):
    fns, cur = {}, None
    for line in open(path):
        m = re.match(r'^[0-9a-f]+ <([^>]+)>:$', line)
        if m:
            cur = fns.setdefault(m.group(1), [])
            continue
        if cur is None:
            continue
        m = re.match(r'^\s+([0-9a-f]+):\s+R_AARCH64_(CALL|JUMP)26\s+(\S+)', line)
        if m and cur and cur[-1][0] == int(m.group(1), 16):
            cur[-1] = cur[-1][:3] + (m.group(3),)
            continue
        m = re.match(r'^\s+([0-9a-f]+):\s+(\S+)\s*(.*)$', line)
        if m and '\t' in line:
            cur.append((int(m.group(1), 16), m.group(2), m.group(3).strip(), None))
    return fns

def successors(fn, i):
    addr, op, args, call = fn[i]
    nxt = [i + 1] if i + 1 < len(fn) else []
    if op == 'ret' or op == 'br' or (op == 'b' and call):
        return []	# return, indirect branch, tail call
    m = re.search(r'0x([0-9a-f]+) <', args)
    if op in ('b', 'b.al') or op.startswith(('b.', 'cbz', 'cbnz', 'tbz', 'tbnz')):
        if not m:
            return nxt
        t = int(m.group(1), 16)
        tgt = [j for j, ins in enumerate(fn) if ins[0] == t]
        return tgt if op in ('b', 'b.al') else nxt + tgt
    return nxt

def path_avoids(fn, starts, stop, goal):
    """Whether some path from starts reaches an instruction for which
    goal() holds without first passing one for which stop() holds."""
    seen, todo = set(), list(starts)
    while todo:
        i = todo.pop()
        if i in seen:
            continue
        seen.add(i)
        if goal(fn[i]):
            return True
        if stop(fn[i]):
            continue
        todo.extend(successors(fn, i))
    return False

def calls(*names):
    return lambda ins: ins[3] in names

def dmb(*kinds):
    return lambda ins: ins[1] == 'dmb' and ins[2] in kinds

reader = parse(sys.argv[3])
sums = ('constats_sum',) if 'constats_sum' in reader else ('memset',)
gen_store = lambda ins: ins[1] == 'str' and re.match(r'^w\d+, \[x\d+, #64\]$', ins[2])
rotations = [(f, i) for f, fn in reader.items() for i, ins in enumerate(fn) if gen_store(ins)]
summing = [f for f, fn in reader.items() if any(calls(*sums)(ins) for ins in fn)]
cookie = calls('get_state_synchronize_rcu_full')
poll = calls('poll_state_synchronize_rcu_full')
if not rotations:
    bad.append('cannot find the reader\'s ->gen store')
elif any(path_avoids(reader[f], [i + 1], dmb('ish'), cookie) or
         not path_avoids(reader[f], [i + 1], lambda ins: False, cookie)
         for f, i in rotations):
    bad.append('B missing from constats_rotate() (a path from the ->gen store to get_state_synchronize_rcu_full() with no dmb ish)')
if not any(calls('cond_synchronize_rcu_full', 'cond_synchronize_rcu_expedited_full')(ins)
           for fn in reader.values() for ins in fn):
    bad.append("A's grace period missing: no call of cond_synchronize_rcu{,_expedited}_full()")
if not summing:
    bad.append('cannot find the reader\'s sum (a call of %s)' % sums[0])
for f in summing:
    fn = reader[f]
    if path_avoids(fn, [0], poll, calls(*sums)):
        bad.append("A's grace period not awaited in %s(): a path to the sum with no call of poll_state_synchronize_rcu_full()" % f)
    polls = [i + 1 for i, ins in enumerate(fn) if poll(ins)]
    if polls and path_avoids(fn, polls, dmb('ishld', 'ish'), calls(*sums)):
        bad.append('D missing from constats_finish() (a path from the poll to the sum in %s() with no dmb ishld)' % f)
if bad:
    print('arm64 %s: %s' % (sys.argv[2], '; '.join(bad)))
    sys.exit(1)
print('arm64 %s: no fence in the fast path; B, the grace period (A), C and D are in the code' % sys.argv[2])
PY
