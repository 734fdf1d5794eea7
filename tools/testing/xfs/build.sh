#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh [CONSTATS_BUILD]: "make xfs".  Build xfs.ko for the stock 6.1
# kernel the guests boot (vm/kernel.sh bookworm) from the fs/xfs of
# Debian's linux-source-6.1 of the same version, with the series in
# samples/xfs/ applied, against the kernel's stock headers and the
# Module.symvers of constats.ko built for it.  Prints the module's path
# as the last line of its output.
#
# CONSTATS_BUILD: a vm/build.sh output directory for that kernel (check.sh
# passes the one it built); without it, constats is built into
# vm/out/xfs/constats.
#
# The source package is fetched with apt-get download (apt's own
# configuration names the mirror) and only its fs/xfs is kept, unpacked
# in $CONSTATS_CACHE/xfs/source-VERSION.  The module is cached in
# $CONSTATS_CACHE/xfs/ko-VERSION-HASH, HASH covering the series, the
# constats API header, the constats exports' CRCs and the recipe below: a
# warm run checks that the series still applies and rebuilds nothing.
# The build tree, xfs/tree-VERSION (tree-VERSION-none unpatched), is kept
# and updated in place, so that a change to the series recompiles only the
# files it touches.
#
# The environment may set XFS_SERIES=none to build the source unpatched
# (to compare with the stock module built by Debian).
set -euo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
vm=$top/tools/testing/vm
cache=${CONSTATS_CACHE:-$HOME/.cache/constats}
series_dir=$top/samples/xfs
out=$vm/out/xfs
mkdir -p "$out" "$cache/xfs"

die() { echo "xfs: $*" >&2; exit 1; }

eval "$("$vm/kernel.sh" bookworm)"

# The kernel's Debian version, as its headers record it: the guests boot
# this kernel, and the stock xfs.ko the patched one replaces is its.
kver=$(sed -n 's/^#define LINUX_PACKAGE_ID " Debian \(.*\)"$/\1/p' \
	"$KDIR/include/generated/package.h")
[ -n "$kver" ] || die "no Debian version in $KDIR/include/generated/package.h"

# fs/xfs of linux-source-6.1 at exactly that version.
src=$cache/xfs/source-$kver
if [ ! -f "$src/.done" ]; then
	rm -rf "$src"
	tmp=$(mktemp -d "$cache/xfs/dl.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	echo "xfs: fetching linux-source-6.1=$kver with apt-get download" >&2
	# apt's _apt user cannot write the cache: it warns and downloads as root.
	if ! (cd "$tmp" && apt-get download -q "linux-source-6.1=$kver" \
		2>/dev/null >&2); then
		offered=$(apt-cache show --no-all-versions linux-source-6.1 2>/dev/null |
			  awk '/^Version:/ { print $2; exit }')
		installed=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
		die "the guests boot linux-image-$KREL $kver, but apt cannot download" \
		    "linux-source-6.1 $kver (apt offers ${offered:-none}; installed:" \
		    "${installed:-none}).  The two come from the same source package:" \
		    "run 'apt-get update' so that apt's lists offer one version of" \
		    "both, then 'make xfs' again (kernel.sh fetches the matching" \
		    "kernel by itself)."
	fi
	dpkg -x "$tmp"/linux-source-6.1_*.deb "$tmp/root"
	mkdir -p "$src"
	tar -xf "$tmp/root/usr/src/linux-source-6.1.tar.xz" -C "$src" \
		--strip-components=1 linux-source-6.1/fs/xfs linux-source-6.1/Makefile
	rm -rf "$tmp"
	trap - EXIT
	touch "$src/.done"
fi
# The tarball's own Makefile says which upstream release it is: it must be
# the kernel's too (6.1.192 for Debian's 6.1.192-3).
src_rel=$(awk '/^VERSION =/ { v = $3 } /^PATCHLEVEL =/ { p = $3 }
	      /^SUBLEVEL =/ { s = $3 } END { print v "." p "." s }' "$src/Makefile")
[ "${kver%%-*}" = "$src_rel" ] ||
	die "linux-source-6.1 $kver unpacks Linux $src_rel, not ${kver%%-*}"

# constats.ko for the same kernel: its Module.symvers resolves the series'
# calls, with the CRCs that kernel's modversions check at insmod.
cbuild=${1:-}
if [ -z "$cbuild" ]; then
	cbuild=$out/constats
	KMAKE_ARGS=$KMAKE_ARGS "$vm/build.sh" "$KDIR" "$cbuild" >&2
fi
[ -f "$cbuild/Module.symvers" ] || die "no Module.symvers in $cbuild"

patches=()
if [ "${XFS_SERIES:-}" != none ]; then
	mapfile -t patches < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$series_dir/series")
fi
hash=$( {
	# Bump the recipe when the build steps below change what they make.
	echo "recipe 1 ${XFS_SERIES:-}"
	for p in "${patches[@]}"; do cat "$series_dir/$p"; done
	cat "$top/kmod/include/linux/constats.h"
	grep -w 'constats_[a-z_]*' "$cbuild/Module.symvers" | cut -f1,2
} | sha256sum | cut -c1-12)
result=$cache/xfs/ko-$kver-$hash
ko=$result/xfs.ko

# The series applied to a fresh copy of fs/xfs: on a warm run too, as
# proof that it still applies.
stage=$(mktemp -d "$cache/xfs/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/fs" "$stage/include/linux"
cp -r "$src/fs/xfs" "$stage/fs/xfs"
for p in "${patches[@]}"; do
	patch -s -p1 -d "$stage" --no-backup-if-mismatch < "$series_dir/$p" ||
		die "$p does not apply to linux-source-6.1 $kver"
done
# Out of tree, $(src) is the absolute directory already: the in-tree
# $(srctree)/$(src) include paths would name nothing.
sed -i 's|\$(srctree)/\$(src)|$(src)|g' "$stage/fs/xfs/Makefile"
cp "$top/kmod/include/linux/constats.h" "$stage/include/linux/"

if [ ! -f "$result/.done" ]; then
	# One build tree per kernel version, updated in place: rsync -c
	# rewrites only the files that differ, so make recompiles only what
	# the series (or the constats header) changed since the last build,
	# and the compiler's command lines name the tree, not this checkout.
	tree=$cache/xfs/tree-$kver${XFS_SERIES:+-$XFS_SERIES}
	mkdir -p "$tree"
	exec 9> "$tree.lock"
	flock 9
	rsync -rc "$stage/" "$tree/"
	cp "$cbuild/Module.symvers" "$tree/constats.symvers"
	echo "xfs: building fs/xfs of linux-source-6.1 $kver" \
	     "(${#patches[@]} patches) against $KREL's headers" >&2
	start=$(date +%s)
	# shellcheck disable=SC2086 # KMAKE_ARGS: several arguments
	nice make -s -C "$KDIR" M="$tree/fs/xfs" $KMAKE_ARGS -j"$(nproc)" \
		KBUILD_EXTRA_SYMBOLS="$tree/constats.symvers" \
		KCFLAGS="-I$tree/include" modules >&2 ||
		die "fs/xfs did not build (in $tree)"
	# Debian's config leaves online scrub out, so xfs.ko has none of it:
	# compile the scrub files the series changes on their own, with
	# scrub on, so that they are built at least.
	if [ ${#patches[@]} -gt 0 ]; then
		# shellcheck disable=SC2086 # KMAKE_ARGS: several arguments
		nice make -s -C "$KDIR" M="$tree/fs/xfs" $KMAKE_ARGS \
			CONFIG_XFS_ONLINE_SCRUB=y \
			KCFLAGS="-I$tree/include -DCONFIG_XFS_ONLINE_SCRUB=1" \
			scrub/fscounters.o scrub/quota.o >&2 ||
			die "the series' scrub changes do not compile (in $tree)"
	fi
	rm -rf "$result"
	mkdir -p "$result"
	cp "$tree/fs/xfs/xfs.ko" "$result/"
	echo "xfs: built in $(( $(date +%s) - start )) s" >&2
	echo "$(( $(date +%s) - start ))" > "$result/build-seconds"
	touch "$result/.done"
	flock -u 9
fi

vermagic=$(modinfo -F vermagic "$ko")
stock=$(modinfo -F vermagic "$(find "$MODDIR/kernel/fs/xfs" -name 'xfs.ko*' | head -n 1)")
[ "$vermagic" = "$stock" ] ||
	die "$ko has vermagic '$vermagic', the stock xfs.ko '$stock'"
echo "xfs: linux-source-6.1 $kver, ${#patches[@]} patches, vermagic $vermagic" >&2
echo "$ko"
