#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fresh.sh [COMMAND...]: run "make check" (or COMMAND, e.g. "make demo" or
# "bash .ci/run") as root in a bare Debian 12 root, to prove that
# tools/testing/vm/deps.sh installs everything the tests need.
#
#	make check-fresh		# or: tools/testing/fresh.sh make demo
#
# The root is "debootstrap --variant=minbase bookworm" from the Debian
# mirror of the host's own apt sources (tools/testing/mirror.sh), built
# once and kept as a pristine tarball under $CONSTATS_CACHE/fresh-root-<hash
# of this script and the mirror>; each run unpacks it anew into $CONSTATS_CACHE/fresh-run, so
# nothing a run installs survives into the next.  Inside, the tree is a
# git clone of this repository's HEAD (commit first: uncommitted changes
# are not tested), apt-get installs only make when COMMAND is make (as
# .ci/run does; "bash .ci/run" installs what it needs itself), and
# COMMAND runs with an empty CONSTATS_CACHE in the chroot, so no warm
# cache can hide a missing package.
#
# The chroot gets its own /proc, a read-only /sys, and a private /dev
# (tmpfs with a few nodes and a new devpts instance): never the host's
# /dev.  Its root is a private mount point, or with CONSTATS_FRESH_PLAIN=1
# a plain directory, as in sbuild's and pbuilder's chroots.  Everything is unmounted on exit, failure or interrupt included.
# The host's apt sources and /boot are never touched (debootstrap itself is
# installed on the host if missing).  Ends with the chroot's
# "N passed, N failed" line and COMMAND's exit status.  The run's root is
# removed after a success and kept for its logs after a failure.
set -euo pipefail

[ $# -gt 0 ] || set -- make check
if [ "$(id -u)" -ne 0 ]; then
	echo "fresh.sh: needs root (debootstrap, chroot, mount)" >&2
	exit 4
fi

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${CONSTATS_CACHE:-$HOME/.cache/constats}
suite=bookworm
# The Debian mirrors of this machine's own apt sources (mirror.sh; set
# CONSTATS_MIRROR and CONSTATS_MIRROR_SECURITY to override), and its apt
# proxy, if any, which debootstrap and the root's apt are given too.
mirror=$("$top/tools/testing/mirror.sh")
security=$("$top/tools/testing/mirror.sh" security 2>/dev/null) || security=
proxy=$("$top/tools/testing/mirror.sh" proxy)
mkdir -p "$cache"
cache=$(cd "$cache" && pwd -P)	# /proc/PID/root shows the real path
# The root is rebuilt when this script or apt's mirror changes.
hash=$( (cat "$0"; echo "$mirror $security $proxy") | sha256sum | cut -c1-12)
pristine=$cache/fresh-root-$hash.tar.gz
start=$(date +%s)

# One run at a time: they share $root.
exec 9> "$cache/fresh.lock"
flock -n 9 || { echo "fresh.sh: another run holds $cache/fresh.lock" >&2; exit 1; }

# The mount points under $root that are still mounted, deepest first.
mounts() {
	awk -v r="$root" '$5 == r || index($5, r "/") == 1 { print $5 }' \
		/proc/self/mountinfo | sort -r
}

cleanup() {
	local proc mnt
	# Anything still running in the chroot (a QEMU after an interrupt).
	for proc in /proc/[0-9]*; do
		[ "$(readlink "$proc/root" 2>/dev/null)" = "$root" ] &&
			kill -9 "${proc#/proc/}" 2>/dev/null
	done
	sleep 1
	for mnt in $(mounts); do
		umount "$mnt" 2>/dev/null || umount -l "$mnt" ||
			echo "fresh.sh: could not unmount $mnt" >&2
	done
}

# rm -rf that never crosses into a mounted file system.
remove_root() {
	cleanup
	if [ -n "$(mounts)" ]; then
		echo "fresh.sh: $root still has mounts; not removing it" >&2
		return 1
	fi
	rm -rf --one-file-system "$root"
}

root=$cache/fresh-run
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if [ ! -f "$pristine" ]; then
	command -v debootstrap > /dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends debootstrap > /dev/null
	echo "fresh.sh: building a minbase $suite root (once; cached as $pristine)"
	root=$cache/fresh-debootstrap
	tmp=$root
	remove_root
	http_proxy=${proxy:-${http_proxy:-}} \
	debootstrap --variant=minbase "$suite" "$tmp" "$mirror" > "$cache/fresh-debootstrap.log" 2>&1 ||
		{ tail -n 20 "$cache/fresh-debootstrap.log" >&2; remove_root; exit 1; }
	# The sources of a standard Debian 12 install, as on the host.
	rm -f "$tmp/etc/apt/sources.list"
	cat > "$tmp/etc/apt/sources.list.d/debian.sources" <<-EOF
	Types: deb
	URIs: $mirror
	Suites: $suite $suite-updates
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	[ -z "$security" ] || cat >> "$tmp/etc/apt/sources.list.d/debian.sources" <<-EOF

	Types: deb
	URIs: $security
	Suites: $suite-security
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	[ -z "$proxy" ] ||
		echo "Acquire::http::Proxy \"$proxy\";" > "$tmp/etc/apt/apt.conf.d/01proxy"
	# No package may start a daemon in the chroot.
	printf '#!/bin/sh\nexit 101\n' > "$tmp/usr/sbin/policy-rc.d"
	chmod 755 "$tmp/usr/sbin/policy-rc.d"
	tar --numeric-owner -C "$tmp" -czf "$pristine.tmp" .
	mv "$pristine.tmp" "$pristine"
	remove_root
	# Roots of older versions of this script.
	find "$cache" -maxdepth 1 -name 'fresh-root-*.tar.gz' ! -path "$pristine" -delete
fi

root=$cache/fresh-run
remove_root
mkdir -p "$root"
tar --numeric-owner -C "$root" -xzf "$pristine"
cp /etc/resolv.conf "$root/etc/resolv.conf"

head=$(git -C "$top" rev-parse HEAD)
git clone -q --no-checkout "$top" "$root/root/constats"
git -C "$root/root/constats" checkout -q --detach "$head"
echo "fresh.sh: $(git -C "$top" log -1 --format='%h %s' "$head")"

# The root a mount point of its own, and private, so that nothing mounted
# below it propagates to the host; inside it, as on a machine, "/" is a
# mount.  CONSTATS_FRESH_PLAIN=1 leaves it a plain directory instead, as
# sbuild and pbuilder run builds (the scripts' own mount namespaces,
# tools/testing/chroot.sh, must work there too).
if [ "${CONSTATS_FRESH_PLAIN:-0}" = 0 ]; then
	mount --bind "$root" "$root"
	mount --make-private "$root"
fi
mount -t proc proc "$root/proc"
mount -t sysfs -o ro sysfs "$root/sys"
mount -t tmpfs -o mode=755,nosuid dev "$root/dev"
for node in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
	IFS=: read -r name major minor <<< "$node"
	mknod -m 666 "$root/dev/$name" c "$major" "$minor"
done
mkdir -p "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"

# make if COMMAND is make, as .ci/run installs it; then COMMAND in the
# clone, with a clean environment and the chroot's own (empty) cache.
log=$cache/fresh-run.log
set +e
# shellcheck disable=SC2016 # $1 and $@ expand in the chroot
chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive CONSTATS_CACHE=/root/.cache/constats \
	${CONSTATS_DEBUG_VARIANTS+CONSTATS_DEBUG_VARIANTS="$CONSTATS_DEBUG_VARIANTS"} \
	/bin/bash -c '{ [ "$1" != make ] || { apt-get update -qq &&
		apt-get install -y -qq --no-install-recommends make > /dev/null; }; } &&
		cd /root/constats && exec "$@"' fresh "$@" < /dev/null 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1 || true)
echo "fresh.sh: '$*' in a fresh $suite root: status $status after $(( ($(date +%s) - start) / 60 )) min"
if [ "$status" -eq 0 ]; then
	remove_root
else
	echo "fresh.sh: logs kept in $root/root/constats/tools/testing/vm/out (console in $log)"
fi
[ -z "$summary" ] || echo "$summary"
exit "$status"
