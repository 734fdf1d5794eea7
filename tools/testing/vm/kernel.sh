#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh FLAVOUR: fetch a stock Debian kernel image and its headers with
# apt-get download, unpack them with dpkg -x into the cache (never into the
# host's /boot or /usr/src), and print shell assignments:
#
#	KREL=6.1.0-NN-amd64 VMLINUZ=<path> KDIR=<headers build tree>
#	MODDIR=<the image's /lib/modules/KREL>
#
# FLAVOUR: bookworm (Debian 12's 6.1) or bookworm-backports (6.12, also
# trixie's kernel).  Backports come through a private apt configuration in
# the cache; the host's apt sources are not touched.  The unpacked tree is
# keyed by the image package's version and reused while it exists.
set -euo pipefail

flavour=${1:?usage: kernel.sh FLAVOUR}
cache=${CONSTATS_CACHE:-$HOME/.cache/constats}
apt_opts=()

meta=linux-image-amd64
case "$flavour" in
bookworm) ;;
bookworm-backports)
	apt=$cache/apt-$flavour
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
	echo "deb http://deb.debian.org/debian bookworm-backports main" \
		> "$apt/sources.list"
	apt_opts=(-o "Dir::Etc::SourceList=$apt/sources.list"
		  -o Dir::Etc::SourceParts=/dev/null
		  -o "Dir::State::Lists=$apt/lists"
		  -o "Dir::Cache=$apt/cache")
	[ -n "$(ls "$apt/lists" 2>/dev/null | grep -v partial)" ] ||
		apt-get "${apt_opts[@]}" update -qq >&2
	;;
*) echo "kernel.sh: unknown flavour '$flavour'" >&2; exit 2 ;;
esac

# The versioned image package the metapackage points at.
image=$(apt-cache "${apt_opts[@]}" depends "$meta" 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$image" ]; then
	apt-get "${apt_opts[@]}" update -qq >&2
	image=$(apt-cache "${apt_opts[@]}" depends "$meta" |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
fi
krel=${image#linux-image-}
version=$(apt-cache "${apt_opts[@]}" show --no-all-versions "$image" |
	  awk '/^Version:/ { print $2; exit }')
root=$cache/kernels/${image}_$version

if [ ! -f "$root/.done" ]; then
	rm -rf "$root"
	mkdir -p "$root/debs"
	common=linux-headers-${krel%-amd64}-common
	kbuild=$(apt-cache "${apt_opts[@]}" depends "linux-headers-$krel" |
		 awk '/Depends: linux-kbuild-/ { print $2; exit }')
	# apt's _apt user cannot write the cache: it warns and downloads as root.
	(cd "$root/debs" &&
	 apt-get "${apt_opts[@]}" download -q "$image" "linux-headers-$krel" \
		"$common" "$kbuild" 2>/dev/null >&2)
	if [ "$(ls "$root"/debs/*.deb | wc -l)" -ne 4 ]; then
		echo "kernel.sh: could not download $image and its headers" >&2
		exit 1
	fi
	for deb in "$root"/debs/*.deb; do
		dpkg -x "$deb" "$root/root"
	done
	# Debian's headers Makefile includes its -common twin by absolute path.
	sed -i "s|^include /usr/src/|include $root/root/usr/src/|" \
		"$root/root/usr/src/linux-headers-$krel/Makefile"
	rm -rf "$root/debs"
	touch "$root/.done"
fi

echo "KREL=$krel"
echo "VMLINUZ=$root/root/boot/vmlinuz-$krel"
echo "KDIR=$root/root/usr/src/linux-headers-$krel"
echo "MODDIR=$root/root/lib/modules/$krel"
