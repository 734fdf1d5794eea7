# SPDX-License-Identifier: GPL-2.0
# Shared by the constats shell selftests: TAP output in the kselftest
# style, and the kselftest exit codes (4 = skip).
KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

ko_dir=${CONSTATS_KO_DIR:-$(dirname "$0")}
n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n $*"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $*"
}

check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# Skip the whole test unless root and the modules are at hand.
require_root_and_modules() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "# SKIP: needs root"
		exit $KSFT_SKIP
	fi
	for m in "$@"; do
		if [ ! -f "$ko_dir/$m.ko" ]; then
			echo "# SKIP: $ko_dir/$m.ko not found (set CONSTATS_KO_DIR)"
			exit $KSFT_SKIP
		fi
	done
}

# The kernel log since the test started, minus what was there before.
dmesg_since() {
	dmesg | tail -n +$(($1 + 1))
}

# No kernel splat in the log since line $1?
no_splat_since() {
	! dmesg_since "$1" | grep -E 'WARNING:|BUG:|Oops|Call Trace:|general protection'
}

# Start from constats not loaded; skip if it is loaded and in use.
unload_constats() {
	grep -q '^constats_stress ' /proc/modules && rmmod constats_stress
	grep -q '^constats ' /proc/modules && rmmod constats
	if grep -q '^constats ' /proc/modules; then
		echo "# SKIP: constats is loaded and in use"
		exit $KSFT_SKIP
	fi
}

finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ] && exit $KSFT_PASS
	exit $KSFT_FAIL
}
