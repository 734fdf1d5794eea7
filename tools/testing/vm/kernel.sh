#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh FLAVOUR: fetch a stock Debian kernel image and its headers with
# apt-get download, unpack them with dpkg -x into the cache (never into the
# host's /boot or /usr/src), and print shell assignments:
#
#	KREL=6.1.0-NN-amd64 VMLINUZ=<path> KDIR=<headers build tree>
#	MODDIR=<the image's /lib/modules/KREL>
#	KMAKE_ARGS=<extra make arguments for M= builds against KDIR, or empty>
#
# FLAVOUR: bookworm (Debian 12's 6.1), bookworm-backports (6.12, also
# trixie's kernel), trixie-rt (Debian 13's PREEMPT_RT 6.12), or
# trixie-backports and trixie-backports-rt: the newest kernel in Debian
# 13's backports, stock and PREEMPT_RT (7.x), whichever it is when this
# runs.  Backports and trixie come through private apt configurations in
# the cache, from the mirror of this machine's own apt sources
# (tools/testing/mirror.sh); the host's apt sources are not touched.  The
# unpacked tree is keyed by the image package's version and reused while
# it exists.
#
# trixie-backports' lists are refreshed on every run, so that a new kernel
# there is the one tested, as DKMS would build for it.  From 7.x Debian
# splits the image: linux-image-KREL only depends on linux-binary-KREL
# (vmlinuz, under /usr/lib/modules/KREL) and linux-modules-KREL.  Their
# modules build as their users build them: against linux-headers-KREL
# installed with apt in a Debian 13 root (tools/testing/trixie-root.sh),
# with its gcc, in a chroot; KDIR lies in that root, and vm/build.sh
# builds there for such a KDIR.
#
# trixie's kernel was built with gcc-14 and its kbuild programs need
# glibc 2.38; on bookworm, gcc-12 stands in (a wrapper that turns
# -fmin-function-alignment=N into -falign-functions=N), bookworm-backports'
# 6.12 kbuild programs replace trixie's, and module BTF is off because
# bookworm's pahole lacks --btf_features.  KMAKE_ARGS carries that.
set -euo pipefail

flavour=${1:?usage: kernel.sh FLAVOUR}
cache=${CONSTATS_CACHE:-$HOME/.cache/constats}
here=$(cd "$(dirname "$0")" && pwd)
# The Debian mirror of this machine's own apt sources (mirror.sh).
mirror=$("$here/../mirror.sh")
export CONSTATS_MIRROR=$mirror	# the scripts it runs need not ask apt again
# private_apt SUITE: print apt options for a private configuration with
# SUITE as its only source, updating its lists the first time.
private_apt() {
	local apt=$cache/apt-$1
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
	echo "deb $mirror $1 main" > "$apt/sources.list"
	# (apt's _apt user cannot write the cache: apt downloads as root.)
	printf '%s\n' -o APT::Sandbox::User=root \
		-o "Dir::Etc::SourceList=$apt/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
	[ -n "$(ls "$apt/lists" 2>/dev/null | grep -v partial)" ] ||
		apt-get -o APT::Sandbox::User=root \
			-o "Dir::Etc::SourceList=$apt/sources.list" \
			-o Dir::Etc::SourceParts=/dev/null \
			-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" \
			update -qq >&2
}

# depends APT_OPTS... PACKAGE PATTERN: the first dependency of PACKAGE
# whose name matches PATTERN.
depends() {
	local pattern=${*: -1} n=$(($# - 2))
	apt-cache "${@:1:n}" depends "${@: -2:1}" 2>/dev/null |
		awk -v p="$pattern" '$1 == "Depends:" && $2 ~ p { print $2; exit }'
}

apt_opts=()
meta=linux-image-amd64
in_root=
case "$flavour" in
bookworm) ;;
bookworm-backports) mapfile -t apt_opts < <(private_apt bookworm-backports) ;;
trixie-rt)
	mapfile -t apt_opts < <(private_apt trixie)
	meta=linux-image-rt-amd64
	;;
trixie-backports|trixie-backports-rt)
	mapfile -t apt_opts < <(private_apt trixie-backports)
	[ "$flavour" = trixie-backports ] || meta=linux-image-rt-amd64
	in_root=1
	apt-get "${apt_opts[@]}" update -qq >&2 ||
		echo "kernel.sh: could not refresh the trixie-backports lists; using them as they are" >&2
	;;
*) echo "kernel.sh: unknown flavour '$flavour'" >&2; exit 2 ;;
esac

# resolve: the versioned image package the metapackage points at, its
# version and where it unpacks.
resolve() {
	image=$(depends "${apt_opts[@]}" "$meta" '^linux-image-[0-9]')
	krel=${image#linux-image-}
	version=$(apt-cache "${apt_opts[@]}" show --no-all-versions "$image" 2>/dev/null |
		  awk '/^Version:/ { print $2; exit }')
	root=$cache/kernels/${image}_$version
}
resolve
# A private configuration's lists may be older than the mirror, which
# keeps only the newest kernel: refresh them before downloading.
if [ -z "$image" ] ||
   { [ ! -f "$root/.done" ] && [ ${#apt_opts[@]} -gt 0 ]; }; then
	apt-get "${apt_opts[@]}" update -qq >&2
	resolve
fi
kmake_args=
if [ "$flavour" = trixie-rt ]; then
	kmake_args="CC=$root/bin/x86_64-linux-gnu-gcc-14 CONFIG_DEBUG_INFO_BTF_MODULES="
fi

if [ ! -f "$root/.done" ] && [ -n "$in_root" ]; then
	rm -rf "$root"
	mkdir -p "$root/debs"
	# The image and what it depends on of this kernel's own: 7.x's
	# linux-binary-, linux-modules- and linux-base-KREL (the config).
	mapfile -t debs < <(echo "$image"
		apt-cache "${apt_opts[@]}" depends "$image" 2>/dev/null |
		awk -v k="$krel" '$1 == "Depends:" {
			rel = $2
			if (sub(/^linux-[a-z]+-/, "", rel) && rel == k) print $2
		}')
	(cd "$root/debs" &&
	 apt-get "${apt_opts[@]}" download -q "${debs[@]}" 2>/dev/null >&2)
	if [ "$(ls "$root"/debs/*.deb | wc -l)" -ne ${#debs[@]} ]; then
		echo "kernel.sh: could not download ${debs[*]}" >&2
		exit 1
	fi
	for deb in "$root"/debs/*.deb; do
		dpkg -x "$deb" "$root/root"
	done
	rm -rf "$root/debs"
	# The kernel this flavour tested before makes way: backports moves on.
	echo "$flavour" > "$root/.flavour"
	for old in "$cache"/kernels/*/.flavour; do
		[ "$(cat "$old" 2>/dev/null)" = "$flavour" ] && [ "${old%/.flavour}" != "$root" ] &&
			rm -rf "${old%/.flavour}"
	done
	touch "$root/.done"
fi

if [ ! -f "$root/.done" ]; then
	rm -rf "$root"
	mkdir -p "$root/debs"
	common=$(depends "${apt_opts[@]}" "linux-headers-$krel" '^linux-headers-.*-common')
	kbuild=$(depends "${apt_opts[@]}" "linux-headers-$krel" '^linux-kbuild-')
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
	rm -rf "$root/debs"
	# Debian's headers Makefile includes its -common twin by absolute path.
	sed -i "s|^include /usr/src/|include $root/root/usr/src/|" \
		"$root/root/usr/src/linux-headers-$krel/Makefile"
	if [ "$flavour" = trixie-rt ]; then
		# bookworm-backports' kbuild programs, built for glibc 2.36.
		mapfile -t bpo_opts < <(private_apt bookworm-backports)
		apt-get "${bpo_opts[@]}" update -qq >&2
		bpo_headers=$(depends "${bpo_opts[@]}" linux-headers-amd64 '^linux-headers-[0-9]')
		bpo_kbuild=$(depends "${bpo_opts[@]}" "$bpo_headers" '^linux-kbuild-')
		mkdir -p "$root/debs"
		(cd "$root/debs" &&
		 apt-get "${bpo_opts[@]}" download -q "$bpo_kbuild" 2>/dev/null >&2)
		dpkg -x "$root"/debs/"$bpo_kbuild"_*.deb "$root/bpo"
		rm -rf "$root/debs"
		dst=$root/root/usr/lib/$kbuild
		src=$root/bpo/usr/lib/$bpo_kbuild
		find "$dst" -type f | while read -r f; do
			[ "$(head -c 4 "$f")" = $'\x7fELF' ] || continue
			if [ ! -f "$src/${f#"$dst"/}" ]; then
				echo "kernel.sh: $bpo_kbuild has no ${f#"$dst"/}" >&2
				exit 1
			fi
			cp "$src/${f#"$dst"/}" "$f"
		done
		rm -rf "$root/bpo"
		# gcc-12 for gcc-14, which alone knows -fmin-function-alignment.
		mkdir -p "$root/bin"
		cat > "$root/bin/x86_64-linux-gnu-gcc-14" <<-'WRAP'
		#!/bin/sh
		# kernel.sh trixie-rt: gcc-12 standing in for trixie's gcc-14.
		for arg; do
			shift
			case "$arg" in
			-fmin-function-alignment=*)
				set -- "$@" "-falign-functions=${arg#*=}" ;;
			*) set -- "$@" "$arg" ;;
			esac
		done
		exec x86_64-linux-gnu-gcc-12 "$@"
		WRAP
		chmod +x "$root/bin/x86_64-linux-gnu-gcc-14"
	fi
	touch "$root/.done"
fi

kdir=$root/root/usr/src/linux-headers-$krel
if [ -n "$in_root" ]; then
	troot=$("$here/../trixie-root.sh" headers "$krel")
	kdir=$troot/usr/src/linux-headers-$krel
fi
vmlinuz=$root/root/boot/vmlinuz-$krel
[ -f "$vmlinuz" ] || vmlinuz=$root/root/usr/lib/modules/$krel/vmlinuz

echo "KREL=$krel"
echo "VMLINUZ=$vmlinuz"
echo "KDIR=$kdir"
# trixie's packages keep their modules under /usr only.
moddir=$root/root/lib/modules/$krel
[ -d "$moddir" ] || moddir=$root/root/usr/lib/modules/$krel
echo "MODDIR=$moddir"
printf 'KMAKE_ARGS=%q\n' "$kmake_args"
