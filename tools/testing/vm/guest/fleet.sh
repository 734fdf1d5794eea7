# SPDX-License-Identifier: GPL-2.0
# Guest side of the fleet test (tools/testing/prometheus.sh): "constats
# export" writes the textfile that Debian's node_exporter serves on port
# 9100, which QEMU's user network forwards to a Prometheus server on the
# host, while the stress module runs with racy=1.  The host then asks
# Prometheus what it stored.
. ./lib.sh

FLEET_SECONDS=30

# openmetrics NAME COMMAND...: the command's stdout between markers, for
# the host's promtool; its exit status follows the end marker.
openmetrics() {
	name=$1
	shift
	echo "constats-openmetrics-begin $name"
	"$@"
	echo "constats-openmetrics-end $name $?"
}

# The kernel's own virtio_net, and what it needs, in dependency order.
load_net() {
	for m in virtio_ring virtio virtio_pci_modern_dev \
		 virtio_pci_legacy_dev virtio_pci failover net_failover \
		 virtio_net; do
		insmod "./$m.ko" || return 1
	done
}
tap_check "insmod the kernel's virtio_net and its dependencies" load_net
eth0_exists() { ifconfig eth0 > /dev/null 2>&1; }
tap_check "eth0 appears" wait_for eth0_exists 20
# QEMU's user network (slirp): 10.0.2.15/24, gateway 10.0.2.2.
tap_check "eth0 is 10.0.2.15/24 with gateway 10.0.2.2" \
	sh -c 'ifconfig lo 127.0.0.1 up &&
	       ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up &&
	       route add default gw 10.0.2.2'

tap_check "insmod constats.ko" insmod ./constats.ko
tap_check "constats -o json list is constats -j list" \
	sh -c '[ "$(./constats -o json list)" = "$(./constats -j list)" ]'
./constats -o openmetrics list 2> /dev/null
tap_check "constats -o openmetrics list exits 2 (show and export only)" [ $? -eq 2 ]
./constats -o yaml show 2> /dev/null
tap_check "constats -o yaml exits 2" [ $? -eq 2 ]
./constats show -o openmetrics no_such_set 2> /dev/null
tap_check "constats show -o openmetrics naming no set exits 1" [ $? -eq 1 ]
./constats export 2> /dev/null
tap_check "constats export without --textfile-dir exits 2" [ $? -eq 2 ]
mkdir -p /tmp/textfile
# A static Go binary but for libc: run it through its own dynamic loader.
ne=./node-exporter
"$ne/ld-linux-x86-64.so.2" --library-path "$ne" "$ne/prometheus-node-exporter" \
	--web.listen-address=:9100 --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory=/tmp/textfile \
	> /tmp/node-exporter.log 2>&1 &
node_exporter=$!
./constats export --textfile-dir /tmp/textfile -i 1 --racy &
exporter=$!
metrics_served() {
	wget -q -O /tmp/metrics.txt http://127.0.0.1:9100/metrics 2> /dev/null &&
		grep -q '^constats_up 1$' /tmp/metrics.txt
}
tap_check "node_exporter serves constats_up 1 on port 9100" \
	wait_for metrics_served 30 || cat /tmp/node-exporter.log

verdicts0=$(dmesg | grep -c "constats_stress: End of test:")
# Without its NMI writers (guest/check.sh runs those): under TCG, an NMI
# every 16 brackets leaves node_exporter too little of the guest to answer
# a scrape within the second.  A module without the parameter ignores it.
tap_check "insmod constats_stress.ko duration=$FLEET_SECONDS racy=1 nmi_interval=0" \
	insmod ./constats_stress.ko duration="$FLEET_SECONDS" racy=1 nmi_interval=0
# Its kthreads run flat out on every CPU: at nice 19 they leave the
# exporter and node_exporter (nice 0) their turn, to answer every scrape.
for p in /proc/[0-9]*; do
	case "$(cat "$p/comm" 2> /dev/null)" in
	constats_stress*) renice -n 19 -p "${p#/proc/}" > /dev/null ;;
	esac
done
echo "constats-fleet: stress started at $(date +%s)"
sleep 5
openmetrics show ./constats show -o openmetrics --racy
openmetrics textfile cat /tmp/textfile/constats.prom
stress_ended() {
	[ "$(dmesg | grep -c "constats_stress: End of test:")" -gt "$verdicts0" ]
}
tap_check "stress run ends with a verdict" \
	wait_for stress_ended $((FLEET_SECONDS + 60))
echo "constats-fleet: stress ended at $(date +%s)"
# A few more scrapes of the final values.
sleep 3
tap_check "stress verdict is SUCCESS" \
	sh -c 'dmesg | grep "constats_stress: End of test:" | tail -n 1 |
	       grep -q SUCCESS'
racy_line=$(dmesg | grep "constats_stress: racy sums=" | tail -n 1)
racy_bad=${racy_line##*violations=}
echo "constats-fleet: kernel ${racy_line#*constats_stress: }"
tap_check "the stress module's own racy sums tore: ${racy_line#*racy }" \
	[ "${racy_bad:-0}" -gt 0 ]
tap_check "node_exporter read the textfile without error" \
	sh -c 'wget -q -O - http://127.0.0.1:9100/metrics |
	       grep -q "^node_textfile_scrape_error 0$"'

kill -TERM "$exporter"
wait "$exporter"
tap_check "constats export stops on SIGTERM" [ $? -eq 0 ]
tap_check "constats export left no temporary file" \
	sh -c '[ "$(ls -A /tmp/textfile)" = constats.prom ]'
kill "$node_exporter"
wait "$node_exporter"
tap_check "rmmod constats_stress constats" rmmod constats_stress constats
./constats export --textfile-dir /tmp/textfile
tap_check "constats export without the module exits 3" [ $? -eq 3 ]
tap_check "... and writes constats_up 0" \
	grep -q '^constats_up 0$' /tmp/textfile/constats.prom
tap_done
