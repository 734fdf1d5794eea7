#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# trixie-root.sh [headers KREL...]: print the path of a cached Debian 13
# root (debootstrap --variant=minbase trixie, with trixie-updates,
# trixie-backports and the security archive in its apt sources, and make
# and sparse installed), building it first if there is none.  Modules for
# trixie's kernels are built there, with trixie's gcc, against headers
# installed there with apt, as that kernel's users build them
# (tools/testing/vm/build.sh does, for any KDIR under this root).
#
#	headers KREL...	also install linux-headers-KREL (e.g.
#			7.3.4+deb13-amd64, from trixie-backports), refreshing
#			the root's apt lists first if apt does not know it,
#			and purge the headers of older kernels of the same
#			flavour: the root keeps the newest kernels only
#
# The mirror is this machine's own (tools/testing/mirror.sh), its apt
# proxy too; the root is rebuilt when the mirror or the recipe below
# changes.
# It lives in $CONSTATS_CACHE/trixie-root; a lock serialises the runs that
# change it.  Commands run in it through tools/testing/chroot.sh (a mount
# namespace of its own: nothing stays mounted).  Needs root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${CONSTATS_CACHE:-$HOME/.cache/constats}
root=$cache/trixie-root
suite=trixie
# Bump when the packages or the configuration of the root change.
recipe=1
base=(make sparse)

if [ "$(id -u)" -ne 0 ]; then
	echo "trixie-root.sh: needs root (debootstrap, chroot)" >&2
	exit 4
fi
case "${1:-}" in
"") ;;
headers) [ $# -ge 2 ] || { echo "usage: trixie-root.sh [headers KREL...]" >&2; exit 2; } ;;
*) echo "usage: trixie-root.sh [headers KREL...]" >&2; exit 2 ;;
esac

mirror=$("$here/mirror.sh")
proxy=$("$here/mirror.sh" proxy)
key=$(echo "recipe $recipe $suite $mirror" | sha256sum | cut -c1-16)

mkdir -p "$cache"
exec 8> "$cache/trixie-root.lock"
flock 8

# set_proxy: the root's apt uses the host's apt proxy, if any.
set_proxy() {
	if [ -n "$proxy" ]; then
		echo "Acquire::http::Proxy \"$proxy\";" > "$root/etc/apt/apt.conf.d/01proxy"
	else
		rm -f "$root/etc/apt/apt.conf.d/01proxy"
	fi
}

# in_root COMMAND...: run COMMAND in the root, in a clean environment.
in_root() {
	"$here/chroot.sh" "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		"$@"
}

if [ "$(cat "$root/.constats-root" 2>/dev/null)" != "$key" ]; then
	start=$(date +%s)
	new=$root.new
	rm -rf --one-file-system "$root" "$new"
	command -v debootstrap > /dev/null ||
		{ echo "trixie-root.sh: debootstrap is missing (make deps)" >&2; exit 1; }
	echo "trixie-root.sh: building a minbase $suite root in $root (once)" >&2
	http_proxy=${proxy:-${http_proxy:-}} \
	debootstrap --variant=minbase "$suite" "$new" "$mirror" \
		> "$cache/trixie-root.log" 2>&1 ||
		{ tail -n 20 "$cache/trixie-root.log" >&2; exit 1; }
	security=$("$here/mirror.sh" security 2>/dev/null) || security=
	rm -f "$new/etc/apt/sources.list"
	cat > "$new/etc/apt/sources.list.d/debian.sources" <<-EOF
	Types: deb
	URIs: $mirror
	Suites: $suite $suite-updates $suite-backports
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	[ -z "$security" ] || cat >> "$new/etc/apt/sources.list.d/debian.sources" <<-EOF

	Types: deb
	URIs: $security
	Suites: $suite-security
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	# No package starts a daemon here, and the root needs no fsync.
	printf '#!/bin/sh\nexit 101\n' > "$new/usr/sbin/policy-rc.d"
	chmod 755 "$new/usr/sbin/policy-rc.d"
	echo force-unsafe-io > "$new/etc/dpkg/dpkg.cfg.d/unsafe-io"
	cp /etc/resolv.conf "$new/etc/resolv.conf"
	root=$new
	set_proxy
	in_root sh -c "apt-get update -qq && apt-get install -y -qq \
		--no-install-recommends ${base[*]} > /dev/null && apt-get clean" >&2
	root=$cache/trixie-root
	mv "$new" "$root"
	echo "$key" > "$root/.constats-root"
	echo "trixie-root.sh: $suite root ready in $(( $(date +%s) - start )) s" >&2
fi

if [ "${1:-}" = headers ]; then
	shift
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	set_proxy
	for krel; do
		[ ! -f "$root/usr/src/linux-headers-$krel/Makefile" ] || continue
		start=$(date +%s)
		# The lists may be older than the mirror, which keeps only the
		# newest kernel: refresh them when apt does not know KREL.
		in_root apt-cache show "linux-headers-$krel" > /dev/null 2>&1 ||
			in_root apt-get update -qq >&2
		# The older kernels of KREL's flavour (7.3.4+deb13-rt-amd64:
		# "rt-amd64"), whose headers make way.
		flavour=${krel#*-}
		old=$( { in_root dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' \
			"linux-headers-*-$flavour" 2>/dev/null || true; } |
			awk -v f="$flavour" -v k="linux-headers-$krel" '
				$1 == "ii" && $2 != k {
					v = substr($2, 15, length($2) - 14 - length(f) - 1)
					if (v !~ /-/) print $2
				}' | paste -sd ' ')
		in_root sh -c "apt-get install -y -qq --no-install-recommends \
			linux-headers-$krel > /dev/null &&
			{ [ -z '$old' ] || apt-get purge -y -qq $old > /dev/null; } &&
			apt-get autoremove --purge -y -qq > /dev/null && apt-get clean" >&2
		if [ ! -f "$root/usr/src/linux-headers-$krel/Makefile" ]; then
			echo "trixie-root.sh: apt-get installed no linux-headers-$krel" >&2
			exit 1
		fi
		echo "trixie-root.sh: linux-headers-$krel installed in" \
			"$(( $(date +%s) - start )) s${old:+, purged $old}" >&2
	done
fi
echo "$root"
