#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh OUT CONSTATS_BUILD: what make demo needs to show the XFS set:
# xfs.ko with the series (build.sh), the kernel's modules for a virtio
# disk, xfs_load, and a fresh 512 MiB XFS image, all in OUT.  Prints two
# lines: the files for the initramfs, and the QEMU arguments that attach
# the image (run.sh's CONSTATS_VM_ARGS).  Fails, printing nothing, if any
# of it cannot be had; make demo then goes on without XFS.
set -euo pipefail

out=${1:?usage: demo.sh OUT CONSTATS_BUILD}
cbuild=${2:?usage: demo.sh OUT CONSTATS_BUILD}
top=$(cd "$(dirname "$0")/../../.." && pwd)
vm=$top/tools/testing/vm
mkdir -p "$out"
out=$(cd "$out" && pwd)

eval "$("$vm/kernel.sh" bookworm)"
ko=$("$top/tools/testing/xfs/build.sh" "$cbuild" | tail -n 1)
rm -rf "$out/xfs-mods"
"$vm/stock-modules.sh" "$MODDIR" "$out/xfs-mods" virtio_ring virtio \
	virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk \
	crc32c_generic libcrc32c
cp "$ko" "$out/xfs-mods/xfs.ko"
gcc -O2 -Wall -static -pthread -o "$out/xfs_load" "$top/tools/testing/xfs/xfs_load.c"
rm -f "$out/xfs.img"
truncate -s 512M "$out/xfs.img"
mkfs.xfs -q -f "$out/xfs.img"
echo "$out/xfs-mods $out/xfs_load"
echo "-drive file=$out/xfs.img,format=raw,if=virtio,cache=unsafe"
