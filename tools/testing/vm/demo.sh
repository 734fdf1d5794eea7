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
"$here/initramfs.sh" "$out/demo.img" "$here/guest/demo.sh" \
	$("$here/modules.sh" "$out/$KREL") "$out/$KREL"/stock/*.ko "$out/constats"
echo "constats demo: booting $KREL under QEMU (TCG, 4 CPUs)"
"$here/run.sh" "$VMLINUZ" "$out/demo.img" "$out/demo.log" 300 |
	sed -n '/^constats-vm: dmesg begin/,/^constats-vm: dmesg end/!p'
