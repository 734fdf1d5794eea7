#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [REPORT_DIR [CONSTATS_BUILD]]: make bench's XFS figures.  In
# one guest on Debian's 6.1 kernel, interleaved rounds of the same load on
# three xfs.ko: Debian's stock module, ours built from the same source
# without the series (what an out-of-tree build costs by itself), and ours
# with it.  Each round measures creates + unlinks per second with the churn
# alone, then statfs calls per second with two readers beside the churn.
# Writes REPORT_DIR/xfs.md (default vm/out/bench) and prints its table.
#
# XFS_BENCH_ROUNDS (default 5) and XFS_BENCH_SECONDS (default 10) size it.
set -euo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
vm=$top/tools/testing/vm
report=${1:-$vm/out/bench}
out=$vm/out/xfs-bench
mkdir -p "$report" "$out"

eval "$("$vm/kernel.sh" bookworm)"
cbuild=${2:-}
if [ -z "$cbuild" ] || [ ! -f "$cbuild/Module.symvers" ]; then
	cbuild=$out/constats
	"$vm/build.sh" "$KDIR" "$cbuild" > "$out/constats-build.log" 2>&1
fi
patched=$("$top/tools/testing/xfs/build.sh" "$cbuild" | tail -n 1)
unpatched=$(XFS_SERIES=none "$top/tools/testing/xfs/build.sh" "$cbuild" | tail -n 1)

rm -rf "$out/stock" "$out"/xfs-*
"$vm/stock-modules.sh" "$MODDIR" "$out/stock" virtio_ring virtio \
	virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk \
	crc32c_generic libcrc32c
"$vm/stock-modules.sh" "$MODDIR" "$out/xfs-stock" xfs
mkdir -p "$out/xfs-unpatched" "$out/xfs-patched"
cp "$unpatched" "$out/xfs-unpatched/xfs.ko"
cp "$patched" "$out/xfs-patched/xfs.ko"
gcc -O2 -Wall -Wextra -Werror -static -pthread -o "$out/xfs_load" \
	"$top/tools/testing/xfs/xfs_load.c"
rounds=${XFS_BENCH_ROUNDS:-5}
seconds=${XFS_BENCH_SECONDS:-10}
printf 'XFS_BENCH_ROUNDS=%s\nXFS_BENCH_SECONDS=%s\n' "$rounds" "$seconds" > "$out/xfs.conf"
rm -f "$out/disk.img"
truncate -s 512M "$out/disk.img"
mkfs.xfs -q -f "$out/disk.img"

"$vm/initramfs.sh" "$out/guest.img" "$vm/guest/xfs-bench.sh" "$out"/stock/*.ko \
	"$cbuild/kmod/constats.ko" "$out"/xfs-* "$out/xfs_load" "$out/xfs.conf"
echo "bench: xfs: $rounds rounds of 2 x $seconds s on 3 modules in the VM" >&2
CONSTATS_VM_ARGS="-drive file=$out/disk.img,format=raw,if=virtio,cache=unsafe" \
	"$vm/run.sh" "$VMLINUZ" "$out/guest.img" "$out/guest.log" 1800 > /dev/null ||
	{ echo "bench: FAIL: the XFS guest ($out/guest.log)" >&2; exit 1; }
xfs_repair -n -f "$out/disk.img" > "$out/repair.log" 2>&1 ||
	{ echo "bench: FAIL: xfs_repair -n after the XFS bench ($out/repair.log)" >&2; exit 1; }

python3 - "$out/guest.log" "$KREL" "$(nproc)" "$rounds" "$seconds" > "$report/xfs.md" <<'EOF'
import statistics, sys

log, krel, cores, rounds, seconds = sys.argv[1:]
runs = {}
for line in open(log):
    f = line.split()
    if len(f) < 5 or f[0] != "xfs-bench":
        continue
    kv = dict(x.split("=", 1) for x in f[4:] if "=" in x)
    runs.setdefault((f[2], f[3]), []).append(kv)

def med(mod, load, key):
    v = [float(r[key]) for r in runs.get((mod, load), [])]
    return statistics.median(v) if v else float("nan")

def spread(mod, load, key):
    v = [float(r[key]) for r in runs.get((mod, load), [])]
    return f"{min(v):,.0f} to {max(v):,.0f}" if v else "-"

mods = ["stock", "unpatched", "patched"]
print("# XFS: stock, unpatched and patched xfs.ko\n")
print(f"Kernel {krel} in QEMU (TCG, 4 vCPUs) on {cores} host cores; one")
print(f"512 MiB XFS on virtio; {rounds} interleaved rounds of {seconds} s per load,")
print("each round in a different order; medians, with the range.  The churn:")
print("a worker per vCPU creating and unlinking 64 files in a loop.\n")
print("| xfs.ko | creates + unlinks/s, churn alone | with 2 statfs readers | statfs/s | torn statfs |")
print("| --- | --- | --- | --- | --- |")
for m in mods:
    torn = sum(int(r["torn"]) for r in runs.get((m, "statfs"), []))
    calls = sum(int(r["statfs"]) for r in runs.get((m, "statfs"), []))
    print(f"| {m} | {med(m, 'churn', 'ops_per_s'):,.0f} ({spread(m, 'churn', 'ops_per_s')}) "
          f"| {med(m, 'statfs', 'ops_per_s'):,.0f} "
          f"| {med(m, 'statfs', 'statfs_per_s'):,.0f} ({spread(m, 'statfs', 'statfs_per_s')}) "
          f"| {torn} of {calls:,} |")
print()
def ratio(a, b, load, key):
    return med(a, load, key) / med(b, load, key)
print("| figure | measured | goal |")
print("| --- | --- | --- |")
print(f"| churn, patched / stock | {ratio('patched', 'stock', 'churn', 'ops_per_s'):.3f} | >= 0.98 |")
print(f"| churn, patched / unpatched (same build, no series) | {ratio('patched', 'unpatched', 'churn', 'ops_per_s'):.3f} | |")
print(f"| churn, unpatched / stock (the out-of-tree build itself) | {ratio('unpatched', 'stock', 'churn', 'ops_per_s'):.3f} | |")
print(f"| statfs/s beside the churn, patched / stock | {ratio('patched', 'stock', 'statfs', 'statfs_per_s'):.3f} | >= 0.5 |")
EOF
cat "$report/xfs.md"
