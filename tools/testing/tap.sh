# SPDX-License-Identifier: GPL-2.0
#
# TAP for the host-side test scripts (deb.sh, prometheus.sh), sourced:
# "ok N - ..." and "not ok N - ..." lines numbered in $n, with the
# failures counted in $failed; the caller prints the plan "1..$n".

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
# check DESC CMD...: one test, passed if CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
