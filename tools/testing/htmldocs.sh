#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# htmldocs.sh [OUTDIR]: build Documentation/ with Debian's Sphinx and the
# kernel's kernel-doc extension from linux-source-6.1, warnings as errors.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/tools/testing/vm/out/htmldocs}
CONSTATS_LINUX_SOURCE=$("$top/tools/testing/source.sh")
export CONSTATS_LINUX_SOURCE
# Debian's sphinx-build: its python3, whatever python3 is first in PATH.
/usr/bin/sphinx-build -q -W --keep-going -b html "$top/Documentation" "$out"
echo "htmldocs: $out/index.html"
