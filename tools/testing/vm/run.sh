#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh VMLINUZ INITRAMFS LOG [TIMEOUT_S]: boot the guest under TCG with
# four CPUs, copy its console to stdout and LOG, and exit with the guest
# script's status.  A console with a kernel splat (WARNING, BUG, Oops,
# lockdep report, ...) makes the run fail even if the script passed; a
# guest that never reports its status (crash, hang) fails too.
#
# CONSTATS_VM_APPEND adds to the kernel command line.  CONSTATS_VM_NET,
# e.g. "restrict=on,hostfwd=tcp:127.0.0.1:PORT-:9100", gives the guest a
# virtio NIC on QEMU's user network with those options (the guest loads
# virtio_net itself); without it the guest has no NIC driver loaded.
# CONSTATS_VM_SMP sets the number of vCPUs (default 4; make bench boots
# 1, 2 and 8 too).  CONSTATS_VM_ARGS adds QEMU arguments, split on
# blanks: e.g. "-drive file=IMG,format=raw,if=virtio" for a disk (the
# guest loads virtio_pci and virtio_blk itself).
set -uo pipefail

vmlinuz=${1:?usage: run.sh VMLINUZ INITRAMFS LOG [TIMEOUT_S]}
initrd=${2:?}
log=${3:?}
limit=${4:-600}
net=()
[ -z "${CONSTATS_VM_NET:-}" ] ||
	net=(-netdev "user,id=n0,$CONSTATS_VM_NET" -device virtio-net-pci,netdev=n0)

# Multi-threaded TCG is not always coherent when the kernel patches its
# own text (jump labels, through int3): now and then a kernel dies of an
# "Oops: int3" while booting, before /init runs and so before anything of
# ours is loaded.  Such a boot is tried once more; the console of the
# first is kept in LOG.boot1.  A crash after /init started always counts.
#
# The same incoherence struck after boot, when the clocksource watchdog,
# its HPET reads delayed by a loaded host, found the TSC skewed and
# marked it unstable: switching sched_clock off its stable path patches
# sched_clock_cpu() while every vCPU runs it ("Oops: int3" there, 6.12
# stock guest, make check-fresh).  TCG's TSC follows the host's clock on
# every vCPU alike, so the guests boot with tsc=reliable: no watchdog,
# no runtime switch, and no text patched for it.
rm -f "$log.splat"
for attempt in 1 2; do
	timeout --foreground -k 10 "$limit" \
		qemu-system-x86_64 -accel tcg,thread=multi -cpu max \
			-smp "${CONSTATS_VM_SMP:-4}" -m 1024 \
			-kernel "$vmlinuz" -initrd "$initrd" \
			-append "console=ttyS0 loglevel=5 panic=-1 tsc=reliable ${CONSTATS_VM_APPEND:-}" \
			-display none -monitor none -serial stdio -no-reboot "${net[@]}" \
			${CONSTATS_VM_ARGS:-} \
			</dev/null 2>&1 | tr -d '\r' | tee "$log"
	if [ "$attempt" -eq 2 ] || grep -q '^constats-vm: booted ' "$log" ||
	   ! grep -q 'Kernel panic' "$log"; then
		break
	fi
	mv "$log" "$log.boot1"
	echo "run.sh: the kernel died before /init ran; booting once more (see $log.boot1)" >&2
done

status=$(sed -n 's/^constats-vm: exit \([0-9]*\)$/\1/p' "$log" | tail -n 1)
if [ -z "$status" ]; then
	echo "run.sh: the guest did not finish (crash or timeout after ${limit}s)" |
		tee "$log.splat" >&2
	exit 1
fi
# The mutant guest (guest/mutants.sh) provokes splats on purpose and
# judges them itself: only its status counts.
[ "${CONSTATS_VM_SPLATS:-}" = expected ] && exit "$status"
# A guest may announce the warnings it provokes on purpose, a line per
# function: a report (from "cut here" to "end trace") is dropped if its
# "WARNING: CPU: ... at FILE:LINE FUNCTION+off" line names one of them.
allowed=$(sed -n 's/^constats-vm: expect-warn \([a-z_0-9]*\)$/\1/p' "$log" |
	  sort -u | paste -sd ' ')
scan=$(mktemp)
trap 'rm -f "$scan"' EXIT
awk -v fns="$allowed" '
	BEGIN { nfn = split(fns, fn, " ") }
	/cut here \]/ { inblk = 1; blk = $0 "\n"; keep = 1; next }
	inblk { blk = blk $0 "\n"
		if (/WARNING: CPU: /)
			for (i = 1; i <= nfn; i++)
				if (index($0, " " fn[i] "+")) keep = 0
		if ($0 ~ /end trace/) { if (keep) printf "%s", blk; inblk = 0 }
		next }
	{ print }
	END { if (inblk) printf "%s", blk }' "$log" > "$scan"
# The first lines of a splat are kept in LOG.splat too, for the caller.
if grep -qE -f "$(dirname "$0")/splats.txt" "$scan"; then
	echo "run.sh: kernel splat on the console:" >&2
	grep -nE -f "$(dirname "$0")/splats.txt" "$scan" | head -n 5 | tee "$log.splat" >&2
	exit 1
fi
exit "$status"
