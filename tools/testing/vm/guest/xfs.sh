# SPDX-License-Identifier: GPL-2.0
# Guest side of make check's XFS test (tools/testing/xfs/check.sh): the
# same load on Debian's stock xfs.ko, on /dev/vda, then on ours, built with
# the series of samples/xfs/ and using constats, on /dev/vdb.  Churn on
# every vCPU allocates and frees inode chunks while statfs readers check
# every result, and syncfs, freeze and thaw make XFS log its superblock.
# The host runs xfs_repair -n on both disks afterwards.
. ./lib.sh

XFS_SECONDS=20
XFS_FREEZE_MS=1000
# The host may override the above.
[ -f ./xfs.conf ] && . ./xfs.conf

load_disks() {
	for m in virtio_ring virtio virtio_pci_modern_dev \
		 virtio_pci_legacy_dev virtio_pci virtio_blk crc32c_generic \
		 libcrc32c; do
		insmod "./$m.ko" || return 1
	done
}
tap_check "insmod the kernel's virtio_blk, libcrc32c and their dependencies" load_disks
disks_ready() { [ -b /dev/vda ] && [ -b /dev/vdb ]; }
tap_check "/dev/vda and /dev/vdb appear" wait_for disks_ready 30
mkdir -p /mnt

# load NAME DEV: mount DEV, run the load, print its line as
# "xfs-result NAME ...", unmount.
load() {
	tap_check "$1: mount -t xfs $2" mount -t xfs "$2" /mnt || return 1
	./xfs_load -l -t "$XFS_SECONDS" -F "$XFS_FREEZE_MS" /mnt > "/tmp/$1.txt"
	tap_check "$1: xfs_load ran $XFS_SECONDS s: $(cat "/tmp/$1.txt")" [ $? -eq 0 ]
	sed "s/^xfs_load:/xfs-result $1/" "/tmp/$1.txt"
	tap_check "$1: umount" umount /mnt
}
# field NAME KEY: a value of NAME's xfs_load line.
field() { sed -n "s/.* $2=\([-0-9.]*\).*/\1/p" "/tmp/$1.txt"; }

tap_check "stock: insmod Debian's xfs.ko" insmod ./xfs-stock/xfs.ko
load stock /dev/vda
tap_check "stock: rmmod xfs" rmmod xfs

tap_check "patched: insmod constats.ko" insmod ./constats.ko
tap_check "patched: insmod our xfs.ko" insmod ./xfs-patched/xfs.ko
tap_check "patched: mount -t xfs /dev/vdb" mount -t xfs /dev/vdb /mnt
tap_check "patched: the mount's set xfs_vdb shows icount and ifree" \
	sh -c 'grep -q "^xfs_vdb icount [0-9]" /proc/constats &&
	       grep -q "^xfs_vdb ifree [0-9]" /proc/constats'
grep "^xfs_vdb " /proc/constats
# constats check beside the load: fresh snapshots, each held to the
# invariants the set declares.
(sleep 2; ./constats check -n 40 xfs_vdb > /tmp/check.txt 2>&1;
 echo "status $?" >> /tmp/check.txt) &
checker=$!
./xfs_load -l -t "$XFS_SECONDS" -F "$XFS_FREEZE_MS" /mnt > /tmp/patched.txt
tap_check "patched: xfs_load ran $XFS_SECONDS s: $(cat /tmp/patched.txt)" [ $? -eq 0 ]
sed "s/^xfs_load:/xfs-result patched/" /tmp/patched.txt
wait "$checker"
cat /tmp/check.txt
tap_check "patched: statfs never showed more free inodes than inodes ($(field patched torn) of $(field patched statfs))" \
	[ "$(field patched torn)" = 0 ]
tap_check "patched: statfs never showed fewer inodes in use than exist ($(field patched below) below $(field patched floor))" \
	[ "$(field patched below)" = 0 ]
tap_check "patched: constats check -n 40 xfs_vdb under the load: both declared invariants held" \
	grep -q "^all 2 invariants held in 40 snapshots$" /tmp/check.txt
tap_check "patched: the load froze and thawed the file system ($(field patched freezes) times)" \
	[ "$(field patched freezes)" -gt 0 ]
grep "^xfs_vdb " /proc/constats
tap_check "patched: umount" umount /mnt
tap_check "patched: the set is gone with the mount" \
	sh -c '! grep -q "^xfs_vdb " /proc/constats'
tap_check "patched: rmmod xfs" rmmod xfs
tap_check "patched: declared invariants held in every snapshot: invariant_violations == 0" \
	[ "$(proc_value constats invariant_violations)" = 0 ]
tap_check "patched: rmmod constats" rmmod constats
tap_done
