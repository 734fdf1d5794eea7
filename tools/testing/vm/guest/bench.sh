# SPDX-License-Identifier: GPL-2.0
# Guest side of "make bench": load constats and the benchmark module; its
# results reach the host through the kernel log dumped at the end.
insmod ./constats.ko || exit 1
insmod ./constats_bench.ko "$@" || exit 1
rmmod constats_bench
rmmod constats
