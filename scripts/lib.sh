# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the scripts; sourced, not run.

PROJECT=lazyfree-kunit
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${CACHE_DIR:-$HOME/.cache/$PROJECT}
KERNEL_VERSION=${KERNEL_VERSION:-7.3}
SUITE=rmap_lazyfree_batch
# The code under test; a tree without it predates Linux 6.16.
FEATURE_FUNC=folio_unmap_pte_batch
MARK_BEGIN="# >>> $PROJECT (scripts/install-suite; remove with --uninstall)"
MARK_END="# <<< $PROJECT"
KCONFIG_SYMBOL=RMAP_LAZYFREE_BATCH_KUNIT_TEST

die() { echo "$(basename "$0"): error: $*" >&2; exit 2; }
say() { echo "$(basename "$0"): $*" >&2; }

# check_tree DIR: one clear line and exit 2 unless DIR is a kernel tree with
# the code under test.
check_tree() {
	local t=$1
	[ -n "$t" ] || die "no kernel tree given"
	[ -d "$t" ] || die "KERNEL_SRC=$t: no such directory"
	[ -f "$t/Makefile" ] && [ -f "$t/mm/rmap.c" ] && [ -f "$t/mm/Kconfig" ] &&
		[ -f "$t/mm/Makefile" ] ||
		die "KERNEL_SRC=$t: not a Linux kernel tree (no Makefile, mm/rmap.c, mm/Kconfig, mm/Makefile)"
	grep -q "$FEATURE_FUNC" "$t/mm/rmap.c" ||
		die "KERNEL_SRC=$t: mm/rmap.c has no $FEATURE_FUNC(): this kernel predates batched lazyfree unmap (Linux 6.16)"
}

# installed_by_us TREE: whether TREE's mm/Kconfig carries the marker block
# of scripts/install-suite (the suite in TREE is ours, not the tree's own).
installed_by_us() {
	grep -qxF "$MARK_BEGIN" "$1/mm/Kconfig" 2>/dev/null
}

# suite_files: the suite's C files, relative to mm/tests/.
suite_files() {
	(cd "$REPO_ROOT/mm/tests" && ls -- *.c)
}

# suite_ms LOG...: the suite's in-kernel run time (ms) in each kernel log.
suite_ms() {
	sed -n "s/.*$SUITE: suite ran in \([0-9]*\) ms.*/\1/p" "$@"
}
