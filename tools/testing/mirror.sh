#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mirror.sh [archive|security|proxy]: print the Debian mirror this machine's
# apt uses, so that no script names a mirror host.  Every script that
# fetches Debian packages (private apt configurations, debootstrap, the
# sources of a fresh root) asks here.
#
#	archive		(default) the Debian archive's URI, e.g.
#			<scheme>://<host>/debian, with no trailing slash:
#			the repository of a release suite (bookworm, trixie,
#			...; not -security, -updates or -backports)
#	security	the security archive's URI (the repository of a
#			<release>-security suite)
#	proxy		apt's Acquire::http::Proxy, or nothing: debootstrap
#			and a chroot's apt need it given (http_proxy, an
#			apt.conf line), as they do not read the host's apt.conf
#
# The URIs are the ones apt itself parsed from sources.list and the deb822
# .sources files (apt-get indextargets), so a local mirror or an apt proxy
# written as a URI (apt-cacher-ng's http://<proxy>:3142/<host>/debian)
# carries over.  Once apt-get update has run, repositories whose Release
# file names an origin other than Debian are left out.  CONSTATS_MIRROR
# and CONSTATS_MIRROR_SECURITY override what apt says.  Exits 1 with a
# message naming them if apt has no such source.
set -euo pipefail

what=${1:-archive}

# uris KIND: the candidate URIs, best first: those whose Release file
# says Debian, then (only if there is none) those apt has no Release file
# for yet, before its first apt-get update; never one whose Release file
# names another origin.  Each apt-get indextargets takes a second.
uris() {
	local known
	known=$(apt-get indextargets \
		--format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(ORIGIN)' 2>/dev/null)
	pick "$1" <<< "$known"
	[ -z "$(pick "$1" <<< "$known")" ] || return 0
	{
		echo "$known"
		apt-get indextargets --no-release-info \
			--format '$(TARGET_OF) $(REPO_URI) $(RELEASE) ?' 2>/dev/null
	} | pick "$1"
}

# pick KIND: the URIs of KIND in indextargets lines "deb URI SUITE ORIGIN"
# (ORIGIN "?" when apt has no Release file for it).
pick() {
	awk -v kind="$1" '
		$1 != "deb" { next }
		kind == "archive" && $3 !~ /^[a-z]+$/ { next }
		kind == "security" && $3 !~ /^[a-z]+-security$/ { next }
		{ sub(/\/+$/, "", $2) }
		$4 != "?" { origin[$2] = $4 }
		$4 == "Debian" || ($4 == "?" && !($2 in origin)) {
			if (!seen[$2]++) print $2
		}'
}

case "$what" in
archive)
	if [ -n "${CONSTATS_MIRROR:-}" ]; then
		echo "${CONSTATS_MIRROR%/}"
		exit 0
	fi
	;;
security)
	if [ -n "${CONSTATS_MIRROR_SECURITY:-}" ]; then
		echo "${CONSTATS_MIRROR_SECURITY%/}"
		exit 0
	fi
	;;
proxy)
	apt-config shell p Acquire::http::Proxy | sed -n "s/^p='\(.*\)'$/\1/p" |
		grep -vx -e '' -e DIRECT || true
	exit 0
	;;
*)
	echo "usage: mirror.sh [archive|security|proxy]" >&2
	exit 2
	;;
esac

uri=$(uris "$what" | head -n 1)
if [ -z "$uri" ]; then
	name=CONSTATS_MIRROR
	[ "$what" = archive ] || name=CONSTATS_MIRROR_SECURITY
	echo "mirror.sh: apt has no Debian $what source (sources.list or" \
		"sources.list.d/*.sources, as 'apt-get indextargets' lists them);" \
		"add one, or set $name to the URI to use" >&2
	exit 1
fi
echo "$uri"
