# SPDX-License-Identifier: GPL-2.0
#
# Targets:
#   make run            build a UML kernel with the suite and run it (the
#                       cached Debian tree, or KERNEL_SRC=your tree)
#   make check          the project's own tests (its self-test, ~34 min warm)
#   make check-debug    the suite 20 times on a debug kernel (KASAN, ...)
#   make fuzz           COUNT random layouts on UML, in chunks
#   make bench          the loops measured against a bare kunit.py run
#   make bisect         GOOD=rev BAD=rev KERNEL_SRC=<git tree>
#   make install        install the suite into KERNEL_SRC (reversible)
#   make uninstall      remove exactly what make install added
#   make get-kernel     download and cache Debian's linux-source
#   make patches        write the suite as a patch series (out/series/)
#   make help           this text
# See README.md.
#
# Variables (all optional):
#   KERNEL_SRC=DIR      your kernel tree (default: Debian's linux-source-7.3,
#                       downloaded and cached under ~/.cache/lazyfree-kunit)
#   CARRIED_FIXES=1     also apply patches/*.patch to KERNEL_SRC (left applied)
#   KERNEL_VERSION=7.3  which Debian linux-source to use without KERNEL_SRC
#   FILTER=GLOB         kunit.py filter: SUITE or SUITE.CASE, e.g.
#                       'rmap_lazyfree_batch.try_to_unmap*'; one that
#                       matches no case is an error
#   ROW=CASE.NAME       one parameter of one case, as a failure names it,
#                       e.g. try_to_unmap_scenarios.order4_pmd_straddle_8_8
#   ARCH=x86_64         make run under QEMU with real mTHP (default: um);
#                       ARCH=arm64: cross-built, QEMU under TCG, contpte on
#   ACCEL=kvm|tcg       ARCH=x86_64: skip the KVM probe
#   FLAVOUR=debug       make run with kunitconfig.debug too (own build dir)
#   KCONFIG_ADD="CONFIG_X=y ..."  more Kconfig options for the build
#   JOBS=N              parallel build jobs
#   BUILD_DIR=DIR       build here (default: under CACHE_DIR/build/)
#   CACHE_DIR=DIR       downloads, trees, builds (default ~/.cache/lazyfree-kunit)
#   KUNIT_JSON=FILE     also write kunit.py's JSON results to FILE
#   KERNEL_LOG=FILE     also copy the kernel's log to FILE
#   WERROR=1            also compile the suite alone with W=1 -Werror
#   REPEAT=N            make run: boot the kernel N times
#   BOOT_ONLY=1         make run: boot the last build again, build nothing
#                       (e.g. with another FILTER)
#   BOOT_TIMEOUT=S      stop a boot after S seconds (default 300)
#   MUTANT=FILE         run with one tests/mutants/ patch applied (cached tree)
#   MUTANTS="FILE..."   make run: build these mutants into one kernel, each
#                       behind lazyfree_mutant=NAME (see scripts/schemata)
#   KERNEL_ARGS="..."   make run: more kernel parameters, e.g.
#                       KERNEL_ARGS=lazyfree_mutant=rmap-no-pmd-cap BOOT_ONLY=1
#   SEED=N COUNT=N      make run: the random_layouts case draws COUNT
#                       layouts (default: the suite's, which it prints) from
#                       seed SEED (default 1); FIRST=N: from index N on
#                       make fuzz: COUNT layouts (default 100000) of seed
#                       SEED on UML, CHUNK (default 20000) per boot
#   GOOD=rev BAD=rev    for make bisect (KERNEL_SRC must be a git tree)
#   RETRY_TIMEOUT=1     make run: boot once more a kernel that hit BOOT_TIMEOUT
#   KVM_DEV=PATH        ARCH=x86_64: the KVM device the probe looks at
#                       (default /dev/kvm)
#   KVM_PROBE_TIMEOUT=S ARCH=x86_64: how long the KVM probe boot may take
#                       (default 30)
#   DEBIAN_MIRROR=URI   make get-kernel: the Debian mirror (default: the
#                       one the machine's apt uses)
#   CHECK_STEPS="..."   make check: only these steps, in order (see
#                       scripts/check --help); X86_BOOTS=N, TIMING_BOOTS=N:
#                       boots of its x86_64 and timing steps (default 5);
#                       ARM64_BOOTS=N: of its arm64 step (default 2)
#   SUITE_BOOTS=N DEBUG_BOOTS=N  make check: boots of the unmutated suite
#                       and of the debug flavour (default 20 each)
#   FUZZ_COUNT=N        make check: layouts of its fuzz step (default 3000)
#   BOOT_FACTOR=N       make check: a mutant boot may take N times the
#                       slowest unmutated one (default 10, at least 300 s)
#   SHRINK_MUTANT=NAME  make check: the mutant its shrink step runs under
#   CHECK_VERSIONS="7.2"  make check: the other Debian versions it runs
#   FUZZ_SHOW=N         make fuzz: how many failed layouts to name
#   TMPDIR=DIR          scratch space of make check, fuzz and patches

export ARCH ACCEL KERNEL_SRC KERNEL_VERSION CARRIED_FIXES MUTANT JOBS CACHE_DIR FLAVOUR REPEAT BOOT_ONLY MUTANTS KERNEL_ARGS SEED COUNT FIRST CHUNK
export KCONFIG_ADD BUILD_DIR KUNIT_JSON KERNEL_LOG WERROR BOOT_TIMEOUT ROW

.PHONY: run check check-debug fuzz bench bisect install uninstall get-kernel patches help

run:
	@scripts/run $(if $(FILTER),"$(FILTER)")

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
	@sed -n '3,/^[^#]/s/^#\( \|$$\)//p' Makefile
