#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh KDIR OUT [MAKE_ARGS...]: build the modules against KDIR from a
# copy of the sources in OUT, so builds for several kernels never share
# objects and the work tree stays clean.  Prints the compiler's output.
# modules.sh OUT lists what it built.  KMAKE_ARGS from the environment
# (printed by kernel.sh and debug-kernel.sh) go on the make line too.
#
# It builds everything: constats.ko, the test modules and the samples
# (CONSTATS_TESTS=1; a user's make or DKMS build makes constats.ko alone).
# A KDIR inside a root made by tools/testing/trixie-root.sh (Debian 13's
# kernels) is built against there, in a chroot, with that root's gcc,
# as the kernel's users build: OUT is bind-mounted into it.
set -euo pipefail

kdir=${1:?usage: build.sh KDIR OUT [MAKE_ARGS...]}
out=${2:?usage: build.sh KDIR OUT [MAKE_ARGS...]}
shift 2
top=$(cd "$(dirname "$0")/../../.." && pwd)

mkdir -p "$out"
rm -rf "$out/kmod" "$out/samples" "$out/uapi"
cp -r "$top/Kbuild" "$top/kmod" "$top/samples" "$top/uapi" "$out/"

# The root KDIR lies in, if it is one of trixie-root.sh's.
root=$kdir
while [ "$root" != / ] && [ ! -f "$root/.constats-root" ]; do
	root=$(dirname "$root")
done

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
if [ "$root" = / ]; then
	# shellcheck disable=SC2086 # several arguments, split on blanks
	make -s -C "$kdir" M="$out" -j"$(nproc)" CONSTATS_TESTS=1 \
		${KMAKE_ARGS:-} "$@" modules 2>&1 | tee "$log" || status=$?
	in_root=()
else
	# A throwaway overlay of the root (chroot.sh -o): the build only
	# reads it.
	out=$(cd "$out" && pwd -P)
	# shellcheck disable=SC2086 # several arguments, split on blanks
	"$top/tools/testing/chroot.sh" -o -b "$out:/constats" "$root" \
		/usr/bin/env -i HOME=/root LANG=C.UTF-8 PATH=/usr/bin:/bin \
		make -s -C "${kdir#"$root"}" M=/constats -j"$(nproc)" \
		CONSTATS_TESTS=1 ${KMAKE_ARGS:-} "$@" modules 2>&1 | tee "$log" || status=$?
	in_root=("$top/tools/testing/chroot.sh" -o "$root")
fi
# 7.x's Makefile (not 6.12's) turns C=1 off, with a one-line notice,
# when its scripts/checker-valid.sh finds a sparse that cannot parse
# __typeof_unqual__ (0.6.4, bookworm's and trixie's, cannot), or cannot
# be run at all (Debian's 7.x headers lack it).  The build still
# succeeds: say in words that no sparse ran.
if grep -q 'specified, but .* is not available or not up to date' "$log"; then
	sparse=$("${in_root[@]}" sparse --version 2>/dev/null || true)
	echo "build.sh: sparse did not run: the kernel's Makefile turned C=1 off" \
		"(the notice above; sparse here: ${sparse:-none})"
fi
exit "$status"
