#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh OUT [CONSTATS_BUILD [CONSTATS_TOOL]]: make check's XFS test.
# Builds xfs.ko with the series of samples/xfs/ for Debian's 6.1 kernel
# (build.sh), checks the series with checkpatch.pl, makes two 512 MiB XFS
# images with mkfs.xfs and boots the guest (vm/guest/xfs.sh) with them as
# virtio disks: the load runs on the stock xfs.ko, then on ours.  Then
# xfs_repair -n must find both file systems clean.
#
# CONSTATS_BUILD is a vm/build.sh output for that kernel and CONSTATS_TOOL
# a static constats binary; both are built into OUT when not given.
# Prints the guest console and TAP lines ("ok N - ...") for its own
# checks, and "# xfs: ..." lines with the figures; exits non-zero if any
# check failed.  XFS_SECONDS (default 20) sets how long each load runs.
set -uo pipefail

out=${1:?usage: check.sh OUT [CONSTATS_BUILD [CONSTATS_TOOL]]}
top=$(cd "$(dirname "$0")/../../.." && pwd)
vm=$top/tools/testing/vm
mkdir -p "$out"
out=$(cd "$out" && pwd)

. "$top/tools/testing/tap.sh"

finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
	exit
}

eval "$("$vm/kernel.sh" bookworm)" || { not_ok "fetch Debian's 6.1 kernel"; finish; }
cbuild=${2:-}
if [ -z "$cbuild" ] || [ ! -f "$cbuild/Module.symvers" ]; then
	cbuild=$out/constats
	"$vm/build.sh" "$KDIR" "$cbuild" > "$out/constats-build.log" 2>&1 ||
		{ cat "$out/constats-build.log"; not_ok "build constats for $KREL"; finish; }
fi
tool=${3:-}
if [ -z "$tool" ] || [ ! -x "$tool" ]; then
	make -s -C "$top/tools/constats" STATIC=1 OUTPUT="$out" > /dev/null
	tool=$out/constats
fi

start=$(date +%s)
if ko=$("$top/tools/testing/xfs/build.sh" "$cbuild" 2> "$out/build.log" | tail -n 1) &&
   [ -f "$ko" ]; then
	ok "make xfs: $(grep '^xfs: linux-source' "$out/build.log" | sed 's/^xfs: //') ($(( $(date +%s) - start )) s)"
else
	cat "$out/build.log"
	not_ok "make xfs: the series applies and xfs.ko builds"
	finish
fi

srcdir=$("$top/tools/testing/source.sh")
patches=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$top/samples/xfs/series")
if (cd "$top/samples/xfs" && "$srcdir/scripts/checkpatch.pl" --strict --no-tree \
	--quiet $patches) > "$out/checkpatch.log" 2>&1; then
	ok "checkpatch.pl --strict: the $(echo "$patches" | wc -w) patches of samples/xfs are clean"
else
	cat "$out/checkpatch.log"
	not_ok "checkpatch.pl --strict on samples/xfs"
fi

# The guest: the kernel's own modules for the disks, both xfs.ko, the load.
rm -rf "$out/stock" "$out/xfs-stock" "$out/xfs-patched"
"$vm/stock-modules.sh" "$MODDIR" "$out/stock" virtio_ring virtio \
	virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk \
	crc32c_generic libcrc32c
"$vm/stock-modules.sh" "$MODDIR" "$out/xfs-stock" xfs
mkdir -p "$out/xfs-patched"
cp "$ko" "$out/xfs-patched/xfs.ko"
check "xfs_load builds static with -Werror" \
	gcc -O2 -Wall -Wextra -Werror -static -pthread -o "$out/xfs_load" \
		"$top/tools/testing/xfs/xfs_load.c"
echo "XFS_SECONDS=${XFS_SECONDS:-20}" > "$out/xfs.conf"

mkfs() {
	for disk in stock patched; do
		rm -f "$out/$disk.img"
		truncate -s 512M "$out/$disk.img" &&
			mkfs.xfs -q -f "$out/$disk.img" || return 1
	done
}
check "mkfs.xfs: two 512 MiB images ($(mkfs.xfs -V))" mkfs

"$vm/initramfs.sh" "$out/guest.img" "$vm/guest/xfs.sh" "$out"/stock/*.ko \
	"$out/xfs-stock" "$out/xfs-patched" "$cbuild/kmod/constats.ko" "$tool" \
	"$out/xfs_load" "$out/xfs.conf"
start=$(date +%s)
status=0
drives=
for disk in stock patched; do
	drives="$drives -drive file=$out/$disk.img,format=raw,if=virtio,cache=unsafe"
done
CONSTATS_VM_ARGS=$drives "$vm/run.sh" "$VMLINUZ" "$out/guest.img" \
	"$out/guest.log" 600 || status=$?
echo "# xfs: guest ran $(( $(date +%s) - start )) s"
check "guest finished, console free of kernel splats (status $status)" \
	[ "$status" -eq 0 ]

for disk in stock patched; do
	if xfs_repair -n -f "$out/$disk.img" > "$out/repair-$disk.log" 2>&1; then
		ok "xfs_repair -n: the $disk module's file system is clean after the load"
	else
		cat "$out/repair-$disk.log"
		not_ok "xfs_repair -n: the $disk module's file system is clean after the load"
	fi
done

# The figures, stock next to ours.
result() { sed -n "s/^xfs-result $1 .* $2=\([-0-9.]*\).*/\1/p" "$out/guest.log"; }
for m in stock patched; do
	calls=$(result "$m" statfs)
	if [ -z "$calls" ]; then
		echo "# xfs: $m xfs.ko: no result"
		continue
	fi
	echo "# xfs: $m xfs.ko: $(result "$m" torn) of $calls statfs showed more free inodes" \
	     "than inodes, $(result "$m" below) fewer in use than the $(result "$m" floor)" \
	     "that exist (fewest: $(result "$m" min_inuse)); $(result "$m" statfs_per_s) statfs/s," \
	     "$(result "$m" ops_per_s) creates+unlinks/s, $(result "$m" freezes) freezes"
done
if [ "$(result stock torn)" = 0 ] && [ "$(result stock below)" = 0 ]; then
	echo "# xfs: the stock xfs.ko did not break the rules in this run" \
	     "($(result stock statfs) statfs calls): tearing depends on the load"
fi
finish
