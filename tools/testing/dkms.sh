#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms.sh KREL: dkms add and build constats against the installed headers
# of kernel KREL (installed here with apt-get if missing), check the built
# module, then remove it from the DKMS tree.  Never dkms install: nothing
# goes into any kernel's module tree on this machine.
#
# A user's DKMS build makes constats.ko alone, so that a test module or a
# sample that no longer builds on a new kernel cannot block an install:
# every one of them is broken here (#error) in the copy DKMS builds, and
# the build log must name none of them.
set -euo pipefail

krel=${1:?usage: dkms.sh KREL}
top=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
src=/usr/src/constats-$version

if [ "$(id -u)" -ne 0 ]; then
	echo "dkms.sh: needs root (dkms and /usr/src)" >&2
	exit 4
fi
missing=()
command -v dkms >/dev/null || missing+=(dkms)
[ -e "/lib/modules/$krel/build/Makefile" ] || missing+=("linux-headers-$krel")
if [ ${#missing[@]} -gt 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
fi

dkms remove -m constats -v "$version" --all >/dev/null 2>&1 || true
rm -rf "$src"
mkdir -p "$src"
cp -r "$top/dkms.conf" "$top/Kbuild" "$top/Makefile" "$top/kmod" "$top/samples" "$top/uapi" "$src/"
trap 'dkms remove -m constats -v "$version" --all >/dev/null 2>&1 || true; rm -rf "$src"' EXIT
for f in "$src"/kmod/tests/*.c "$src"/samples/*/*.c; do
	echo '#error dkms.sh: a user build must not compile the tests or samples' >> "$f"
done

dkms add -m constats -v "$version"
dkms build -m constats -v "$version" -k "$krel"
ko=$(find "/var/lib/dkms/constats/$version/$krel" -name constats.ko | head -n 1)
[ -n "$ko" ] || { echo "dkms.sh: no constats.ko was built" >&2; exit 1; }
modinfo -F vermagic "$ko" | grep -q "^$krel " ||
	{ echo "dkms.sh: $ko is not built for $krel" >&2; exit 1; }
log=$(find "/var/lib/dkms/constats/$version" -name make.log | head -n 1)
if [ -z "$log" ] || grep -E 'kmod/tests/|samples/' "$log"; then
	echo "dkms.sh: the DKMS build touched the tests or samples (${log:-no make.log})" >&2
	exit 1
fi
echo "dkms.sh: built $ko for $krel, and nothing else ($(grep -c '\.o$' "$log") objects)"
