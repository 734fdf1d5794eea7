#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mutants.sh [NAME...]: build every busted variant listed in mutants.txt
# (or only those named) and run it against the detector meant to catch
# it.  Prints one line per mutant, "mutant NAME: caught by DETECTOR: ..."
# or "mutant NAME: MISSED by DETECTOR: ...", one per control run of the
# correct build ("control DETECTOR: passes: ..." or "FAILS"), then
# "mutants: K of N caught" and the names missed; exits non-zero if a
# mutant was missed or a control failed.
#
# One build of the modules per mutant, against one kernel per kind of
# detector, and one guest boot per kernel that loads each mutant in turn:
#   native, native-nmi	the core natively with the x86 kernel's orderings
#		and the shim's QSBR grace periods, on the real cores
#   stress	Debian's stock 6.1 (kernel.sh bookworm)
#   kunit:*, kcsan	the KCSAN debug kernel (debug-kernel.sh kcsan)
#   code	the arm64 code of the core (arm64.sh)
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
vm=$top/tools/testing/vm
out=$vm/out/mutants
# The control runs NATIVE_SECONDS; a mutant until its first violation,
# NATIVE_MAX_SECONDS at most.
NATIVE_SECONDS=${NATIVE_SECONDS:-3}
NATIVE_MAX_SECONDS=${NATIVE_MAX_SECONDS:-30}

rm -rf "$out"
mkdir -p "$out"

# The list: "name detector where", comments and blank lines skipped.
list=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "${CONSTATS_MUTANTS:-$top/tools/testing/mutants.txt}")
if [ $# -gt 0 ]; then
	list=$(for n in "$@"; do
		awk -v n="$n" '$1 == n' <<< "$list" | grep . ||
			{ echo "mutants.sh: no mutant $n" >&2; exit 2; }
	done) || exit 2
fi
names_for() {	# names_for REGEX: the mutants whose detector matches
	awk -v re="$1" '$2 ~ re { print $1 }' <<< "$list"
}
detector_of() {
	awk -v n="$1" '$1 == n { print $2 }' <<< "$list"
}

total=0
caught=0
missed=()
controls_failed=0

verdict() {	# verdict NAME DETECTOR CAUGHT(0|1) EVIDENCE
	total=$((total + 1))
	if [ "$3" -eq 1 ]; then
		caught=$((caught + 1))
		echo "mutant $1: caught by $2: $4"
	else
		missed+=("$1")
		echo "mutant $1: MISSED by $2: $4"
	fi
}

control() {	# control KIND OK(0|1) WHAT
	if [ "$2" -eq 1 ]; then
		echo "control $1: passed: $3"
	else
		controls_failed=$((controls_failed + 1))
		echo "control $1: FAILED: $3"
	fi
}

# --- native: the core on real cores, with the x86 kernel's orderings ---
native=$(names_for '^native')
if [ -n "$native" ]; then
	nd=$out/native
	mkdir -p "$nd"
	if make -s -C "$top/tools/testing/native" OUTPUT="$nd" "$nd/native-x86" \
		> "$nd/build.log" 2>&1; then
		res=$(timeout $((NATIVE_SECONDS + 30)) "$nd/native-x86" stress \
			"$NATIVE_SECONDS" nmi 2>&1)
		control native $((! $?)) "the correct build: ${res:-no result in $((NATIVE_SECONDS + 30)) s}"
	else
		control native 0 "build failed: $(tail -n 3 "$nd/build.log")"
	fi
	for name in $native; do
		if ! make -s -C "$top/tools/testing/native" OUTPUT="$nd" \
			CONSTATS_BUSTED="$name" >> "$nd/build.log" 2>&1; then
			verdict "$name" "$(detector_of "$name")" 0 "build failed"
			continue
		fi
		# One writer and the reader: on two busy cores, the pair that
		# races most often.
		det=$(detector_of "$name")
		args=tasks=1
		[ "$det" = native-nmi ] && args="tasks=0 nmis=1"
		res=$(timeout $((NATIVE_MAX_SECONDS + 30)) "$nd/native-x86-$name" stress \
			"$NATIVE_MAX_SECONDS" stop $args 2>&1 | tail -n 1)
		rc=${PIPESTATUS[0]}
		[ "$rc" -eq 1 ] && c=1 || c=0
		# A reader that never finishes a snapshot is no catch: hung.
		[ "$rc" -ne 124 ] || res="no result in $((NATIVE_MAX_SECONDS + 30)) s (a hung reader is not a violation)"
		verdict "$name" "$det" $c "$res"
	done
fi

# build_mutant KDIR DIR NAME: constats.ko and the test modules of one
# variant ("baseline": the correct build) into DIR.
build_mutant() {
	local busted=
	[ "$3" = baseline ] || busted=$3
	mkdir -p "$2/src"
	cp -r "$top/kmod" "$top/uapi" "$2/src/"
	make -s -C "$1" M="$2/src/kmod" CONSTATS_TESTS=1 CONSTATS_BUSTED="$busted" \
		CONFIG_CONSTATS_BENCH= -j"$(nproc)" modules > "$2/build.log" 2>&1 || return 1
	cp "$2"/src/kmod/constats.ko "$2"/src/kmod/tests/constats_stress.ko "$2/"
	[ ! -f "$2/src/kmod/tests/constats_kunit.ko" ] ||
		cp "$2/src/kmod/tests/constats_kunit.ko" "$2/"
	rm -rf "$2/src"
}

# kunit_on_console LOG NAME DETECTOR: a variant that corrupts the kernel
# (destroy_no_wait frees a set under its reader) may take the guest's
# shell down before it can report: its KUnit case's "not ok" on the
# console, after the guest announced the variant, is the verdict then.
kunit_on_console() {
	local case=${3#kunit:}
	[ "$case" != "$3" ] || return 1
	awk -v n="$2" '$1 == "constats-mutant-begin" { on = ($2 == n); next } on' "$1" |
		grep -qE "^\[[ 0-9.]*\] +not ok [0-9]+ $case\$" || return 1
	verdict "$2" "$3" 1 "KUnit case $case failed (on the console: the guest went down after)"
}

# guest KIND VMLINUZ KDIR NAME...: build the variants, boot one
# guest that runs the controls then each variant, and read its verdicts.
guest() {
	local kind=$1 vmlinuz=$2 kdir=$3 gd name det line
	shift 3
	gd=$out/$kind
	mkdir -p "$gd/mutants"
	: > "$gd/mutants/plan"
	# One control per detector the variants use, on the correct build
	# (for KUnit, one run with no case failing).
	for det in $(for name in "$@"; do detector_of "$name"; done |
		     sed 's/^kunit:.*/kunit:all/' | sort -u); do
		echo "baseline $det" >> "$gd/mutants/plan"
	done
	for name in baseline "$@"; do
		if ! build_mutant "$kdir" "$gd/mutants/$name" "$name"; then
			cat "$gd/mutants/$name/build.log"
			[ "$name" = baseline ] && { control "$kind" 0 "build failed"; return; }
			verdict "$name" "$(detector_of "$name")" 0 "build failed"
			continue
		fi
		[ "$name" = baseline ] || echo "$name $(detector_of "$name")" >> "$gd/mutants/plan"
	done
	"$vm/initramfs.sh" "$gd.img" "$vm/guest/mutants.sh" "$gd/mutants"
	# A variant that wrecks the kernel (destroy_no_wait frees a set under
	# its reader) takes the guest down, at its oops or when a task hangs
	# (2 minutes), not at the time limit; the verdicts it printed before
	# stay on the console.
	CONSTATS_VM_SPLATS=expected CONSTATS_VM_APPEND="oops=panic hung_task_panic=1" \
		"$vm/run.sh" "$vmlinuz" "$gd.img" "$gd.log" 900 > /dev/null
	grep -E '^(not )?ok [0-9]+ - ' "$gd.log" > "$gd.tap"
	while read -r line; do
		case "$line" in
		"ok "*"- control: "*) control "$kind" 1 "${line#*control: }" ;;
		"not ok "*"- control: "*) control "$kind" 0 "${line#*control: }" ;;
		*"- mutant "*)
			name=${line#*- mutant }
			name=${name%% *}
			det=$(detector_of "$name")
			case "$line" in
			"ok "*) verdict "$name" "$det" 1 "${line#* by "$det": }" ;;
			*) kunit_on_console "$gd.log" "$name" "$det" ||
				verdict "$name" "$det" 0 "${line#* by "$det": }" ;;
			esac
			;;
		esac
	done < "$gd.tap"
	# A variant the guest never reported on (crash, hang) was not caught.
	for name in "$@"; do
		grep -q -- "- mutant $name " "$gd.tap" ||
			kunit_on_console "$gd.log" "$name" "$(detector_of "$name")" ||
			verdict "$name" "$(detector_of "$name")" 0 "no result from the guest (see $gd.log)"
	done
	grep -q -- "- control: " "$gd.tap" ||
		control "$kind" 0 "no result from the guest (see $gd.log)"
}

# on_kernel KIND REGEX WHAT CMD...: the variants whose detector matches
# REGEX, in one guest of the kernel whose variables CMD prints.
on_kernel() {
	local kind=$1 names kvars what=$3
	names=$(names_for "$2")
	shift 3
	[ -n "$names" ] || return 0
	if kvars=$("$@"); then
		eval "$kvars"
		guest "$kind" "$VMLINUZ" "$KDIR" $names
	else
		control "$kind" 0 "could not get $what"
	fi
}

# Debian's stock 6.1: the stress test.  The KCSAN debug kernel: KUnit, and
# KCSAN's reports.
on_kernel stock '^stress$' "Debian's 6.1" "$vm/kernel.sh" bookworm
on_kernel kcsan '^(kunit:|kcsan$)' "the KCSAN debug kernel" "$vm/debug-kernel.sh" kcsan

# --- the arm64 code ---
code=$(names_for '^code$')
if [ -n "$code" ]; then
	"$top/tools/testing/arm64.sh" "$out/arm64" baseline > "$out/arm64.log" 2>&1
	control code $((! $?)) "$(tail -n 1 "$out/arm64.log")"
	for name in $code; do
		"$top/tools/testing/arm64.sh" "$out/arm64" "$name" >> "$out/arm64.log" 2>&1
		[ $? -eq 1 ] && c=1 || c=0
		verdict "$name" code $c "$(tail -n 1 "$out/arm64.log")"
	done
fi

echo "mutants: $caught of $total caught"
[ ${#missed[@]} -eq 0 ] || echo "mutants missed: ${missed[*]}"
[ ${#missed[@]} -eq 0 ] && [ "$controls_failed" -eq 0 ]
