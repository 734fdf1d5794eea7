#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh: every test of "make check".  Host-side checks (W=1 and sparse
# build, checkpatch --strict) and the VM run on Debian's stock kernel each
# count as tests; the guest reports its own as TAP.  Ends with the line
# "N passed, N failed" and a non-zero status if anything failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
vm=$top/tools/testing/vm
out=$vm/out
mkdir -p "$out"
passed=0
failed=0
skipped=0

pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

summary() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
}

# Sources the style checks cover.
sources=$(cd "$top" && git ls-files -- '*.c' '*.h' 2>/dev/null ||
	  find kmod uapi tools -name '*.[ch]')

srcdir=$("$top/tools/testing/source.sh") || { fail "unpack linux-source-6.1"; summary; exit; }
if (cd "$top" && "$srcdir/scripts/checkpatch.pl" --strict --no-tree --quiet \
	-f $sources) > "$out/checkpatch.log" 2>&1; then
	pass "checkpatch.pl --strict on $(echo $sources | wc -w) files"
else
	cat "$out/checkpatch.log"
	fail "checkpatch.pl --strict"
fi

kdoc_files=$(cd "$top" && ls kmod/include/linux/constats.h kmod/*.c)
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

# User-space programs for the guest, static so they run under busybox.
ksft=$srcdir/tools/testing/selftests
if make -s -C "$top/selftests" KSFT_DIR="$ksft" OUTPUT="$out/user" M32=1 \
	> "$out/user.log" 2>&1 &&
   make -s -C "$top/tools/constats" STATIC=1 OUTPUT="$out/user" \
	>> "$out/user.log" 2>&1; then
	pass "selftests (64- and 32-bit) and the constats tool build with -Werror"
else
	cat "$out/user.log"
	fail "selftests (64- and 32-bit) and the constats tool build with -Werror"
fi
user_progs=$(ls "$out"/user/constats* 2>/dev/null)

# count_tap PREFIX LOG: count the TAP lines of guest scripts ("ok N - desc")
# and kselftests ("ok N name", "ok N # SKIP reason").
count_tap() {
	local prefix=$1 line desc
	while read -r line; do
		desc=${line#*ok }
		desc=${desc#* }
		desc=${desc#- }
		case "$line" in
		"not ok "*) fail "$prefix: $desc" ;;
		*"# SKIP"*) skipped=$((skipped + 1)); echo "SKIP: $prefix: $desc" ;;
		*) pass "$prefix: $desc" ;;
		esac
	done < <(grep -E '^(not )?ok [0-9]+ ' "$2")
}

for flavour in bookworm; do
	if ! kvars=$("$vm/kernel.sh" "$flavour"); then
		fail "$flavour: fetch the Debian kernel"
		continue
	fi
	eval "$kvars"
	build=$out/$KREL

	if "$vm/build.sh" "$KDIR" "$build" W=1 C=1 > "$out/build-$KREL.log" 2>&1 &&
	   ! grep -qiE 'warning|error' "$out/build-$KREL.log"; then
		pass "$KREL: modules build clean with W=1 and sparse (C=1)"
	else
		cat "$out/build-$KREL.log"
		fail "$KREL: modules build clean with W=1 and sparse (C=1)"
		continue
	fi

	"$vm/initramfs.sh" "$out/check-$KREL.img" "$vm/guest/check.sh" \
		"$build"/kmod/*.ko $user_progs
	"$vm/run.sh" "$VMLINUZ" "$out/check-$KREL.img" "$out/check-$KREL.log" 600
	status=$?
	count_tap "$KREL" "$out/check-$KREL.log"
	"$top/tools/testing/check_json.py" "$out/check-$KREL.log" \
		> "$out/json-$KREL.log"
	count_tap "$KREL" "$out/json-$KREL.log"
	if [ "$status" -eq 0 ]; then
		pass "$KREL: guest finished, console free of kernel splats"
	else
		fail "$KREL: guest finished, console free of kernel splats (status $status)"
	fi
done

summary
