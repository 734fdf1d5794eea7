#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages that building and testing constats need.
# As root, installs what is missing with apt-get; otherwise prints the
# command to run.
set -euo pipefail

pkgs=(make gcc g++ libc6-dev gcc-multilib bc cpio xz-utils perl python3 kmod
      qemu-system-x86 busybox-static linux-source-6.1 sparse dwarves gnuplot-nox valgrind python3-sphinx
      clang lld llvm)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "constats: missing packages; run as root:" >&2
	echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "constats: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
