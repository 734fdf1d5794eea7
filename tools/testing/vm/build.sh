#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh KDIR OUT [MAKE_ARGS...]: build the modules against KDIR from a
# copy of the sources in OUT, so builds for several kernels never share
# objects and the work tree stays clean.  Prints the compiler's output.
# modules.sh OUT lists what it built.  KMAKE_ARGS from the environment
# (printed by kernel.sh and debug-kernel.sh) go on the make line too.
#
# It builds everything: constats.ko, the test modules and the samples
# (CONSTATS_TESTS=1; a user's make or DKMS build makes constats.ko alone).
set -euo pipefail

kdir=${1:?usage: build.sh KDIR OUT [MAKE_ARGS...]}
out=${2:?usage: build.sh KDIR OUT [MAKE_ARGS...]}
shift 2
top=$(cd "$(dirname "$0")/../../.." && pwd)

mkdir -p "$out"
rm -rf "$out/kmod" "$out/samples" "$out/uapi"
cp -r "$top/Kbuild" "$top/kmod" "$top/samples" "$top/uapi" "$out/"
# shellcheck disable=SC2086 # several arguments, split on blanks
make -s -C "$kdir" M="$out" CONSTATS_TESTS=1 ${KMAKE_ARGS:-} "$@" modules
