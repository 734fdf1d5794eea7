#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages that building and testing constats need.
# As root, installs what is missing with apt-get; otherwise prints the
# command to run.
set -euo pipefail

# Everything beyond a "debootstrap --variant=minbase bookworm" root that
# make check, demo, htmldocs, bench and torture use (make check-fresh
# proves the list on such a root).  dkms and the 6.1 headers for its test
# are installed by tools/testing/dkms.sh, which knows the kernel release.
pkgs=(
	# Modules, the constats tool and the selftests (gcc-multilib: their
	# 32-bit builds), the uapi header as C++, the W=1 build with sparse.
	make gcc g++ libc6-dev gcc-multilib sparse
	# Debian's kernels come with apt-get download and dpkg -x;
	# stock-modules.sh unpacks .ko.xz (xz-utils) and .ko.zst (zstd).
	kmod xz-utils zstd
	# linux-source-6.1 gives checkpatch.pl and kernel-doc (perl), kunit.py
	# (python3) and kselftest's lib.mk, whose install copies with rsync.
	# git: check.sh asks git ls-files which files checkpatch.pl checks.
	linux-source-6.1 git perl python3 rsync
	# The debug kernels built from it: kconfig's parser needs flex and
	# bison, x86's objtool libelf-dev, kernel/time/timeconst.bc bc;
	# pahole (dwarves) for kernels with CONFIG_DEBUG_INFO_BTF.
	bc bison dwarves flex libelf-dev
	# The guests: QEMU (TCG) booting a busybox initramfs packed with cpio.
	busybox-static cpio qemu-system-x86
	# make htmldocs; make bench's callgrind count and plots.
	python3-sphinx gnuplot-nox valgrind
	# The fleet test: promtool and a Prometheus server on the host,
	# node_exporter for the guest, ss(8) to see what listens on loopback.
	prometheus prometheus-node-exporter iproute2
	# make deb, lintian, and installing the packages in a fresh root;
	# dpkg-buildpackage requires build-essential of every build.
	build-essential debhelper dh-dkms dkms dpkg-dev fakeroot lintian
	debootstrap
	# The mutants' code check: the core compiled for arm64 and disassembled.
	clang lld llvm
	# make xfs and its test: images made with mkfs.xfs, xfs_repair -n.
	xfsprogs
)

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
# The tests run prometheus and prometheus-node-exporter themselves, on
# 127.0.0.1 only: keep their packages from starting system services that
# listen on every address (policy-rc.d, for this install only).
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
