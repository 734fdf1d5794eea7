#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh OUT GUEST_SCRIPT [FILE...]: build a busybox-static initramfs
# whose /init runs GUEST_SCRIPT and powers off.  FILEs (modules, programs,
# directories) land in /constats/.
set -euo pipefail

out=${1:?usage: initramfs.sh OUT GUEST_SCRIPT [FILE...]}
guest=${2:?usage: initramfs.sh OUT GUEST_SCRIPT [FILE...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"	# mktemp made it 0700: it becomes the guest's /
mkdir -p "$tmp"/{bin,sbin,dev,etc,proc,sys,tmp,constats}
# Users for tests that need an unprivileged one.
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > "$tmp/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$tmp/etc/group"
cp /bin/busybox "$tmp/bin/busybox"
# busybox --list names busybox itself: never link over the binary.
for applet in $(/bin/busybox --list); do
	[ "$applet" = busybox ] || ln -s busybox "$tmp/bin/$applet"
done
cp "$here/guest/init" "$tmp/init"
cp "$here/guest/lib.sh" "$tmp/constats/lib.sh"
cp "$guest" "$tmp/constats/guest.sh"
[ $# -eq 0 ] || cp -r "$@" "$tmp/constats/"
chmod +x "$tmp/init"
(cd "$tmp" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out"
