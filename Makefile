# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of constats.ko and its test modules.  Kbuild holds the
# object lists; this file drives the kernel build system and the tests.
#
#   make [KDIR=...]      build constats.ko (default: for the running kernel);
#                        CONSTATS_TESTS=1 adds the test modules and samples
#   make demo            boot a VM and show /proc/constats changing
#   make check           every test, ending "N passed, N failed"
#   make check-fresh     make check in a bare Debian 12 chroot (root only)
#   make htmldocs        Documentation/ as HTML (Sphinx, warnings are errors)
#   make bench           benchmarks: report and plots
#   make torture         a long torture run on the debug kernel (DURATION=s)
#   make deps            install the Debian packages the targets need
#   make install         modules_install plus the headers (see below)
#   make man             constats(8) from Documentation/tool.rst (MANDIR=...)
#   make deb             Debian packages constats-dkms, -tools and -dev in
#                        DEB_OUT (default out/deb), checked with lintian
#   make xfs             xfs.ko for Debian's 6.1 with the series of
#                        samples/xfs; prints its path last

KDIR ?= /lib/modules/$(shell uname -r)/build
export CONSTATS_CACHE ?= $(HOME)/.cache/constats
VM := tools/testing/vm

all: modules

modules:
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "constats: no kernel build tree at KDIR=$(KDIR)." >&2; \
		echo "  Install headers for the kernel you build for (apt-get install linux-headers-amd64)" >&2; \
		echo "  and pass KDIR=/usr/src/linux-headers-<version>, or use 'make demo' / 'make check'," >&2; \
		echo "  which fetch a Debian kernel and its headers into $(CONSTATS_CACHE)." >&2; \
		exit 1; \
	fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Documentation/kbuild/modules.rst: INSTALL_MOD_PATH and INSTALL_MOD_DIR
# are honoured.  What "make" builds is installed: constats.ko alone, or
# with CONSTATS_TESTS=1 the test modules and samples too.  headers_install
# puts the uapi header where programs find it, and the in-kernel API
# header with Module.symvers where other modules can build against
# constats (KBUILD_EXTRA_SYMBOLS).
PREFIX ?= /usr
VERSION := 0.1.0
export INSTALL_MOD_DIR ?= updates/constats

modules_install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

headers_install: modules
	install -D -m 0644 uapi/linux/constats.h $(DESTDIR)$(PREFIX)/include/linux/constats.h
	install -D -m 0644 kmod/include/linux/constats.h \
		$(DESTDIR)$(PREFIX)/src/constats-$(VERSION)/include/linux/constats.h
	install -D -m 0644 Module.symvers $(DESTDIR)$(PREFIX)/src/constats-$(VERSION)/Module.symvers

install: modules_install headers_install

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -rf $(VM)/out

deps:
	$(VM)/deps.sh

demo: deps
	$(VM)/demo.sh

check: deps
	tools/testing/check.sh

# make check as root in a fresh debootstrap root: proves deps.sh complete
check-fresh:
	tools/testing/fresh.sh

# Documentation/ as HTML, with the kernel's kernel-doc Sphinx extension
htmldocs: deps
	tools/testing/htmldocs.sh

# Benchmarks in the VM, with a report and plots in tools/testing/vm/out/bench
bench: deps
	tools/testing/bench.sh

# A long torture run on the debug kernel: make torture DURATION=3600
DURATION ?= 600
VARIANT ?= kasan
torture: deps
	tools/testing/torture.sh $(DURATION) $(VARIANT)

# constats(8), with Sphinx's man builder; no linux-source needed.
MANDIR ?= $(CURDIR)/out/man
SPHINXBUILD ?= /usr/bin/sphinx-build
man:
	$(SPHINXBUILD) -q -W --keep-going -b man -t manonly Documentation $(MANDIR)

# The Debian packages, built with dpkg-buildpackage from a copy of the
# work tree (its tracked files, as they are now) in DEB_OUT.
DEB_OUT ?= $(CURDIR)/out/deb
deb:
	tools/packaging/build-deb.sh $(DEB_OUT)

# XFS's inode counters in a constats set: the series of samples/xfs built
# into xfs.ko for the stock 6.1 kernel (Documentation/xfs.rst).
xfs: deps
	@tools/testing/xfs/build.sh

.PHONY: xfs man deb htmldocs bench torture all modules modules_install headers_install install clean deps demo check check-fresh
