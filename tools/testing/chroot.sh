#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# chroot.sh [-o] [-b SRC:DST]... ROOT COMMAND...: run COMMAND in a chroot
# of ROOT, with /proc and a /dev/pts of its own mounted, inside a mount
# namespace of its own, so that whatever is mounted there goes away with
# its last process, however it ends.
#
#	-o		throwaway: ROOT is only the lower layer of an overlay
#			whose upper layer is a tmpfs; nothing COMMAND writes
#			survives, and several runs may share one ROOT
#	-b SRC:DST	bind-mount the host's SRC at DST in the chroot (DST
#			is created if missing; with -o, on the tmpfs)
#
# It works both on a normal machine and in a plain chroot, the way sbuild
# and pbuilder run builds, where "/" is not a mount point: there
# "unshare --mount" cannot make "/" private (EINVAL, "cannot change root
# filesystem propagation").  So every mount goes under a directory of our
# own, made a mount point first (a bind mount of itself, in the caller's
# namespace), which the new namespace makes a slave: nothing mounted
# below it propagates back, and unmounting it at the end, in the caller's
# namespace, reaches any copy that propagated out.  Needs root.
set -euo pipefail

usage() {
	echo "usage: chroot.sh [-o] [-b SRC:DST]... ROOT COMMAND..." >&2
	exit 2
}
overlay=0
binds=()
while getopts ob: opt; do
	case "$opt" in
	o) overlay=1 ;;
	b) binds+=("$OPTARG") ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || usage
root=$(cd "$1" && pwd -P)
shift

dir=$(mktemp -d "${TMPDIR:-/tmp}/constats-chroot.XXXXXX")
cleanup() {
	umount "$dir" 2>/dev/null || umount -l "$dir" 2>/dev/null || true
	# Only empty directories: never anything through a mount.
	rmdir "$dir/root" "$dir/rw" 2>/dev/null || true
	rmdir "$dir" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
mount --bind "$dir" "$dir"

# shellcheck disable=SC2016 # expanded by the inner shell
unshare --mount --propagation unchanged --fork /bin/bash -c '
	set -euo pipefail
	dir=$1 root=$2 overlay=$3 nbinds=$4
	shift 4
	mount --make-rslave "$dir"
	mkdir "$dir/root"
	if [ "$overlay" = 1 ]; then
		mkdir "$dir/rw"
		mount -t tmpfs -o mode=755 rw "$dir/rw"
		mkdir "$dir/rw/upper" "$dir/rw/work"
		mount -t overlay overlay -o "lowerdir=$root,upperdir=$dir/rw/upper,workdir=$dir/rw/work" \
			"$dir/root"
	else
		mount --bind "$root" "$dir/root"
	fi
	mount -t proc proc "$dir/root/proc"
	# A devpts of its own, for apt and dpkg, which log through a pty.
	[ ! -d "$dir/root/dev/pts" ] ||
		mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$dir/root/dev/pts"
	while [ "$nbinds" -gt 0 ]; do
		src=${1%%:*} dst=${1#*:}
		shift
		nbinds=$((nbinds - 1))
		mkdir -p "$dir/root/$dst"
		mount --bind "$src" "$dir/root/$dst"
	done
	exec chroot "$dir/root" "$@"' chroot.sh "$dir" "$root" "$overlay" "${#binds[@]}" \
	"${binds[@]}" "$@"
