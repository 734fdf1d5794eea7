#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stock-modules.sh MODDIR OUT NAME...: copy the kernel's own modules NAME
# (e.g. null_blk) from MODDIR into OUT as plain NAME.ko, decompressing
# .ko.xz and .ko.zst, so that busybox insmod can load them in the guest.
set -euo pipefail

moddir=${1:?usage: stock-modules.sh MODDIR OUT NAME...}
out=${2:?usage: stock-modules.sh MODDIR OUT NAME...}
shift 2
mkdir -p "$out"
for name in "$@"; do
	ko=$(find "$moddir/kernel" -name "$name.ko" -o -name "$name.ko.xz" \
		-o -name "$name.ko.zst" | head -n 1)
	case "$ko" in
	"") echo "stock-modules.sh: no module $name in $moddir" >&2; exit 1 ;;
	*.xz) xz -dc "$ko" > "$out/$name.ko" ;;
	*.zst) zstd -qdc "$ko" > "$out/$name.ko" ;;
	*) cp "$ko" "$out/$name.ko" ;;
	esac
done
