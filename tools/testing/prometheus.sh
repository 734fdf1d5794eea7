#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# prometheus.sh OUT [MODULES [CONSTATS]]: the fleet test, end to end with
# the real programs.  A guest on Debian's 6.1 kernel runs the stress module
# (racy=1) while "constats export --racy" writes a textfile that Debian's
# node_exporter serves on the guest's port 9100; QEMU forwards that port to
# 127.0.0.1 here, where Debian's Prometheus server scrapes it every second.
# After the guest powers off, prometheus_check.py asks Prometheus' HTTP API
# for the stored series and checks the declared invariants at every scraped
# timestamp.  promtool checks the guest's OpenMetrics output, and must
# reject a broken copy of it.
#
# MODULES is a build.sh output for that kernel, CONSTATS a static constats
# binary: both are built into OUT when not given.  Prints the guest console
# and TAP lines ("ok N - ...") for its own checks; exits non-zero if any
# failed.  Every server it starts (Prometheus, QEMU) is stopped on exit,
# and binds to 127.0.0.1 only.
set -euo pipefail

out=${1:?usage: prometheus.sh OUT [MODULES [CONSTATS]]}
top=$(cd "$(dirname "$0")/../.." && pwd)
vm=$top/tools/testing/vm
mkdir -p "$out"
out=$(cd "$out" && pwd)

. "$top/tools/testing/tap.sh"

eval "$("$vm/kernel.sh" bookworm)"
mods=${2:-}
if [ -z "$mods" ] || [ ! -f "$mods/kmod/constats.ko" ]; then
	mods=$out/modules
	"$vm/build.sh" "$KDIR" "$mods" > "$out/build.log" 2>&1
fi
constats=${3:-}
if [ -z "$constats" ] || [ ! -x "$constats" ]; then
	make -s -C "$top/tools/constats" STATIC=1 OUTPUT="$out" > /dev/null
	constats=$out/constats
fi
"$vm/stock-modules.sh" "$MODDIR" "$out/stock" virtio_ring virtio \
	virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover \
	net_failover virtio_net
# node_exporter is static but for libc: its loader and libc go with it.
ne=$out/node-exporter
rm -rf "$ne"
mkdir -p "$ne"
cp /usr/bin/prometheus-node-exporter "$ne/"
for lib in $(ldd /usr/bin/prometheus-node-exporter | grep -o '/[^ ]*'); do
	cp -L "$lib" "$ne/"
done

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
guest_port=$(free_port)
prom_port=$(free_port)
while [ "$prom_port" = "$guest_port" ]; do prom_port=$(free_port); done

tmp=$(mktemp -d)
prom_pid=
stop_prometheus() {
	if [ -n "$prom_pid" ]; then
		kill "$prom_pid" 2> /dev/null || true
		wait "$prom_pid" 2> /dev/null || true
		prom_pid=
	fi
}
trap 'stop_prometheus; rm -rf "$tmp"' EXIT

cat > "$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: constats
    static_configs:
      - targets: ['127.0.0.1:$guest_port']
EOF
promtool check config "$tmp/prometheus.yml" > /dev/null
prometheus --config.file="$tmp/prometheus.yml" \
	--storage.tsdb.path="$tmp/data" \
	--web.listen-address="127.0.0.1:$prom_port" \
	> "$out/prometheus.log" 2>&1 &
prom_pid=$!
url=http://127.0.0.1:$prom_port
ready() {
	for _ in $(seq 60); do
		python3 -c "import urllib.request as u; u.urlopen('$url/-/ready', timeout=2)" \
			2> /dev/null && return 0
		kill -0 "$prom_pid" 2> /dev/null || return 1
		sleep 0.5
	done
	return 1
}
check "Prometheus ready on 127.0.0.1:$prom_port, scraping 127.0.0.1:$guest_port every 1 s" ready

"$vm/initramfs.sh" "$out/fleet.img" "$vm/guest/fleet.sh" \
	"$mods/kmod/constats.ko" "$mods/kmod/tests/constats_stress.ko" \
	"$out"/stock/*.ko "$constats" "$ne"
start=$(date +%s)
status=0
CONSTATS_VM_NET="restrict=on,hostfwd=tcp:127.0.0.1:$guest_port-:9100" \
	"$vm/run.sh" "$VMLINUZ" "$out/fleet.img" "$out/guest.log" 300 || status=$?
echo "# fleet: guest ran $(( $(date +%s) - start )) s"
check "guest finished, console free of kernel splats (status $status)" \
	[ "$status" -eq 0 ]

# promtool on what the guest printed, and on a copy with a quote unescaped.
for name in show textfile; do
	sed -n "/^constats-openmetrics-begin $name\$/,/^constats-openmetrics-end $name /p" \
		"$out/guest.log" | sed '1d;$d' > "$out/$name.om"
	check "promtool check metrics accepts the guest's $name output ($(grep -c '^constats_' "$out/$name.om") samples)" \
		sh -c "[ -s '$out/$name.om' ] && promtool check metrics < '$out/$name.om'"
done
sed 's/\(invariant="[^"]*\) == /\1 "== /' "$out/show.om" > "$out/broken.om"
if ! cmp -s "$out/show.om" "$out/broken.om" &&
   ! promtool check metrics < "$out/broken.om" > "$out/broken.log" 2>&1; then
	ok "promtool rejects a copy with a double quote unescaped in a label: $(head -n 1 "$out/broken.log")"
else
	not_ok "promtool rejects a copy with a double quote unescaped in a label"
fi

# What Prometheus stored, at every scraped timestamp.
check_status=0
python3 "$top/tools/testing/prometheus_check.py" "$url" stress "$n" \
	> "$out/stored.log" || check_status=$?
cat "$out/stored.log"
n=$((n + $(grep -cE '^(not )?ok [0-9]+ ' "$out/stored.log")))
stop_prometheus
listening() { ss -ltnH | grep -qE "127\.0\.0\.1:($prom_port|$guest_port)\b"; }
check "no server left listening on ports $prom_port and $guest_port" eval '! listening'
echo "1..$n"
[ "$failed" -eq 0 ] && [ "$check_status" -eq 0 ]
