#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# modules.sh OUT: the modules build.sh built in OUT, constats.ko first,
# then the test modules and the samples.
set -euo pipefail

out=${1:?usage: modules.sh OUT}
ls "$out"/kmod/*.ko
find "$out/kmod/tests" "$out/samples" -name '*.ko' | sort
