#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh VARIANT: build the constats test kernel from Debian's
# linux-source-6.1 (allnoconfig + config/debug.config + config/VARIANT.config;
# VARIANT is kasan or kcsan) and print shell assignments:
#
#	KREL=<release> VMLINUZ=<bzImage> KDIR=<build tree for M= builds>
#
# The source is unpacked once per package version; the build is cached
# under a key of the source version and the fragments' hash, so it happens
# once per machine.
set -euo pipefail

variant=${1:?usage: debug-kernel.sh kasan|kcsan}
here=$(cd "$(dirname "$0")" && pwd)
cache=${CONSTATS_CACHE:-$HOME/.cache/constats}
frags=("$here/config/debug.config" "$here/config/$variant.config")
[ -f "${frags[1]}" ] || { echo "debug-kernel.sh: no variant $variant" >&2; exit 2; }

version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
src=$cache/linux-source-$version-tree
# Bump when the build steps below change what a cached tree holds.
recipe=2
hash=$( (echo "recipe $recipe"; cat "${frags[@]}") | sha256sum | cut -c1-12)
build=$cache/debug-kernel/$version-$variant-$hash

if [ ! -f "$src/.done" ]; then
	rm -rf "$src"
	mkdir -p "$src"
	tar -xf /usr/src/linux-source-6.1.tar.xz -C "$src" --strip-components=1
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
	# Every fragment line must have survived olddefconfig.
	for f in "${frags[@]}"; do
		grep '^CONFIG_' "$f" | while read -r line; do
			grep -qx "$line" "$build/.config" ||
				{ echo "debug-kernel.sh: $line did not stick" >&2; exit 1; }
		done
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
