#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fake.sh [OUT]: the constats tool against fake_proc.so, an LD_PRELOAD
# stand-in for /proc/constats, on the host: no module is loaded anywhere.
# Every command that reads several sets must print the same bytes whether
# the "kernel" serves CONSTATS_IOC_SNAPSHOT_SETS (one call for all sets)
# or not (one CONSTATS_IOC_SNAPSHOT per set), with sets that vanish and
# more sets than one call takes.  Prints TAP ("ok N - ..."); exits
# non-zero if any check failed.  Builds into OUT (default: a temporary
# directory); takes about a second.
set -uo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
. "$top/tools/testing/tap.sh"
out=${1:-$(mktemp -d)}
mkdir -p "$out"
out=$(cd "$out" && pwd)

cc=${CC:-gcc}
"$cc" -O2 -Wall -Wextra -Werror -fPIC -shared -I"$top/uapi" \
	-o "$out/fake_proc.so" "$top/tools/constats/tests/fake_proc.c" || exit 1
# Dynamic, whatever STATIC says: LD_PRELOAD needs the dynamic loader.
make -s -C "$top/tools/constats" STATIC= OUTPUT="$out" || exit 1

# run NAME FEATURES ENV... -- ARGS...: the tool's stdout, stderr and exit
# status in $out/NAME.{out,err,rc}, its calls in $out/NAME.log.
run() {
	local name=$1 features=$2 envs=()
	shift 2
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	rm -f "$out/$name.log"
	env "${envs[@]}" FAKE_FEATURES="$features" FAKE_LOG="$out/$name.log" \
		LD_PRELOAD="$out/fake_proc.so" "$out/constats" "$@" \
		> "$out/$name.out" 2> "$out/$name.err"
	echo $? > "$out/$name.rc"
}

# same DESC ENV... -- ARGS...: the same output, error and status both
# ways, and the new way makes no CONSTATS_IOC_SNAPSHOT but for --racy.
same() {
	local desc=$1
	shift
	run one 0x3 "$@"
	run all 0x7 "$@"
	if cmp -s "$out/one.out" "$out/all.out" &&
	   cmp -s "$out/one.err" "$out/all.err" &&
	   cmp -s "$out/one.rc" "$out/all.rc"; then
		ok "$desc: the same both ways (status $(cat "$out/all.rc"), $(wc -c < "$out/all.out") bytes; $(cat "$out/all.log"))"
	else
		diff "$out/one.out" "$out/all.out" | head -n 10
		diff "$out/one.err" "$out/all.err" | head -n 4
		not_ok "$desc: the same both ways (status $(cat "$out/one.rc") vs $(cat "$out/all.rc"))"
	fi
}

# calls NAME EXPECTED: the fake's call counts of the last run of NAME.
calls() {
	[ "$(cat "$out/$1.log")" = "$2" ] ||
		{ echo "# $1: $(cat "$out/$1.log"), expected $2"; false; }
}

same "show" FAKE_SETS=3 -- show
check "show: one CONSTATS_IOC_SNAPSHOT_SETS for 3 sets" \
	calls all "snapshot 0 sets 1 entries 3"
check "show without the feature: one CONSTATS_IOC_SNAPSHOT per set" \
	calls one "snapshot 3 sets 0 entries 0"
same "show -j" FAKE_SETS=3 -- -j show
same "show -p SETS" FAKE_SETS=7 -- -p show set5 constats set2
same "show -o openmetrics" FAKE_SETS=6 -- show -o openmetrics
same "show -o openmetrics --racy" FAKE_SETS=6 -- show -o openmetrics --racy
check "--racy: a snapshot per counter, then one call for all sets" \
	calls all "snapshot 23 sets 1 entries 6"
same "watch" FAKE_SETS=4 -- watch -i 0.01 -n 3
check "watch: one call per report" calls all "snapshot 0 sets 3 entries 12"
same "watch -j SET" FAKE_SETS=4 -- -j watch -i 0.01 -n 2 set2
same "check" FAKE_SETS=7 -- check -n 2
check "check: one call per round, for the 6 sets with invariants" \
	calls all "snapshot 0 sets 2 entries 12"
same "check -e" FAKE_SETS=5 -- -j check -e 'set3: c0 > 0' set1
same "a set gone by its snapshot: show fails" FAKE_SETS=9 FAKE_VANISH=4 -- show
check "... with status 1, and says which set" \
	sh -c "grep -qx 1 '$out/all.rc' &&
	       grep -qx 'constats: set set3: destroyed' '$out/all.err'"
same "... -o openmetrics fails" FAKE_SETS=9 FAKE_VANISH=4 -- show -o openmetrics
check "... with status 1" grep -qx 1 "$out/all.rc"
same "... check fails" FAKE_SETS=9 FAKE_VANISH=4 -- check
check "... with status 1" grep -qx 1 "$out/all.rc"
same "... but not a show of others" FAKE_SETS=9 FAKE_VANISH=4 -- show set1 set5
same "no module" FAKE_UNLOADED=1 -- show

# export: the set gone by its snapshot (an entry's ENOENT) is left out.
for racy in "" --racy; do
	for f in 0x3 0x7; do
		rm -rf "$out/export-$f"
		mkdir -p "$out/export-$f"
		run "export-$f" "$f" FAKE_SETS=9 FAKE_VANISH=4 -- \
			export --textfile-dir "$out/export-$f" -n 2 -i 0.01 $racy
	done
	check "export $racy leaves the vanished set out, the same both ways" \
		sh -c "cmp '$out/export-0x3/constats.prom' '$out/export-0x7/constats.prom' &&
		       [ \$(cat '$out/export-0x7.rc') = 0 ] &&
		       grep -q 'set=\"set5\"' '$out/export-0x7/constats.prom' &&
		       ! grep -q 'set=\"set3\"' '$out/export-0x7/constats.prom'"
	[ -z "$racy" ] && check "export: one call per file" \
		calls export-0x7 "snapshot 0 sets 2 entries 18"
done

# More sets than one call takes: two calls, the same output.
same "show, 70000 sets" FAKE_SETS=70000 -- show
check "... in two calls, 65536 entries at most" \
	calls all "snapshot 0 sets 2 entries 70000"
# More counters than one call takes (CONSTATS_SNAPSHOT_SETS_VALUES_MAX).
same "check, 4200 sets of 256 counters" FAKE_SETS=4200 FAKE_COUNTERS=256 -- check
check "... in two calls, 1048576 counters at most" \
	calls all "snapshot 0 sets 2 entries 4200"

# A set named twice goes into the call once, and is shown twice.
run twice 0x7 FAKE_SETS=4 -- show set2 set1 set2
check "a set named twice: asked once, shown twice from that snapshot" \
	sh -c "[ \$(cat '$out/twice.rc') = 0 ] &&
	       [ \$(grep -c '^set2 ' '$out/twice.out') = 2 ] &&
	       [ \$(sort '$out/twice.out' | uniq -d | grep -c ' c[0-9] ') = 3 ] &&
	       [ \"\$(cat '$out/twice.log')\" = 'snapshot 0 sets 1 entries 2' ]"

# A set whose entry wants more room: grown, asked again, shown as listed.
run grow 0x7 FAKE_SETS=4 FAKE_GROW=3 -- show
run plain 0x7 FAKE_SETS=4 -- show
check "ENOSPC on an entry: the set is asked again with room, output as listed" \
	sh -c "[ \$(cat '$out/grow.rc') = 0 ] &&
	       cmp -s '$out/grow.out' '$out/plain.out' &&
	       [ \"\$(cat '$out/grow.log')\" = 'snapshot 0 sets 2 entries 5' ]"

echo "1..$n"
[ "$failed" -eq 0 ]
