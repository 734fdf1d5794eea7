#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-deb.sh [OUT]: build the Debian packages constats-dkms, constats-tools
# and constats-dev (debian/) with dpkg-buildpackage, from a copy of the work
# tree's tracked files as they are now, in OUT (default out/deb), then run
# lintian on them: OUT/lintian.log, and a non-zero status on any error.
# "make deb" runs it.  Needs debhelper, dh-dkms, python3-sphinx, lintian.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/out/deb}
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
src=$out/constats-$version

rm -rf "$out"
mkdir -p "$src"
out=$(cd "$out" && pwd)
src=$out/constats-$version
if git -C "$top" rev-parse --git-dir > /dev/null 2>&1; then
	# Tracked and new files, less those deleted from the work tree.
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[ ! -e "$f" ] || printf '%s\0' "$f"
		done | xargs -0 cp --parents -t "$src")
else
	tar -C "$top" --exclude=./out --exclude=./tools/testing/vm/out -cf - . |
		tar -C "$src" -xf -
fi
(cd "$src" && dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	exit 1
}
ls "$out"/*.deb
# Lintian's own verdict; as root it warns that it runs as root.
lintian --fail-on error --info --display-info "$out"/*.changes > "$out/lintian.log" 2>&1 ||
	{ cat "$out/lintian.log" >&2; exit 1; }
echo "lintian: $(grep -c '^E: ' "$out/lintian.log") errors," \
	"$(grep -c '^W: ' "$out/lintian.log") warnings," \
	"$(grep -c '^I: ' "$out/lintian.log") info"
