# SPDX-License-Identifier: GPL-2.0
#
# Front door.  `make run` builds a UML kernel with the suite and runs it
# (`make run ARCH=x86_64`: under QEMU, with real mTHP);
# `make check` runs the project's own tests; `make check-debug` runs the
# suite 20 times on a debug kernel (KASAN, lockdep, page poisoning);
# `make fuzz` checks COUNT random layouts on UML, in chunks;
# `make bench` measures the loops against a bare kunit.py baseline;
# `make patches` writes the suite as a kernel patch series (out/series/).
# See README.md.
#
# Variables (all optional):
#   KERNEL_SRC=DIR      your kernel tree (default: Debian's linux-source-7.3,
#                       downloaded and cached under ~/.cache/lazyfree-kunit)
#   KERNEL_VERSION=7.3  which Debian linux-source to use without KERNEL_SRC
#   FILTER=GLOB         kunit.py filter: SUITE or SUITE.CASE, e.g.
#                       'rmap_lazyfree_batch.try_to_unmap*' (suites: README)
#   CARRIED_FIXES=1     also apply patches/*.patch to KERNEL_SRC
#   MUTANT=FILE         run with one tests/mutants/ patch applied (cached tree)
#   JOBS=N              parallel build jobs
#   ARCH=x86_64         make run under QEMU with real mTHP (default: um)
#   ACCEL=kvm|tcg       ARCH=x86_64: skip the KVM probe
#   FLAVOUR=debug       make run with kunitconfig.debug too (own build dir)
#   REPEAT=N            make run: boot the kernel N times
#   BOOT_ONLY=1         make run: boot the last build again, build nothing
#                       (e.g. with another FILTER)
#   MUTANTS="FILE..."   make run: build these mutants into one kernel, each
#                       behind lazyfree_mutant=NAME (see scripts/schemata)
#   KERNEL_ARGS="..."   make run: more kernel parameters, e.g.
#                       KERNEL_ARGS=lazyfree_mutant=rmap-no-pmd-cap BOOT_ONLY=1
#   SEED=N COUNT=N      make run: the random_layouts case draws COUNT
#                       layouts (default: the suite's, which it prints) from
#                       seed SEED (default 1); FIRST=N: from index N on
#                       make fuzz: COUNT layouts (default 100000) of seed
#                       SEED on UML, CHUNK (default 20000) per boot
#   GOOD=rev BAD=rev    for `make bisect` (KERNEL_SRC must be a git tree)

export ARCH ACCEL KERNEL_SRC KERNEL_VERSION CARRIED_FIXES MUTANT JOBS CACHE_DIR FLAVOUR REPEAT BOOT_ONLY MUTANTS KERNEL_ARGS SEED COUNT FIRST CHUNK

.PHONY: run check check-debug fuzz bench bisect install uninstall get-kernel patches help

run:
	@scripts/run $(FILTER)

check:
	@scripts/check

check-debug:
	@CHECK_STEPS=debug scripts/check

fuzz:
	@scripts/fuzz

bench:
	@scripts/bench

bisect:
	@scripts/bisect "$(GOOD)" "$(BAD)"

get-kernel:
	@scripts/get-kernel

patches:
	@scripts/patches

install:
	@scripts/install-suite "$(KERNEL_SRC)"

uninstall:
	@scripts/install-suite --uninstall "$(KERNEL_SRC)"

help:
	@sed -n 's/^#\( \|$$\)//p' Makefile
