#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: boot Debian's stock kernel in QEMU, load constats, a gentle
# stress workload and the tracepoint sets, show /proc/constats a few times
# as it moves, then check every set's invariants with the constats tool.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$here/out
mkdir -p "$out"

eval "$("$here/kernel.sh" bookworm)"
echo "constats demo: building modules for $KREL"
"$here/build.sh" "$KDIR" "$out/$KREL"
"$here/stock-modules.sh" "$MODDIR" "$out/$KREL/stock" configfs null_blk
make -s -C "$here/../../constats" STATIC=1 OUTPUT="$out"
# XFS with the series of samples/xfs, if it builds (tools/testing/xfs).
xfs=$("$here/../xfs/demo.sh" "$out/xfs-demo" "$out/$KREL") ||
	echo "constats demo: no XFS (tools/testing/xfs/demo.sh failed)"
"$here/initramfs.sh" "$out/demo.img" "$here/guest/demo.sh" ${xfs%%$'\n'*} \
	$("$here/modules.sh" "$out/$KREL") "$out/$KREL"/stock/*.ko "$out/constats"
echo "constats demo: booting $KREL under QEMU (TCG, 4 CPUs)"
CONSTATS_VM_ARGS=${xfs#*$'\n'} \
	"$here/run.sh" "$VMLINUZ" "$out/demo.img" "$out/demo.log" 300 |
	sed -n '/^constats-vm: dmesg begin/,/^constats-vm: dmesg end/!p'
