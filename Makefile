# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of constats.ko and its test modules.  Kbuild holds the
# object lists; this file drives the kernel build system and the tests.
#
#   make [KDIR=...]      build the modules (default: the running kernel's)
#   make demo            boot a VM and show /proc/constats changing
#   make check           every test, ending "N passed, N failed"
#   make deps            install the Debian packages the targets need

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

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -rf $(VM)/out

deps:
	$(VM)/deps.sh

demo: deps
	$(VM)/demo.sh

check: deps
	tools/testing/check.sh

.PHONY: all modules clean deps demo check
