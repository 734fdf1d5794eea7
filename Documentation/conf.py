# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration for constats' documentation, using the kernel's own
# kernel-doc extension from Debian's linux-source-6.1 (make htmldocs).
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))

project = 'constats'
copyright = 'The constats authors'
master_doc = 'index'
exclude_patterns = ['_build']

# constats(8), with Sphinx's man builder (make man).
man_pages = [('tool', 'constats', 'show, check and export constats counter sets',
              ['The constats authors'], 8)]

if tags.has('manonly'):  # noqa: F821 (Sphinx defines tags)
    # The man page alone (make man, the Debian package): it needs no
    # kernel-doc, and so no linux-source tree.
    master_doc = 'tool'
    exclude_patterns += [f for f in os.listdir(_here)
                         if f.endswith('.rst') and f != 'tool.rst']
    extensions = []
else:
    _linux = os.environ.get('CONSTATS_LINUX_SOURCE')
    if not _linux:
        sys.exit('CONSTATS_LINUX_SOURCE must name an unpacked linux-source tree')
    sys.path.insert(0, os.path.join(_linux, 'Documentation', 'sphinx'))
    extensions = ['kerneldoc']
    kerneldoc_bin = os.path.join(_linux, 'scripts', 'kernel-doc')
    kerneldoc_srctree = os.path.abspath(os.path.join(_here, '..'))
html_theme = 'alabaster'
primary_domain = 'c'
# As the kernel's conf.py: annotations Sphinx's C parser does not know.
c_id_attributes = ['__percpu', '__user', '__always_inline']
highlight_language = 'none'
