// SPDX-License-Identifier: GPL-2.0
/* The core, unchanged, as an object of its own for tools/testing/arm64.sh. */
#include "constats_core.c"
