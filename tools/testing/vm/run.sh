#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh VMLINUZ INITRAMFS LOG [TIMEOUT_S]: boot the guest under TCG with
# four CPUs, copy its console to stdout and LOG, and exit with the guest
# script's status.  A console with a kernel splat (WARNING, BUG, Oops,
# lockdep report, ...) makes the run fail even if the script passed; a
# guest that never reports its status (crash, hang) fails too.
set -uo pipefail

vmlinuz=${1:?usage: run.sh VMLINUZ INITRAMFS LOG [TIMEOUT_S]}
initrd=${2:?}
log=${3:?}
limit=${4:-600}

timeout --foreground -k 10 "$limit" \
	qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 4 -m 1024 \
		-kernel "$vmlinuz" -initrd "$initrd" \
		-append "console=ttyS0 loglevel=5 panic=-1 ${CONSTATS_VM_APPEND:-}" \
		-display none -monitor none -serial stdio -no-reboot \
		</dev/null 2>&1 | tr -d '\r' | tee "$log"

status=$(sed -n 's/^constats-vm: exit \([0-9]*\)$/\1/p' "$log" | tail -n 1)
if [ -z "$status" ]; then
	echo "run.sh: the guest did not finish (crash or timeout after ${limit}s)" >&2
	exit 1
fi
if grep -qE -f "$(dirname "$0")/splats.txt" "$log"; then
	echo "run.sh: kernel splat on the console:" >&2
	grep -nE -f "$(dirname "$0")/splats.txt" "$log" | head -n 5 >&2
	exit 1
fi
exit "$status"
