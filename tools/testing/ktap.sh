#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktap.sh LOG NAME: the KTAP a KUnit module logged in the guest, between
# "constats-ktap-begin NAME" and "constats-ktap-end NAME", as a document
# kunit.py parse accepts: timestamps stripped and, since 6.1 prints no
# top-level header for modules, "KTAP version 1" and the plan added
# where the kernel printed none.
set -euo pipefail

log=${1:?usage: ktap.sh LOG NAME}
name=${2:?usage: ktap.sh LOG NAME}

body=$(sed -n "/^constats-ktap-begin $name\$/,/^constats-ktap-end $name\$/p" "$log" |
       sed -e '1d;$d' -e 's/^\[ *[0-9]*\.[0-9]*\] //')
# 6.12 prints the header itself.
if ! grep -q '^KTAP version' <<< "$body"; then
	echo "KTAP version 1"
	echo "1..$(grep -c '^    # Subtest: ' <<< "$body" || true)"
fi
echo "$body"
