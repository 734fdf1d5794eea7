# SPDX-License-Identifier: GPL-2.0
# Guest side of "make demo": live /proc/constats under a gentle workload
# and real kernel events, then the same sets held to their invariants.
insmod ./constats.ko
# Writers in task (every 2 ms), softirq (every tick), hardirq (every 5 ms)
# and, on x86, NMI (every 16th task or hardirq bracket).
insmod ./constats_stress.ko duration=0 delay_us=2000 hrtimer_us=5000
# Interrupts, scheduler and block events from tracepoints, compared every
# 1 ms with the same events summed racily.
insmod ./constats_trace.ko compare_us=1000
# A disk with nothing behind it, from the kernel's own modules, for the
# block set.
insmod ./configfs.ko && insmod ./null_blk.ko
# XFS with the series of samples/xfs, when make demo could build it: its
# inode counters are a set, xfs_vda, that moves as two workers create and
# unlink files and a reader calls statfs(2).
xfs=
if [ -f ./xfs-mods/xfs.ko ]; then
	for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev \
		 virtio_pci virtio_blk crc32c_generic libcrc32c xfs; do
		insmod "./xfs-mods/$m.ko"
	done
	i=0
	while [ ! -b /dev/vda ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
	mkdir -p /mnt
	mount -t xfs /dev/vda /mnt && xfs=1
	[ -n "$xfs" ] && ./xfs_load -w 2 -r 1 -t 15 /mnt > /tmp/xfs_load.txt &
fi
for i in 1 2 3 4; do
	# A small workload: 20 processes and 1 MiB of direct I/O.
	j=0
	while [ $j -lt 20 ]; do /bin/true; j=$((j + 1)); done
	if [ -b /dev/nullb0 ]; then
		dd if=/dev/zero of=/dev/nullb0 bs=64k count=8 oflag=direct 2> /dev/null
		dd if=/dev/nullb0 of=/dev/null bs=64k count=8 iflag=direct 2> /dev/null
	fi
	sleep 2
	echo "--- cat /proc/constats ($((i * 2)) s) ---"
	cat /proc/constats
done
echo "--- constats check -n 100: every declared invariant, 100 snapshots ---"
./constats check -n 100
if [ -n "$xfs" ]; then
	wait
	echo "--- xfs: 2 workers creating and unlinking files, a statfs reader ---"
	cat /tmp/xfs_load.txt
	umount /mnt
	rmmod xfs
fi
rmmod constats_trace
rmmod null_blk configfs
rmmod constats_stress
rmmod constats
echo "--- modules unloaded; the stress run's verdict ---"
dmesg | grep 'constats_stress:' | sed 's/^\[[^]]*\] //'
