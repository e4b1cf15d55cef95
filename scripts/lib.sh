# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the scripts; sourced, not run.

PROJECT=lazyfree-kunit
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${CACHE_DIR:-$HOME/.cache/$PROJECT}
KERNEL_VERSION=${KERNEL_VERSION:-7.3}
# The suite's module (its boot parameters' prefix), the suite of its
# scenario table, and the filters of the cases some steps run alone.
MODULE=rmap_lazyfree_batch_kunit
SUITE=rmap_lazyfree_batch
RANDOM_GLOB=rmap_lazyfree_batch_random.random_layouts
SET_PTES_GLOB=pgtable_set_ptes.set_ptes_consecutive_pfns
# The code under test; a tree without it predates Linux 6.16.
FEATURE_FUNC=folio_unmap_pte_batch
MARK_BEGIN="# >>> $PROJECT (scripts/install-suite; remove with --uninstall)"
MARK_END="# <<< $PROJECT"
KCONFIG_SYMBOL=RMAP_LAZYFREE_BATCH_KUNIT_TEST

die() { echo "$(basename "$0"): error: $*" >&2; exit 2; }
say() { echo "$(basename "$0"): $*" >&2; }

# relpath PATH START, commonpath PATH...: os.path's, for ccache's base
# directory and kbuild's __FILE__ map (scripts/run, scripts/check).
relpath() { python3 -c 'import os, sys; print(os.path.relpath(*sys.argv[1:]))' "$@"; }
commonpath() { python3 -c 'import os, sys; print(os.path.commonpath(sys.argv[1:]))' "$@"; }

# usage: the running script's header comment (its usage and environment),
# without the SPDX line.
usage() {
	awk 'NR == 1 || /SPDX-License-Identifier/ { next } !/^#/ { exit }
		{ sub(/^# ?/, "") } $0 != "" || shown { shown = 1; print }' "$0"
}

# Every script answers -h or --help with its header (exit 0) and refuses,
# in one line (exit 2), an argument that starts with "-" unless it is one
# of the script's OPTIONS (set before this file is sourced).
for _arg in "$@"; do
	case $_arg in
	-h | --help)
		usage
		exit 0
		;;
	-*)
		case " ${OPTIONS:-} " in
		*" $_arg "*) ;;
		*) die "unknown option $_arg (see $(basename "$0") --help)" ;;
		esac
		;;
	esac
done
unset _arg

# A script takes at most ARGS_MAX arguments besides its options (set before
# this file is sourced; unset: no limit) and refuses one more in one line.
if [ -n "${ARGS_MAX:-}" ]; then
	_n=0
	for _arg in "$@"; do
		case $_arg in
		-*) ;;
		*)
			_n=$((_n + 1))
			[ "$_n" -le "$ARGS_MAX" ] ||
				die "unexpected argument '$_arg' (see $(basename "$0") --help)"
			;;
		esac
	done
	unset _arg _n
fi

# check_tree DIR: one clear line and exit 2 unless DIR is a kernel tree with
# the code under test.
check_tree() {
	local t=$1
	[ -n "$t" ] || die "no kernel tree given: set KERNEL_SRC=DIR to your kernel tree"
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

# cached_build_dir [FLAVOUR]: scripts/run's build directory for the cached
# Debian tree of KERNEL_VERSION and ARCH.  Other arches than UML build in a
# worktree of their own (scripts/cache-tree), with their build directories
# beside it, so that their runs never wait for UML's.
cached_build_dir() {
	if [ "$ARCH" = um ]; then
		echo "$CACHE_DIR/build/$ARCH-$KERNEL_VERSION${1:+-$1}"
	else
		echo "$CACHE_DIR/$ARCH/build/$ARCH-$KERNEL_VERSION${1:+-$1}"
	fi
}

# suite_files: the suite's files (its C files and its private header),
# relative to mm/tests/.
suite_files() {
	(cd "$REPO_ROOT/mm/tests" && ls -- *.c *.h)
}

# suite_objs CONFIG [MAKEFILE]: the suite's objects (mm/tests/X.o) that
# Makefile.test's lines (in MAKEFILE, default the repo's Makefile.test)
# build with the kernel configuration CONFIG (a .config file).
suite_objs() {
	awk -v config="$1" -v module="$MODULE" '
		BEGIN { while ((getline l < config) > 0) if (l ~ /=y$/) { sub(/=y$/, "", l); y[l] = 1 } }
		index($0, module "-") == 1 && /-(y|\$\(CONFIG_[A-Z0-9_]*\)) \+= tests\/.*\.o$/ {
			cond = $1
			sub(/^[^-]*-/, "", cond)
			gsub(/[$()]/, "", cond)
			if (cond == "y" || cond in y) print "mm/" $3
		}' "${2:-$REPO_ROOT/Makefile.test}"
}

