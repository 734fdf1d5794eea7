# SPDX-License-Identifier: GPL-2.0
# Guest side of make bench's XFS figures (tools/testing/xfs/bench.sh): the
# same load on every xfs.ko in ./xfs-*/ (Debian's stock one, ours built
# without the series, ours with it), in interleaved rounds on /dev/vda,
# each round in a different order.  Two loads each time: the churn alone
# (creates + unlinks/s), and the churn with two statfs readers (statfs/s).
# Prints "xfs-bench ROUND MODULE LOAD <xfs_load's key=value line>".
. ./lib.sh

XFS_BENCH_ROUNDS=5
XFS_BENCH_SECONDS=10
[ -f ./xfs.conf ] && . ./xfs.conf

for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev \
	 virtio_pci virtio_blk crc32c_generic libcrc32c constats; do
	insmod "./$m.ko" || { echo "xfs-bench: insmod $m failed"; exit 1; }
done
disk_ready() { [ -b /dev/vda ]; }
wait_for disk_ready 30 || { echo "xfs-bench: no /dev/vda"; exit 1; }
mkdir -p /mnt

mods=$(cd . && ls -d xfs-* | sed 's/^xfs-//')
status=0
r=1
while [ "$r" -le "$XFS_BENCH_ROUNDS" ]; do
	# Rotate the order: each module goes first in some round.
	order=$(echo $mods | awk -v r="$r" '{
		for (i = 0; i < NF; i++) printf "%s ", $((i + r) % NF + 1) }')
	for mod in $order; do
		insmod "./xfs-$mod/xfs.ko" &&
		mount -t xfs /dev/vda /mnt || { status=1; break 2; }
		for load in churn statfs; do
			readers=0
			[ "$load" = statfs ] && readers=2
			line=$(./xfs_load -r "$readers" -t "$XFS_BENCH_SECONDS" /mnt) ||
				status=1
			echo "xfs-bench $r $mod $load ${line#xfs_load: }"
		done
		umount /mnt && rmmod xfs || { status=1; break 2; }
	done
	r=$((r + 1))
done
rmmod constats
echo "xfs-bench: done"
exit $status
