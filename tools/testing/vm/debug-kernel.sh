#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh VARIANT: build a constats test kernel (allnoconfig +
# config/debug.config + config/VARIANT.config) and print shell assignments:
#
#	KREL=<release> VMLINUZ=<bzImage> KDIR=<build tree for M= builds>
#	KMAKE_ARGS=	(none needed: the host's compiler built it)
#	KAPPEND=<kernel command line the guests add>
#
# VARIANT is kasan or kcsan, built from Debian's linux-source-6.1, or rt
# (PREEMPT_RT), built from linux-source-6.12, which comes from
# bookworm-backports through a private apt configuration in the cache: its
# .deb is fetched with apt-get download and unpacked with dpkg -x there.
# The source is unpacked once per package version; the build is cached
# under a key of the source version and the fragments' hash, so it happens
# once per machine.
set -euo pipefail

variant=${1:?usage: debug-kernel.sh kasan|kcsan|rt}
here=$(cd "$(dirname "$0")" && pwd)
cache=${CONSTATS_CACHE:-$HOME/.cache/constats}
frags=("$here/config/debug.config" "$here/config/$variant.config")
[ -f "${frags[1]}" ] || { echo "debug-kernel.sh: no variant $variant" >&2; exit 2; }

case "$variant" in
rt)
	series=6.12
	apt=$cache/apt-bookworm-backports
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
	# The Debian mirror of this machine's apt sources (mirror.sh).
	mirror=$("$here/../mirror.sh")
	echo "deb $mirror bookworm-backports main" > "$apt/sources.list"
	apt_opts=(-o "Dir::Etc::SourceList=$apt/sources.list"
		  -o Dir::Etc::SourceParts=/dev/null
		  -o "Dir::State::Lists=$apt/lists"
		  -o "Dir::Cache=$apt/cache")
	[ -n "$(ls "$apt/lists" 2>/dev/null | grep -v partial)" ] ||
		apt-get "${apt_opts[@]}" update -qq >&2
	source_version() {
		apt-cache "${apt_opts[@]}" show --no-all-versions \
			linux-source-$series 2>/dev/null |
			awk '/^Version:/ { print $2; exit }'
	}
	version=$(source_version)
	pkg=$cache/linux-source-$series-deb-$version
	if [ ! -f "$pkg/.done" ]; then
		# The lists may be older than the mirror: refresh them first.
		apt-get "${apt_opts[@]}" update -qq >&2
		version=$(source_version)
		pkg=$cache/linux-source-$series-deb-$version
	fi
	if [ ! -f "$pkg/.done" ]; then
		rm -rf "$pkg"
		mkdir -p "$pkg/debs"
		# apt's _apt user cannot write the cache: it warns and downloads as root.
		(cd "$pkg/debs" && apt-get "${apt_opts[@]}" download -q \
			"linux-source-$series=$version" 2>/dev/null >&2)
		dpkg -x "$pkg"/debs/linux-source-"$series"_*.deb "$pkg/root"
		rm -rf "$pkg/debs"
		touch "$pkg/.done"
	fi
	tarball=$pkg/root/usr/src/linux-source-$series.tar.xz
	;;
*)
	series=6.1
	version=$(dpkg-query -W -f='${Version}' linux-source-$series)
	tarball=/usr/src/linux-source-$series.tar.xz
	;;
esac
src=$cache/linux-source-$version-tree
# Bump when the build steps below change what a cached tree holds.
recipe=2
hash=$( (echo "recipe $recipe"; cat "${frags[@]}") | sha256sum | cut -c1-12)
build=$cache/debug-kernel/$version-$variant-$hash

if [ ! -f "$src/.done" ]; then
	rm -rf "$src"
	mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
	touch "$src/.done"
fi

if [ ! -f "$build/.done" ]; then
	rm -rf "$build"
	mkdir -p "$build"
	start=$(date +%s)
	make -s -C "$src" O="$build" allnoconfig >&2
	"$src/scripts/kconfig/merge_config.sh" -m -O "$build" \
		"$build/.config" "${frags[@]}" >&2
	make -s -C "$src" O="$build" olddefconfig >&2
	# Every fragment line must have survived olddefconfig; where two
	# fragments set one option, the later one's line must.
	cat "${frags[@]}" |
	sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=.*/\1 &/p
		s/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1 &/p' |
	awk '{ sym = $1; sub(/^[^ ]* /, ""); line[sym] = $0; order[sym] = NR }
	     END { for (s in line) print order[s], line[s] }' | sort -n |
	cut -d' ' -f2- | while read -r line; do
		case "$line" in
		"# "*) sym=${line#\# }; sym=${sym%% *}
		       ! grep -q "^$sym=" "$build/.config" ;;
		*) grep -qx "$line" "$build/.config" ;;
		esac || { echo "debug-kernel.sh: $line did not stick" >&2; exit 1; }
	done
	# 'modules' also writes Module.symvers, which M= builds need.
	nice make -s -C "$src" O="$build" -j"$(nproc)" bzImage modules >&2
	echo "debug-kernel.sh: $variant kernel built in $(( $(date +%s) - start )) s" >&2
	echo "$(( $(date +%s) - start ))" > "$build/build-seconds"
	touch "$build/.done"
fi

echo "KREL=$(cat "$build/include/config/kernel.release")"
echo "VMLINUZ=$build/arch/x86/boot/bzImage"
echo "KDIR=$build"
echo "KMAKE_ARGS="
# 6.1 prints to its serial console in hard interrupt context under a
# spinlock_t, which PROVE_RAW_LOCK_NESTING reports (config/kcsan.config):
# only errors go to the console there.
case "$series" in
6.1) echo "KAPPEND=loglevel=4" ;;
*) echo "KAPPEND=" ;;
esac
