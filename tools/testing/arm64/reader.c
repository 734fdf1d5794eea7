// SPDX-License-Identifier: GPL-2.0
/* The reader, unchanged, as an object of its own for tools/testing/arm64.sh. */
#include "constats_reader.c"
