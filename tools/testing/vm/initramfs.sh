#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh OUT GUEST_SCRIPT [FILE...]: build a busybox-static initramfs
# whose /init runs GUEST_SCRIPT and powers off.  FILEs (modules, programs)
# land in /constats/.
set -euo pipefail

out=${1:?usage: initramfs.sh OUT GUEST_SCRIPT [FILE...]}
guest=${2:?usage: initramfs.sh OUT GUEST_SCRIPT [FILE...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,sbin,dev,proc,sys,tmp,constats}
cp /bin/busybox "$tmp/bin/busybox"
# busybox --list names busybox itself: never link over the binary.
for applet in $(/bin/busybox --list); do
	[ "$applet" = busybox ] || ln -s busybox "$tmp/bin/$applet"
done
cp "$here/guest/init" "$tmp/init"
cp "$here/guest/lib.sh" "$tmp/constats/lib.sh"
cp "$guest" "$tmp/constats/guest.sh"
[ $# -eq 0 ] || cp "$@" "$tmp/constats/"
chmod +x "$tmp/init"
(cd "$tmp" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out"
