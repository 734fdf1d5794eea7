#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh OUT: the Debian packages, built and installed as a user would.
# make deb (tools/packaging/build-deb.sh) builds constats-dkms,
# constats-tools and constats-dev into OUT/deb and runs lintian; then the
# three go into a fresh Debian 12 root (debootstrap --variant=minbase
# bookworm, kept pristine as $CONSTATS_CACHE/deb-root-bookworm.tar.gz and
# unpacked anew each run) with bookworm's linux-headers-amd64, with apt-get
# in a chroot inside a private mount namespace (tools/testing/chroot.sh,
# which also works inside a plain chroot, as sbuild and pbuilder run
# builds).  DKMS builds constats.ko there for the 6.1 headers; nothing
# is loaded anywhere.  Prints TAP lines
# ("ok N - ...") and exits non-zero if any failed.  Needs root.
set -euo pipefail

out=${1:?usage: deb.sh OUT}
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${CONSTATS_CACHE:-$HOME/.cache/constats}
# The Debian mirror of this machine's own apt sources (mirror.sh), and
# its apt proxy, if any, for debootstrap and the root's apt.
mirror=$("$top/tools/testing/mirror.sh")
proxy=$("$top/tools/testing/mirror.sh" proxy)
mkdir -p "$out" "$cache/deb-root-apt"
out=$(cd "$out" && pwd)

. "$top/tools/testing/tap.sh"
finish() { echo "1..$n"; [ "$failed" -eq 0 ]; exit; }

if [ "$(id -u)" -ne 0 ]; then
	echo "deb.sh: needs root (debootstrap, chroot)" >&2
	exit 4
fi

start=$(date +%s)
if "$top/tools/packaging/build-deb.sh" "$out/deb" > "$out/build-deb.log" 2>&1; then
	ok "make deb: $(cd "$out/deb" && echo constats-{dkms,tools,dev}_*.deb) ($(( $(date +%s) - start )) s)"
else
	tail -n 40 "$out/build-deb.log"
	not_ok "make deb: dpkg-buildpackage and lintian"
	finish
fi
lintian=$(grep '^lintian: ' "$out/build-deb.log")
check "$lintian" grep -q '^lintian: 0 errors' <<< "$lintian"
grep -E '^[EW]: ' "$out/deb/lintian.log" || true

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Keyed by the mirror, which debootstrap writes into its sources.list.
tarball=$cache/deb-root-bookworm-$(echo "$mirror" | sha256sum | cut -c1-8).tar.gz
if [ ! -f "$tarball" ]; then
	start=$(date +%s)
	http_proxy=${proxy:-${http_proxy:-}} \
	debootstrap --variant=minbase bookworm "$tmp/pristine" "$mirror" \
		> "$out/debootstrap.log" 2>&1
	tar -C "$tmp/pristine" -czf "$tarball.tmp" .
	mv "$tarball.tmp" "$tarball"
	# Roots from another mirror.
	find "$cache" -maxdepth 1 -name 'deb-root-bookworm*.tar.gz' ! -path "$tarball" -delete
	rm -rf "$tmp/pristine"
	echo "# deb: debootstrap --variant=minbase bookworm took $(( $(date +%s) - start )) s"
fi
root=$tmp/root
mkdir -p "$root"
tar -C "$root" -xzf "$tarball"
cp /etc/resolv.conf "$root/etc/resolv.conf"
[ -z "$proxy" ] ||
	echo "Acquire::http::Proxy \"$proxy\";" > "$root/etc/apt/apt.conf.d/01proxy"
mkdir -p "$root/debs" "$root/mod"
cp "$out"/deb/constats-{dkms,tools,dev}_*.deb "$root/debs/"

# A module of another package, built against constats-dev's header and
# the Module.symvers of the same sources, as README.Debian says.
cat > "$root/mod/user.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/constats.h>

static const char *const names[] = { "a", "b" };
static struct constats *set;

static int __init user_init(void)
{
	set = constats_create("user", names, ARRAY_SIZE(names));
	return PTR_ERR_OR_ZERO(set);
}

static void __exit user_exit(void)
{
	constats_destroy(set);
}

module_init(user_init);
module_exit(user_exit);
MODULE_LICENSE("GPL");
EOF
echo 'obj-m := user.o' > "$root/mod/Kbuild"

cat > "$root/run.sh" <<'EOF'
set -eu
export DEBIAN_FRONTEND=noninteractive
# No service starts in the chroot, and a root thrown away needs no fsync.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
echo force-unsafe-io > /etc/dpkg/dpkg.cfg.d/unsafe-io
t0=$(date +%s)
apt-get update -qq
apt-get install -y -qq --no-install-recommends linux-headers-amd64 > /dev/null
krel=$(ls /lib/modules)
t1=$(date +%s)
echo "constats-deb: krel $krel"
apt-get install -y -qq --no-install-recommends /debs/*.deb
t2=$(date +%s)
echo "# deb: apt-get install linux-headers-amd64 $((t1 - t0)) s, the packages with the DKMS build $((t2 - t1)) s"
echo "constats-deb: dkms status: $(dkms status)"
echo "constats-deb: dkms built: $(find /var/lib/dkms/constats -name make.log \
	-exec sed -n 's|^ *LD \[M\] *\(.*/\)*\([^/]*\.ko\)$|\2|p' {} + | sort -u | paste -sd ' ')"
echo "constats-deb: version: $(constats --version)"
constats export --textfile-dir /tmp && status=0 || status=$?
echo "constats-deb: export without the module: $status, $(grep '^constats_up' /tmp/constats.prom)"
cp -r /usr/src/constats-0.1.0 /tmp/constats
make -s -C "/lib/modules/$krel/build" M=/tmp/constats modules 2>&1
make -s -C "/lib/modules/$krel/build" M=/mod \
	ccflags-y=-I/usr/src/constats-0.1.0/include \
	KBUILD_EXTRA_SYMBOLS=/tmp/constats/Module.symvers modules 2>&1
echo "constats-deb: CRCs as DKMS' constats.ko: $(
	modprobe --dump-modversions /tmp/constats/kmod/constats.ko | sort | md5sum |
	cut -c1-8) $(modprobe --dump-modversions \
	"/lib/modules/$krel/updates/dkms/constats.ko" | sort | md5sum | cut -c1-8)"
echo "constats-deb: user.ko depends: $(modinfo -F depends /mod/user.ko)"
EOF

# chroot.sh: a mount namespace of its own, which works in a plain chroot
# too (sbuild, pbuilder), where "/" is not a mount point.
start=$(date +%s)
status=0
"$top/tools/testing/chroot.sh" -b "$cache/deb-root-apt:/var/cache/apt/archives" \
	"$root" /bin/bash /run.sh > "$out/chroot.log" 2>&1 || status=$?
echo "# deb: install into the fresh root and DKMS build took $(( $(date +%s) - start )) s"
check "apt-get install linux-headers-amd64 and the three packages in a fresh bookworm root (status $status)" \
	[ "$status" -eq 0 ]
[ "$status" -eq 0 ] || tail -n 30 "$out/chroot.log"
krel=$(sed -n 's/^constats-deb: krel //p' "$out/chroot.log")
dkms_status=$(sed -n 's/^constats-deb: dkms status: //p' "$out/chroot.log")
check "dkms status: $dkms_status" \
	grep -q "^constats/0.1.0, $krel, x86_64: installed" <<< "$dkms_status"
check "constats.ko installed for $krel, built for it" \
	sh -c "modinfo -F vermagic '$root/lib/modules/$krel/updates/dkms/constats.ko' | grep -q '^$krel '"
built=$(sed -n 's/^constats-deb: dkms built: //p' "$out/chroot.log")
check "DKMS built constats.ko alone, no test module or sample: $built" \
	[ "$built" = constats.ko ]
version=$(sed -n 's/^constats-deb: version: //p' "$out/chroot.log")
check "constats --version: $version" [ "$version" = "constats 0.1.0 (ABI 1)" ]
check "constats export without the module: $(sed -n 's/^constats-deb: export without the module: //p' "$out/chroot.log")" \
	grep -q '^constats-deb: export without the module: 3, constats_up 0$' "$out/chroot.log"
check "constats(8) and constats-export.service installed" \
	test -f "$root/usr/share/man/man8/constats.8.gz" \
	  -a -f "$root/lib/systemd/system/constats-export.service"
crcs=$(sed -n "s/^constats-deb: CRCs as DKMS' constats.ko: //p" "$out/chroot.log")
check "the sources' Module.symvers has the CRCs of the DKMS-built constats.ko ($crcs)" \
	test -n "${crcs% *}" -a "${crcs% *}" = "${crcs#* }"
grep '^# deb: ' "$out/chroot.log" || true
check "constats-dev: a module built against its header and the sources' Module.symvers links to constats" \
	grep -q '^constats-deb: user.ko depends: constats$' "$out/chroot.log"

# The newest kernels of Debian 13, stock and PREEMPT_RT, from
# trixie-backports, as their users install constats-dkms: in a
# throwaway overlay of the cached trixie root (trixie-root.sh: its lists
# and the headers it holds stay as they were), with the headers the
# metapackages name today.  DKMS must build constats.ko alone for each,
# with trixie's gcc.
mkdir -p "$tmp/trixie" "$cache/trixie-root-apt"
cat > "$tmp/trixie/run.sh" <<'EOF'
set -eu
export DEBIAN_FRONTEND=noninteractive
t0=$(date +%s)
apt-get update -qq
apt-get install -y -qq --no-install-recommends -t trixie-backports \
	linux-headers-amd64 linux-headers-rt-amd64 > /dev/null
t1=$(date +%s)
apt-get install -y -qq --no-install-recommends /debs/constats-dkms_*.deb > /dev/null
t2=$(date +%s)
echo "# deb: trixie: apt-get install the headers $((t1 - t0)) s, constats-dkms with the DKMS builds $((t2 - t1)) s"
for meta in linux-headers-amd64 linux-headers-rt-amd64; do
	krel=$(apt-cache depends "$meta" |
		sed -n 's/^ *Depends: linux-headers-\([0-9].*\)$/\1/p')
	ko=/lib/modules/$krel/updates/dkms/constats.ko
	echo "constats-deb-trixie: $krel: $(dkms status -k "$krel" constats);" \
		"vermagic $(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)"
done
echo "constats-deb-trixie: dkms built: $(find /var/lib/dkms/constats -name make.log \
	-exec sed -n 's|^ *LD \[M\] *\(.*/\)*\([^/]*\.ko\)$|\2|p' {} + | sort -u | paste -sd ' ')"
EOF
start=$(date +%s)
status=0
troot=$("$top/tools/testing/trixie-root.sh" 2> "$out/trixie-root.log") &&
	"$top/tools/testing/chroot.sh" -o -b "$tmp/trixie:/constats" \
		-b "$out/deb:/debs" -b "$cache/trixie-root-apt:/var/cache/apt/archives" \
		"$troot" /bin/bash /constats/run.sh > "$out/chroot-trixie.log" 2>&1 ||
	status=$?
echo "# deb: trixie: the newest headers, constats-dkms and its DKMS builds took $(( $(date +%s) - start )) s"
check "trixie: apt-get install -t trixie-backports linux-headers-amd64 linux-headers-rt-amd64 constats-dkms (status $status)" \
	[ "$status" -eq 0 ]
[ "$status" -eq 0 ] || tail -n 30 "$out/trixie-root.log" "$out/chroot-trixie.log"
grep '^# deb: ' "$out/chroot-trixie.log" || true
nkrel=0
while read -r krel line; do
	nkrel=$((nkrel + 1))
	check "trixie: DKMS built constats.ko for ${krel%:}: $line" \
		grep -q "^constats/0.1.0, ${krel%:}, x86_64: installed; vermagic ${krel%:}$" <<< "$line"
done < <(sed -n 's/^constats-deb-trixie: \([0-9][^ ]*:\) /\1 /p' "$out/chroot-trixie.log")
check "trixie: DKMS built for a stock and a PREEMPT_RT kernel ($nkrel)" [ "$nkrel" -eq 2 ]
built=$(sed -n 's/^constats-deb-trixie: dkms built: //p' "$out/chroot-trixie.log")
check "trixie: DKMS built constats.ko alone: $built" [ "$built" = constats.ko ]
finish
