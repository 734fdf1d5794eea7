#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# source.sh: unpack the parts of Debian's linux-source-6.1 that constats
# reuses (checkpatch.pl, kernel-doc and its Sphinx extension, kunit.py, the
# kselftest headers, lib.mk and runner) into
# the cache, once per package version, and print the directory.
set -euo pipefail

cache=${CONSTATS_CACHE:-$HOME/.cache/constats}
tarball=/usr/src/linux-source-6.1.tar.xz
if [ ! -f "$tarball" ]; then
	echo "source.sh: $tarball is missing: apt-get install linux-source-6.1" >&2
	exit 1
fi
version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
# Bump the recipe when the list of parts below changes.
dir=$cache/linux-source-$version-r3

if [ ! -f "$dir/.done" ]; then
	rm -rf "$dir"
	mkdir -p "$dir"
	tar -xf "$tarball" -C "$dir" --strip-components=1 \
		linux-source-6.1/scripts \
		linux-source-6.1/Documentation/sphinx \
		linux-source-6.1/tools/testing/kunit \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/lib.mk \
		linux-source-6.1/tools/testing/selftests/kselftest
	touch "$dir/.done"
fi
echo "$dir"
