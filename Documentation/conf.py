# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration for constats' documentation, using the kernel's own
# kernel-doc extension from Debian's linux-source-6.1 (make htmldocs).
import os
import sys

_linux = os.environ.get('CONSTATS_LINUX_SOURCE')
if not _linux:
    sys.exit('CONSTATS_LINUX_SOURCE must name an unpacked linux-source tree')
sys.path.insert(0, os.path.join(_linux, 'Documentation', 'sphinx'))

project = 'constats'
copyright = 'The constats authors'
extensions = ['kerneldoc']
kerneldoc_bin = os.path.join(_linux, 'scripts', 'kernel-doc')
kerneldoc_srctree = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
master_doc = 'index'
exclude_patterns = ['_build']
html_theme = 'alabaster'
primary_domain = 'c'
highlight_language = 'none'
