#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: boot Debian's stock kernel in QEMU, load constats and a gentle
# stress workload, and show /proc/constats a few times as it moves.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$here/out
mkdir -p "$out"

eval "$("$here/kernel.sh" bookworm)"
echo "constats demo: building modules for $KREL"
"$here/build.sh" "$KDIR" "$out/$KREL"
"$here/initramfs.sh" "$out/demo.img" "$here/guest/demo.sh" "$out/$KREL"/kmod/*.ko
echo "constats demo: booting $KREL under QEMU (TCG, 4 CPUs)"
"$here/run.sh" "$VMLINUZ" "$out/demo.img" "$out/demo.log" 300 |
	sed -n '/^constats-vm: dmesg begin/,/^constats-vm: dmesg end/!p'
