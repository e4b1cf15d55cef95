// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the batched unmapping of lazyfree large anonymous folios.
 *
 * Reclaim unmaps a lazyfree (MADV_FREE'd: anon && !swapbacked) large folio
 * in batches: try_to_unmap_one() asks folio_unmap_pte_batch() how many
 * consecutive PTEs map the folio, capped at the end of the page table and of
 * the VMA, clears them and drops rmap and references once per batch, or
 * restores them when the unmap must abort.  The cases below build exactly
 * the layouts that matter (inside one page table, straddling a PMD at every
 * split point that matters, straddling a VMA end, partly mapped, with mixed
 * write bits, shared with a second mm over fork, alone in an mlocked or a
 * droppable VMA), for every folio order below PMD_ORDER, redirty or pin
 * the folio (or both) where the unmap must abort, let
 * reclaim unmap it (try_to_unmap() as shrink_folio_list() calls it,
 * reclaim_pages() as MADV_PAGEOUT and DAMON do, and MADV_PAGEOUT itself,
 * or folio_referenced() first, as shrink_folio_list() checks references)
 * and check every PTE of every mm, the mapcounts, the refcount, the RSS
 * counters, the folio flags and the data afterwards.
 *
 * Batch sizes are not visible from outside mm/rmap.c, so the scenarios are
 * built so that each batch boundary shows in the end state: a dirty PTE
 * aborts only the batch it lies in, and every batch before it stays
 * unmapped.  lazyfree_model() derives that end state from the layout.
 *
 * A batch must never look past the end of the page table it starts in; a
 * page-table canary (see lazyfree_install_table_pair()) makes any batch
 * that does so and acts on what it read fail the case deterministically,
 * without KASAN.  A read past any limit that acts on nothing shows only to
 * KASAN, which lazyfree_guard() arms for every attempt where there is one.
 *
 * UML has no transparent hugepages, so no large anonymous folio ever comes
 * from a fault there.  The fixture builds the folio the way the mTHP fault
 * path maps one (see map_anon_folio_pte_nopf() in mm/memory.c) and makes it
 * lazyfree the way madvise_free_pte_range() does for an exclusive folio.
 * Where mTHP is real (x86_64 with THP, booted with thp_anon=), every row
 * also runs on a folio the kernel made itself: a write fault, MADV_FREE,
 * and mremap() to the layout; fault_fidelity compares the two fixtures
 * field by field.  With CONFIG_MEM_SOFT_DIRTY, rows with mixed soft-dirty
 * bits check that a restored batch keeps each PTE's bit.
 *
 * The file reads in that order: the types, the fixture that builds a
 * layout, the page-table canary, the triggers (redirty, pin), the model of
 * the end state, the checks, the repair that keeps a failing case from
 * harming the kernel, the scenario table and its parameters, the cases.
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/ctype.h>
#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/kasan.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/mman.h>
#include <linux/moduleparam.h>
#include <linux/page_owner.h>
#include <linux/pagewalk.h>
#include <linux/pgalloc_tag.h>
#include <linux/pgalloc.h>
#include <linux/pgtable.h>
#include <linux/prandom.h>
#include <linux/rmap.h>
#include <linux/sched/mm.h>
#include <linux/swap.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>
#include <asm/tlbflush.h>

#include "../internal.h"

/*
 * Whether the kernel itself maps large anon folios on a fault here, and the
 * suite can move them with mremap() (reached through the syscall table,
 * which it knows how to call on x86_64 only).
 */
#if defined(CONFIG_TRANSPARENT_HUGEPAGE) && defined(CONFIG_X86_64)
#define LAZYFREE_CAN_FAULT	1
#include <linux/unistd.h>
#include <asm/syscall.h>
#else
#define LAZYFREE_CAN_FAULT	0
#endif

/* Smallest order the mTHP fault path maps (THP_ORDERS_ALL_ANON). */
#define LAZYFREE_MIN_FAULT_ORDER	2

/* Largest folio the fixture maps: one whole page table. */
#define LAZYFREE_MAX_PAGES	PTRS_PER_PTE

/* Each case maps this much user address space; see lazyfree_map_window(). */
#define LAZYFREE_WINDOW_SIZE	(4 * PMD_SIZE)

/* The test's own mm and, for the fork rows, its child. */
#define LAZYFREE_MAX_MMS	2

/*
 * How many differing PTEs or pages one check reports one by one, before a
 * count of the rest: a kernel that breaks every row prints under 2 KiB a
 * row, not megabytes.
 */
#define LAZYFREE_MAX_REPORTS	4U

/* Bytes at the start of each page the program reads back. */
#define LAZYFREE_READ_BYTES	8

/* try_to_unmap() flags shrink_folio_list() uses for a large folio. */
#define LAZYFREE_TTU_FLAGS	(TTU_BATCH_FLUSH | TTU_SYNC)

/* ===== Types ===== */

/**
 * enum lazyfree_layout_kind - where the PTEs of a test folio lie
 *
 * In the pictures below, | is a page table (PMD) boundary, ] the end of a
 * VMA, and the digits are the folio's pages; s is the split point.
 */
enum lazyfree_layout_kind {
	/**
	 * @LAZYFREE_IN_TABLE: the folio is naturally aligned and all its
	 * PTEs lie in one page table, as the mTHP fault path maps it:
	 * | 0 1 2 3 ... n-1 |
	 */
	LAZYFREE_IN_TABLE,
	/**
	 * @LAZYFREE_PMD_STRADDLE: the first s PTEs end one page table, the
	 * others start the next one (what mremap() by a few pages does):
	 * 0 1 ... s-1 | s ... n-1
	 */
	LAZYFREE_PMD_STRADDLE,
	/**
	 * @LAZYFREE_VMA_STRADDLE: one page table, but the first s PTEs end
	 * one VMA and the others start the next one, split off by a vm_flags
	 * change that leaves the PTEs alone (MADV_DONTDUMP):
	 * | 0 1 ... s-1 ] s ... n-1 |
	 */
	LAZYFREE_VMA_STRADDLE,
	/**
	 * @LAZYFREE_VMA_STRADDLE_MLOCKED: as @LAZYFREE_VMA_STRADDLE, and the
	 * second VMA is mlocked (what mlock() of part of the range does):
	 * | 0 1 ... s-1 ] s ... n-1 (VM_LOCKED) |
	 */
	LAZYFREE_VMA_STRADDLE_MLOCKED,
};

/**
 * enum lazyfree_pos - a PTE index relative to the folio's n pages
 * @LAZYFREE_POS_NONE: no such PTE
 * @LAZYFREE_POS_FIRST: PTE 0
 * @LAZYFREE_POS_SECOND: PTE 1
 * @LAZYFREE_POS_QUARTER: PTE n/4
 * @LAZYFREE_POS_AFTER_QUARTER: PTE n/4 + 1
 * @LAZYFREE_POS_HALF: PTE n/2
 * @LAZYFREE_POS_LAST: PTE n-1
 */
enum lazyfree_pos {
	LAZYFREE_POS_NONE,
	LAZYFREE_POS_FIRST,
	LAZYFREE_POS_SECOND,
	LAZYFREE_POS_QUARTER,
	LAZYFREE_POS_AFTER_QUARTER,
	LAZYFREE_POS_HALF,
	LAZYFREE_POS_LAST,
};

/**
 * enum lazyfree_hole - PTEs zapped (MADV_DONTNEED) before reclaim, so that
 * the folio is only partly mapped; each hole is max(1, n/4) PTEs long
 * @LAZYFREE_HOLE_NONE: fully mapped
 * @LAZYFREE_HOLE_HEAD: the first PTEs: the mapping starts mid-folio
 * @LAZYFREE_HOLE_MIDDLE: from PTE n/2 on
 * @LAZYFREE_HOLE_TAIL: the last PTEs
 */
enum lazyfree_hole {
	LAZYFREE_HOLE_NONE,
	LAZYFREE_HOLE_HEAD,
	LAZYFREE_HOLE_MIDDLE,
	LAZYFREE_HOLE_TAIL,
};

/**
 * enum lazyfree_vma - what the folio's own VMA is
 * @LAZYFREE_VMA_PLAIN: a plain private anonymous VMA, shared with the
 *	rest of the test's mapping
 * @LAZYFREE_VMA_MLOCKED: a VMA of exactly the folio's range with VM_LOCKED
 *	set, the folio not mlocked: what mlock() of the range in two parts
 *	leaves (each mlock_fixup() covers only part of the folio, so
 *	mlock_vma_pages_range() skips it, and the two VMAs merge).  Reclaim
 *	must unmap nothing and restore the missed mlock if it finds the folio
 *	fully mapped in one page table
 * @LAZYFREE_VMA_DROPPABLE: a VMA of exactly the folio's range with
 *	VM_DROPPABLE set (MAP_DROPPABLE): the folio is discarded even when
 *	redirtied (rows run only where VM_DROPPABLE exists)
 */
enum lazyfree_vma {
	LAZYFREE_VMA_PLAIN,
	LAZYFREE_VMA_MLOCKED,
	LAZYFREE_VMA_DROPPABLE,
};

/**
 * enum lazyfree_neighbour - another folio mapped next to the test folio
 * @LAZYFREE_NEIGHBOUR_NONE: none: the PTEs around the folio are empty
 * @LAZYFREE_NEIGHBOUR_AFTER: a folio of the same order right after it in
 *	the same page table, its first page physically right after the test
 *	folio's last one, so that its PTEs continue the test folio's PFNs: as
 *	two mTHPs faulted in one after the other often are.  It is in use
 *	(dirty, young, swapbacked: not MADV_FREE'd), and only the folio's
 *	end may stop a batch there
 * @LAZYFREE_NEIGHBOUR_BEFORE: the same right before the test folio, which
 *	then starts n pages into its page table
 *
 * Either way the neighbour must come out of reclaim untouched: every PTE,
 * count and flag as before.  Hand-built folios only (the fault path does
 * not promise adjacent PFNs).
 */
enum lazyfree_neighbour {
	LAZYFREE_NEIGHBOUR_NONE,
	LAZYFREE_NEIGHBOUR_AFTER,
	LAZYFREE_NEIGHBOUR_BEFORE,
};

/**
 * enum lazyfree_trigger - what happens between MADV_FREE and reclaim
 * @LAZYFREE_CLEAN: nothing: the folio must be unmapped
 * @LAZYFREE_REDIRTY: a write to one PTE (a write fault): the batch holding
 *	that PTE must abort and be restored, every batch before it unmapped
 * @LAZYFREE_PIN: an extra reference on one page (get_user_pages()): the
 *	first batch must abort; once the reference is dropped a second
 *	reclaim must unmap the folio
 * @LAZYFREE_REDIRTY_PIN: both, on the same page, pinned first: the first
 *	batch must abort; if it holds the redirtied PTE the folio must come
 *	back dirty and swapbacked (whichever the kernel checks first), else
 *	untouched
 */
enum lazyfree_trigger {
	LAZYFREE_CLEAN,
	LAZYFREE_REDIRTY,
	LAZYFREE_PIN,
	LAZYFREE_REDIRTY_PIN,
};

/**
 * struct lazyfree_scenario - one row of the scenario table
 * @kind: where the PTEs lie, see &enum lazyfree_layout_kind
 * @split: for the straddling kinds, the first PTE after the boundary
 * @hole: PTEs zapped before reclaim, see &enum lazyfree_hole
 * @wrprotect: a PTE write-protected in the otherwise writable VMA
 * @softclean: the first of the PTEs, up to the last one, whose soft-dirty
 *	bit is cleared (rows only run with CONFIG_MEM_SOFT_DIRTY)
 * @young: the one PTE that is young when reclaim checks references (the
 *	program read that page after MADV_FREE); rows with one run only
 *	through folio_referenced_scenarios
 * @vma: the folio's own VMA, see &enum lazyfree_vma
 * @neighbour: a folio mapped next to it, see &enum lazyfree_neighbour
 * @predirty: the folio is dirty (PG_dirty, as after a swap-in) and half its
 *	PTEs clean and old before MADV_FREE; faulted folios only (the
 *	hand-built one is made lazyfree by the fixture, not by MADV_FREE)
 * @trigger: see &enum lazyfree_trigger
 * @at: the PTE @trigger acts on
 * @fork: share the folio with a second mm, copied by dup_mmap() as fork()
 *	does, before reclaim
 * @min_order: smallest order for which the positions above are distinct
 *	(0 and 1: every order)
 * @reclaim: also run the row through reclaim_pages() and through
 *	folio_referenced_scenarios
 */
struct lazyfree_scenario {
	enum lazyfree_layout_kind kind;
	enum lazyfree_pos split;
	enum lazyfree_hole hole;
	enum lazyfree_pos wrprotect;
	enum lazyfree_pos softclean;
	enum lazyfree_pos young;
	enum lazyfree_vma vma;
	enum lazyfree_neighbour neighbour;
	bool predirty;
	enum lazyfree_trigger trigger;
	enum lazyfree_pos at;
	bool fork;
	unsigned int min_order;
	bool reclaim;
};

/**
 * enum lazyfree_entry - how a case asks reclaim to unmap the folio
 * @LAZYFREE_TRY_TO_UNMAP: try_to_unmap() on the isolated folio, as
 *	shrink_folio_list() calls it
 * @LAZYFREE_RECLAIM_PAGES: reclaim_pages() on a list holding the isolated
 *	folio, as MADV_PAGEOUT and DAMON do
 * @LAZYFREE_MADV_PAGEOUT: MADV_PAGEOUT of the folio's range, with the folio
 *	back on the LRU: the madvise walk isolates it and calls
 *	reclaim_pages(); only for a folio mapped whole in one page table of
 *	one VMA of one mm, which MADV_PAGEOUT neither splits nor skips
 * @LAZYFREE_REFERENCES: folio_referenced() on the isolated, locked folio
 *	first, as shrink_folio_list() checks references (through
 *	folio_check_references()) before it unmaps anything: a folio found
 *	young, or found fully mapped in an mlocked VMA (and mlocked), is
 *	kept; any other then goes through try_to_unmap()
 * @LAZYFREE_LRU: try_to_free_pages() (direct reclaim) with the folio back
 *	on the LRU as the only folio of the file LRU lists (a lazyfree
 *	folio is on those), and no swap: shrink_inactive_list() takes it
 *	from there and checks references first (folio_check_references()),
 *	as kswapd and memory cgroup reclaim do.  The case is skipped where
 *	the lists hold anything else
 */
enum lazyfree_entry {
	LAZYFREE_TRY_TO_UNMAP,
	LAZYFREE_RECLAIM_PAGES,
	LAZYFREE_MADV_PAGEOUT,
	LAZYFREE_REFERENCES,
	LAZYFREE_LRU,
};

/**
 * enum lazyfree_source - who makes the folio
 * @LAZYFREE_HAND_BUILT: the fixture, as the mTHP fault path and MADV_FREE
 *	would (lazyfree_map_folio(), lazyfree_madv_free()); every arch
 * @LAZYFREE_FAULTED: the kernel: a write fault in a VMA of exactly the
 *	folio's size, MADV_FREE, then mremap() to the layout's address
 *	(lazyfree_fault_folio()); only where LAZYFREE_CAN_FAULT
 */
enum lazyfree_source {
	LAZYFREE_HAND_BUILT,
	LAZYFREE_FAULTED,
};

/**
 * struct lazyfree_layout - a scenario resolved for one folio order
 * @source: who makes the folio, see &enum lazyfree_source
 * @order: folio order
 * @nr: 1 << @order, the number of pages and PTEs
 * @kind: as in &struct lazyfree_scenario
 * @split: first PTE after the PMD or VMA boundary (0 for in-table)
 * @hole_start: first zapped PTE
 * @hole_len: number of zapped PTEs (0: none)
 * @wrprotect: the write-protected PTE, or UINT_MAX
 * @softclean: PTEs from this one on have their soft-dirty bit cleared;
 *	UINT_MAX for none
 * @young: the PTE young when references are checked, or UINT_MAX
 * @vma: as in &struct lazyfree_scenario
 * @neighbour: as in &struct lazyfree_scenario
 * @predirty: as in &struct lazyfree_scenario
 * @trigger: as in &struct lazyfree_scenario
 * @at: the PTE @trigger acts on, or UINT_MAX
 * @fork: as in &struct lazyfree_scenario
 */
struct lazyfree_layout {
	enum lazyfree_source source;
	unsigned int order;
	unsigned int nr;
	enum lazyfree_layout_kind kind;
	unsigned int split;
	unsigned int hole_start;
	unsigned int hole_len;
	unsigned int wrprotect;
	unsigned int softclean;
	unsigned int young;
	enum lazyfree_vma vma;
	enum lazyfree_neighbour neighbour;
	bool predirty;
	enum lazyfree_trigger trigger;
	unsigned int at;
	bool fork;
};

#if LAZYFREE_CAN_FAULT
/**
 * enum lazyfree_cut - a madvise() range that cuts a faulted folio of n
 *	pages: the pages of the folio it covers are freed (MADV_FREE) or
 *	reclaimed (MADV_PAGEOUT), the others must keep their data and stay
 *	mapped, so the folio is split (7.3 splits an exclusive one)
 * @LAZYFREE_CUT_HEAD_OFF: pages 1 to n-1: one page into the folio to its end
 * @LAZYFREE_CUT_TAIL_OFF: pages 0 to n-2: one page short of its end
 * @LAZYFREE_CUT_INTO_HEAD: the page before the folio (none) and page 0
 * @LAZYFREE_CUT_PAST_TAIL: page n-1 and the page after the folio (none)
 */
enum lazyfree_cut {
	LAZYFREE_CUT_HEAD_OFF,
	LAZYFREE_CUT_TAIL_OFF,
	LAZYFREE_CUT_INTO_HEAD,
	LAZYFREE_CUT_PAST_TAIL,
};

/**
 * struct lazyfree_cut_layout - one parameter of madv_cut_scenarios
 * @order: folio order
 * @advice: MADV_FREE of the folio in use, or MADV_PAGEOUT of the folio
 *	made lazyfree whole by MADV_FREE
 * @cut: the range, see &enum lazyfree_cut
 * @first: the range's first page, counted from the folio's first (-1: the
 *	page before it)
 * @end: the page after the range's last (n + 1: past the page after the
 *	folio)
 */
struct lazyfree_cut_layout {
	unsigned int order;
	int advice;
	enum lazyfree_cut cut;
	int first;
	int end;
};
#endif

/**
 * struct lazyfree_fixture - a lazyfree large anon folio mapped in a test mm
 * @test: the test that owns the fixture
 * @mm: @mms[0], the mm the fixture builds the folio in
 * @mms: the mms that map the folio: the test's own (current->mm of the
 *	KUnit thread) and, for the fork rows, a copy made by dup_mmap()
 * @nr_mms: 1, or 2 with a fork
 * @folio: the folio; until reclaim_pages() takes it over, the fixture
 *	holds the reference reclaim would hold after isolating it from the
 *	LRU, so folio_ref_count() is 1 plus the number of PTEs mapping it
 * @pfn: folio_pfn(@folio), also usable once reclaim freed the folio
 * @isolated: the fixture holds the isolation reference (reclaim_pages()
 *	takes it over)
 * @reclaimed_pages: the pages reclaim reported freed (reclaim_pages()'
 *	return value, or PGLAZYFREED's change for MADV_PAGEOUT and LRU
 *	reclaim); 0 while the folio is kept
 * @split: LRU reclaim kept the folio and split it, as it must
 *	(lazyfree_expect_split()): its pages are other folios now
 * @addr: user address of the folio's first page, in every mm
 * @nr_pages: folio_nr_pages(@folio)
 * @rss_base: MM_ANONPAGES of each mm before the folio was mapped there
 * @pins: extra references the case holds (get_user_pages())
 * @repaired: PTEs lazyfree_repair_ptes() pointed back at their own page
 * @present: PTEs lazyfree_repair_ptes() found present, per mm
 * @page_ptes: per folio page, the PTEs lazyfree_repair_ptes() found mapping it
 * @orig: every PTE of every mm as it was right before the unmap under test
 * @tables: per mm, the PTE table holding PTE 0, installed by the fixture
 * @canaries: per mm, the page that follows @tables in physical memory
 * @canary_want: per mm, what the canary must hold after the unmap: a copy
 *	of the next page table, taken right before it
 * @neighbour: the folio mapped next to @folio (&enum lazyfree_neighbour),
 *	or NULL; its PTEs are the only references to it
 * @neighbour_addr: user address of its first page
 * @neighbour_orig: its PTEs as they were right before the unmap under test
 * @young: the PTE (of mm 0) lazyfree_age() leaves young, UINT_MAX for none
 * @guarded: per mm, the page tables holding the folio's PTEs while
 *	lazyfree_guard() has them poisoned (KASAN), else NULL
 * @failed_before_guard: whether the case had failed when lazyfree_guard()
 *	began
 *
 * Built by lazyfree_fixture_create(); everything it sets up is undone by
 * KUnit resources (the case's mappings unmapped from the suite's mm, see
 * lazyfree_mmap()), even when a case fails
 * half-way.
 */
struct lazyfree_fixture {
	struct kunit *test;
	struct mm_struct *mm;
	struct mm_struct *mms[LAZYFREE_MAX_MMS];
	unsigned int nr_mms;
	struct folio *folio;
	unsigned long pfn;
	bool isolated;
	unsigned long reclaimed_pages;
	bool split;
	unsigned long addr;
	unsigned int nr_pages;
	long rss_base[LAZYFREE_MAX_MMS];
	unsigned int pins;
	unsigned int repaired;
	unsigned int present[LAZYFREE_MAX_MMS];
	unsigned int page_ptes[LAZYFREE_MAX_PAGES];
	pte_t orig[LAZYFREE_MAX_MMS][LAZYFREE_MAX_PAGES];
	struct page *tables[LAZYFREE_MAX_MMS];
	struct page *canaries[LAZYFREE_MAX_MMS];
	pte_t canary_want[LAZYFREE_MAX_MMS][PTRS_PER_PTE];
	struct folio *neighbour;
	unsigned long neighbour_addr;
	pte_t neighbour_orig[LAZYFREE_MAX_PAGES];
	unsigned int young;
	struct page *guarded[LAZYFREE_MAX_MMS][2];
	bool failed_before_guard;
};

/**
 * struct lazyfree_expect - the state a case expects after an unmap attempt
 * @mapped: bit i set if PTE i must still map page i of the folio (present,
 *	same PFN, write bit as before); clear if the PTE must be none
 * @swapbacked: expected folio_test_swapbacked() (false while lazyfree)
 * @dirty: expected folio_test_dirty()
 * @mlocked: expected folio_test_mlocked()
 */
struct lazyfree_expect {
	DECLARE_BITMAP(mapped, LAZYFREE_MAX_PAGES);
	bool swapbacked;
	bool dirty;
	bool mlocked;
};

/**
 * struct lazyfree_diffs - the differences one check found
 * @test: the test they fail
 * @nr: how many so far
 *
 * A check reports the first LAZYFREE_MAX_REPORTS differences one by one
 * (lazyfree_diff()) and the rest as a count (lazyfree_diffs_end()).
 */
struct lazyfree_diffs {
	struct kunit *test;
	unsigned int nr;
};

/* Count a difference; returns whether to report it one by one. */
static bool lazyfree_diff(struct lazyfree_diffs *d)
{
	return d->nr++ < LAZYFREE_MAX_REPORTS;
}

/* Report how many more @what than were reported; returns them all. */
static unsigned int lazyfree_diffs_end(const struct lazyfree_diffs *d,
				       const char *what)
{
	if (d->nr > LAZYFREE_MAX_REPORTS)
		KUNIT_FAIL(d->test, "... and %u more %s",
			   d->nr - LAZYFREE_MAX_REPORTS, what);
	return d->nr;
}

/* ===== The fixture: a lazyfree large folio in a test mm ===== */

/*
 * Folios the fixture allocated, folios that were then freed: by reclaim,
 * or by the test dropping the last reference once every mapping was gone
 * (see lazyfree_release_and_expect()), and folios LRU reclaim split as it
 * must (lazyfree_expect_split()), whose pieces go with the case's mappings.
 * suite_exit reports all three; in a passing run the first is the sum of
 * the others.
 */
static unsigned int lazyfree_folios_made;
static unsigned int lazyfree_folios_freed;
static unsigned int lazyfree_folios_split;

/*
 * The byte page i of a test folio is filled with; never 0, so that no page
 * is zero-filled (a split may map such a page to the shared zero page).
 */
static u8 lazyfree_pattern(unsigned int page)
{
	return 1 + page % 255;
}

/* Whether the folio is still one of the order the fixture made. */
static bool lazyfree_folio_intact(const struct lazyfree_fixture *fx)
{
	return folio_test_large(fx->folio) &&
	       folio_nr_pages(fx->folio) == fx->nr_pages;
}

static unsigned long lazyfree_page_addr(const struct lazyfree_fixture *fx,
					unsigned int i)
{
	return fx->addr + i * PAGE_SIZE;
}

/* The PMD entry covering @addr, allocating the levels above it. */
static pmd_t *lazyfree_pmd_alloc(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;

	p4d = p4d_alloc(mm, pgd, addr);
	if (!p4d)
		return NULL;
	pud = pud_alloc(mm, p4d, addr);
	if (!pud)
		return NULL;
	return pmd_alloc(mm, pud, addr);
}

/*
 * Map the page table covering @addr, allocating the upper levels and the
 * table itself if @alloc.  Returns NULL when there is no table (or no memory).
 */
static pte_t *lazyfree_pte_lock(struct mm_struct *mm, unsigned long addr,
				bool alloc, spinlock_t **ptl)
{
	pmd_t *pmd;

	if (!alloc) {
		pmd = mm_find_pmd(mm, addr);
		return pmd ? pte_offset_map_lock(mm, pmd, addr, ptl) : NULL;
	}

	pmd = lazyfree_pmd_alloc(mm, addr);
	if (!pmd || pte_alloc(mm, pmd))
		return NULL;
	return pte_offset_map_lock(mm, pmd, addr, ptl);
}

/* Read the PTE at @addr; pte_none() if there is no page table. */
static pte_t lazyfree_read_pte(struct mm_struct *mm, unsigned long addr)
{
	spinlock_t *ptl;	/* the PTE table's lock */
	pte_t *ptep, pte;

	ptep = lazyfree_pte_lock(mm, addr, false, &ptl);
	if (!ptep)
		return __pte(0);
	pte = ptep_get(ptep);
	pte_unmap_unlock(ptep, ptl);
	return pte;
}

/*
 * Walk PTEs @first to @first + @nr - 1 of the folio's range with @ops
 * (private: @fx); the walk holds each page table's lock around the
 * callbacks.  The caller holds the mmap lock for read.
 */
static void lazyfree_walk_range(struct lazyfree_fixture *fx, unsigned int first,
				unsigned int nr, const struct mm_walk_ops *ops)
{
	walk_page_range(fx->mm, lazyfree_page_addr(fx, first),
			lazyfree_page_addr(fx, first + nr), ops, fx);
}

/*
 * Walk the folio's range in every mm with @ops, taking each mmap lock.  A
 * callback that returns a positive value ends the walk of its mm and of
 * the mms after it; that value is returned (else the last walk's result).
 */
static int lazyfree_walk_mms(struct lazyfree_fixture *fx,
			     const struct mm_walk_ops *ops)
{
	unsigned int k;
	int ret = 0;

	for (k = 0; k < fx->nr_mms && ret <= 0; k++) {
		mmap_read_lock(fx->mms[k]);
		ret = walk_page_range(fx->mms[k], fx->addr,
				      lazyfree_page_addr(fx, fx->nr_pages),
				      ops, fx);
		mmap_read_unlock(fx->mms[k]);
	}
	return ret;
}

/*
 * Change the folio's PTEs in every mm with @ops, then flush that mm's TLB,
 * both under its mmap lock (UML's flush_tlb_mm() walks the VMAs).
 */
static void lazyfree_change_mms(struct lazyfree_fixture *fx,
				const struct mm_walk_ops *ops)
{
	unsigned int k;

	for (k = 0; k < fx->nr_mms; k++) {
		mmap_read_lock(fx->mms[k]);
		walk_page_range(fx->mms[k], fx->addr,
				lazyfree_page_addr(fx, fx->nr_pages), ops, fx);
		flush_tlb_mm(fx->mms[k]);
		mmap_read_unlock(fx->mms[k]);
	}
}

/* Which page of the fixture's folio the PTE at @addr should map. */
static unsigned int lazyfree_walk_page_index(struct mm_walk *walk,
					     unsigned long addr)
{
	struct lazyfree_fixture *fx = walk->private;

	return (addr - fx->addr) >> PAGE_SHIFT;
}

/* Whether @pte maps one of the folio's pages (by PFN, also once freed). */
static bool lazyfree_maps_folio(const struct lazyfree_fixture *fx, pte_t pte)
{
	return pte_present(pte) && pte_pfn(pte) - fx->pfn < fx->nr_pages;
}

static unsigned int lazyfree_walk_mm_index(struct mm_walk *walk)
{
	struct lazyfree_fixture *fx = walk->private;

	return walk->mm == fx->mms[0] ? 0 : 1;
}

/*
 * @pte with its PFN replaced by @pfn and every other bit kept: the PFN
 * advanced by the (modular) difference, as set_ptes() advances it.
 */
static pte_t lazyfree_pte_with_pfn(pte_t pte, unsigned long pfn)
{
	return pte_advance_pfn(pte, pfn - pte_pfn(pte));
}

/*
 * Change PTEs @first to @first + @nr - 1 of the folio's range in the test's
 * mm with @ops under the mmap lock, then flush the TLB, as the madvise and
 * clear_refs paths the fixture stands in for do.
 */
static void lazyfree_change_ptes(struct lazyfree_fixture *fx, unsigned int first,
				 unsigned int nr, const struct mm_walk_ops *ops)
{
	mmap_read_lock(fx->mm);
	lazyfree_walk_range(fx, first, nr, ops);
	flush_tlb_mm(fx->mm);
	mmap_read_unlock(fx->mm);
}

static void lazyfree_free_page_action(void *page)
{
	__free_page(page);
}

/*
 * Install the PTE table covering fx->addr in @mm (fixture mm @k), which has
 * none there yet, as the first page of a physically contiguous pair; keep
 * the second page as the canary (see "The page-table canary" below), freed
 * by a KUnit action.  The table goes
 * with the mm like any other: it is an order-0 page built as
 * pte_alloc_one() builds one.  Returns false, with nothing installed, if
 * memory or the PMD is lacking.
 */
static bool lazyfree_install_table_pair(struct lazyfree_fixture *fx,
					struct mm_struct *mm, unsigned int k)
{
	pgtable_t table;
	struct page *pair;
	bool installed;
	pmd_t *pmd;

	pair = alloc_pages(GFP_PGTABLE_USER, 1);
	if (!pair)
		return false;
	split_page(pair, 1);
	if (kunit_add_action_or_reset(fx->test, lazyfree_free_page_action, pair + 1)) {
		__free_page(pair);
		return false;
	}

	table = pair;
	pmd = lazyfree_pmd_alloc(mm, fx->addr);
	installed = pmd && pmd_none(pmdp_get(pmd)) &&
		    pagetable_pte_ctor(mm, page_ptdesc(table));
	if (!installed) {
		__free_page(table);
		return false;
	}
	/* Nobody else populates this PMD: the mm is the test's. */
	pmd_install(mm, pmd, &table);
	fx->tables[k] = pair;
	fx->canaries[k] = pair + 1;
	return true;
}

/*
 * The user mm every case works in, made once by suite_init.  A new mm per
 * case (kunit_attach_mm()) cost more than the case itself: on UML each mm
 * is a host process, started and killed again, 1.15 ms of the 1.6 ms a
 * random layout took on average (measured with the layouts returning
 * right after mapping their window).
 */
static struct mm_struct *lazyfree_mm;

/* Make the suite's mm the KUnit thread's; its exit drops the reference. */
static void lazyfree_use_mm(struct kunit *test)
{
	if (current->mm == lazyfree_mm)
		return;
	KUNIT_ASSERT_NULL_MSG(test, current->mm, "the KUnit thread has an mm");
	mmget(lazyfree_mm);
	kthread_use_mm(lazyfree_mm);
}

/**
 * struct lazyfree_mapping - an anonymous mapping a case made in the mm
 * @addr: its start
 * @size: its size
 */
struct lazyfree_mapping {
	unsigned long addr;
	unsigned long size;
};

/*
 * Unmap a case's mapping once the case is over, from the KUnit thread that
 * cleans up (the case's own thread is gone then; it borrows the mm), so
 * that the next case finds the mm empty: its folios and page tables freed.
 */
static void lazyfree_munmap_action(void *data)
{
	struct lazyfree_mapping *m = data;
	bool borrow = current->mm != lazyfree_mm;

	if (borrow)
		kthread_use_mm(lazyfree_mm);
	vm_munmap(m->addr, m->size);
	if (borrow)
		kthread_unuse_mm(lazyfree_mm);
}

/* An anonymous read-write mapping of @size in the suite's mm. */
static unsigned long lazyfree_mmap(struct kunit *test, unsigned long size)
{
	struct lazyfree_mapping *m;
	unsigned long uaddr;

	lazyfree_use_mm(test);
	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	uaddr = vm_mmap(NULL, 0, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(uaddr), "mmap() failed: %ld",
			       (long)uaddr);
	m->addr = uaddr;
	m->size = size;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, lazyfree_munmap_action, m), 0);
	return uaddr;
}

/*
 * Give the KUnit thread the suite's mm with an anonymous mapping of
 * LAZYFREE_WINDOW_SIZE and return a PMD-aligned address with at least one
 * PMD_SIZE of that mapping on either side.
 */
static unsigned long lazyfree_map_window(struct kunit *test)
{
	return ALIGN(lazyfree_mmap(test, LAZYFREE_WINDOW_SIZE), PMD_SIZE) + PMD_SIZE;
}

static unsigned long lazyfree_folio_addr(unsigned long base,
					 const struct lazyfree_layout *layout)
{
	if (layout->kind == LAZYFREE_PMD_STRADDLE)
		return base + PMD_SIZE - layout->split * PAGE_SIZE;
	if (layout->neighbour == LAZYFREE_NEIGHBOUR_BEFORE)
		return base + layout->nr * PAGE_SIZE;
	return base;
}

/* Fill page i of @folio with lazyfree_pattern(@first + i). */
static void lazyfree_fill(struct folio *folio, unsigned int first)
{
	unsigned int i;

	for (i = 0; i < folio_nr_pages(folio); i++) {
		void *kaddr = kmap_local_folio(folio, i * PAGE_SIZE);

		memset(kaddr, lazyfree_pattern(first + i), PAGE_SIZE);
		kunmap_local(kaddr);
	}
}

/*
 * Install a PTE as do_anonymous_page() would, with set_ptes(nr = 1): the
 * fixture must not depend on set_ptes(nr > 1), which is under test too.
 */
static void lazyfree_install_page(struct mm_walk *walk, struct folio *folio,
				  unsigned int i, unsigned long addr, pte_t *ptep)
{
	struct vm_area_struct *vma = walk->vma;
	pte_t pte = pte_sw_mkyoung(folio_mk_pte(folio, vma->vm_page_prot));

	if (vma->vm_flags & VM_WRITE)
		pte = pte_mkwrite(pte_mkdirty(pte), vma);
	set_ptes(walk->mm, addr, ptep, pte_advance_pfn(pte, i), 1);
	update_mmu_cache_range(NULL, vma, addr, ptep, 1);
}

static int lazyfree_install_pte(pte_t *ptep, unsigned long addr,
				unsigned long next, struct mm_walk *walk)
{
	struct lazyfree_fixture *fx = walk->private;

	lazyfree_install_page(walk, fx->folio,
			      lazyfree_walk_page_index(walk, addr), addr, ptep);
	return 0;
}

static const struct mm_walk_ops lazyfree_install_ops = {
	.pte_entry = lazyfree_install_pte,
	.walk_lock = PGWALK_RDLOCK,
};

static int lazyfree_install_neighbour_pte(pte_t *ptep, unsigned long addr,
					  unsigned long next,
					  struct mm_walk *walk)
{
	struct lazyfree_fixture *fx = walk->private;

	lazyfree_install_page(walk, fx->neighbour,
			      (addr - fx->neighbour_addr) >> PAGE_SHIFT, addr,
			      ptep);
	return 0;
}

static const struct mm_walk_ops lazyfree_install_neighbour_ops = {
	.pte_entry = lazyfree_install_neighbour_pte,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * Allocate every page table the folio needs (so that mapping cannot fail
 * half-way), the first one with its canary, then take the references and
 * the rmap and install the PTEs.  Returns false, with nothing mapped, if a
 * page table cannot be allocated.
 */
static bool lazyfree_install_ptes(struct lazyfree_fixture *fx,
				  struct vm_area_struct *vma)
{
	unsigned int i;

	if (!lazyfree_install_table_pair(fx, fx->mm, 0))
		return false;
	for (i = 1; i < fx->nr_pages; i++) {
		spinlock_t *ptl;	/* the PTE table's lock */
		pte_t *ptep;

		ptep = lazyfree_pte_lock(fx->mm, lazyfree_page_addr(fx, i),
					 true, &ptl);
		if (!ptep)
			return false;
		pte_unmap_unlock(ptep, ptl);
	}

	folio_ref_add(fx->folio, fx->nr_pages - 1);
	folio_add_new_anon_rmap(fx->folio, vma, fx->addr, RMAP_EXCLUSIVE);
	folio_add_lru_vma(fx->folio, vma);
	lazyfree_walk_range(fx, 0, fx->nr_pages, &lazyfree_install_ops);
	add_mm_counter(fx->mm, MM_ANONPAGES, fx->nr_pages);
	count_mthp_stat(folio_order(fx->folio), MTHP_STAT_ANON_FAULT_ALLOC);
	return true;
}

/*
 * Allocate the test folio and its neighbour (&enum lazyfree_neighbour) of
 * the layout's order from one block of twice the size, so that the pages
 * of one follow those of the other in physical memory: the block is split
 * in two as split_page() splits one (page owner and allocation tag), and
 * each half made a large rmappable folio as the page allocator makes one.
 * The neighbour is charged, filled and uptodate in fx->neighbour.  Returns
 * the test folio, or NULL with nothing allocated.
 */
static struct folio *lazyfree_alloc_pair(struct lazyfree_fixture *fx,
					 const struct lazyfree_layout *l)
{
	bool after = l->neighbour == LAZYFREE_NEIGHBOUR_AFTER;
	struct folio *halves[2];
	struct page *page;

	page = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, l->order + 1);
	if (!page)
		return NULL;
	split_page_owner(page, l->order + 1, l->order);
	pgalloc_tag_split(page_folio(page), l->order + 1, l->order);
	set_page_refcounted(page + l->nr);
	prep_compound_page(page, l->order);
	prep_compound_page(page + l->nr, l->order);
	halves[0] = page_rmappable_folio(page);
	halves[1] = page_rmappable_folio(page + l->nr);
	if (mem_cgroup_charge(halves[after], fx->mm, GFP_KERNEL)) {
		folio_put(halves[0]);
		folio_put(halves[1]);
		return NULL;
	}
	fx->neighbour = halves[after];
	lazyfree_fill(fx->neighbour, l->nr);
	__folio_mark_uptodate(fx->neighbour);
	return halves[!after];
}

/*
 * Map the neighbour as lazyfree_install_ptes() maps the folio, in the page
 * table that holds the folio's PTEs already.  Its pages count in the mm's
 * RSS base.
 */
static void lazyfree_install_neighbour(struct lazyfree_fixture *fx,
				       struct vm_area_struct *vma)
{
	struct folio *folio = fx->neighbour;
	unsigned int nr = folio_nr_pages(folio);

	folio_ref_add(folio, nr - 1);
	folio_add_new_anon_rmap(folio, vma, fx->neighbour_addr, RMAP_EXCLUSIVE);
	folio_add_lru_vma(folio, vma);
	walk_page_range(fx->mm, fx->neighbour_addr,
			fx->neighbour_addr + nr * PAGE_SIZE,
			&lazyfree_install_neighbour_ops, fx);
	add_mm_counter(fx->mm, MM_ANONPAGES, nr);
	fx->rss_base[0] += nr;
}

/* Drop a folio that was never mapped, and the neighbour if there is one. */
static void lazyfree_put_unmapped(struct lazyfree_fixture *fx,
				  struct folio *folio)
{
	folio_put(folio);
	if (fx->neighbour)
		folio_put(fx->neighbour);
	fx->neighbour = NULL;
}

/*
 * Allocate the folio and map it at fx->addr the way the mTHP fault path
 * does: anon_vma_prepare(), vma_alloc_folio(order), mem_cgroup_charge(),
 * uptodate, one reference per PTE, folio_add_new_anon_rmap(RMAP_EXCLUSIVE),
 * folio_add_lru_vma(), dirty young PTEs, MM_ANONPAGES, the mTHP
 * anon_fault_alloc counter.  Page i is filled with lazyfree_pattern(i).
 * With a neighbour, both come from lazyfree_alloc_pair() and the neighbour
 * is mapped the same way after the folio.
 */
static void lazyfree_map_folio(struct lazyfree_fixture *fx,
			       const struct lazyfree_layout *l)
{
	struct kunit *test = fx->test;
	unsigned int order = l->order;
	struct vm_area_struct *vma;
	struct folio *folio;
	bool mapped;

	mmap_read_lock(fx->mm);
	vma = vma_lookup(fx->mm, fx->addr);
	if (!vma || anon_vma_prepare(vma)) {
		mmap_read_unlock(fx->mm);
		KUNIT_FAIL_AND_ABORT(test, "no anon_vma for %#lx", fx->addr);
	}

	if (l->neighbour == LAZYFREE_NEIGHBOUR_NONE)
		folio = vma_alloc_folio(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN,
					order, vma, fx->addr);
	else
		folio = lazyfree_alloc_pair(fx, l);
	if (!folio) {
		mmap_read_unlock(fx->mm);
		KUNIT_FAIL_AND_ABORT(test, "no order-%u folio", order);
	}
	if (mem_cgroup_charge(folio, fx->mm, GFP_KERNEL)) {
		mmap_read_unlock(fx->mm);
		lazyfree_put_unmapped(fx, folio);
		KUNIT_FAIL_AND_ABORT(test, "cannot charge the order-%u folio", order);
	}
	lazyfree_fill(folio, 0);
	__folio_mark_uptodate(folio);

	fx->folio = folio;
	fx->pfn = folio_pfn(folio);
	lazyfree_folios_made++;
	fx->rss_base[0] = get_mm_counter(fx->mm, MM_ANONPAGES);
	mapped = lazyfree_install_ptes(fx, vma);
	if (mapped && fx->neighbour)
		lazyfree_install_neighbour(fx, vma);
	mmap_read_unlock(fx->mm);
	if (!mapped) {
		lazyfree_put_unmapped(fx, folio);
		fx->folio = NULL;
		KUNIT_FAIL_AND_ABORT(test, "no page table for %#lx", fx->addr);
	}
}

static int lazyfree_clean_pte(pte_t *ptep, unsigned long addr,
			      unsigned long next, struct mm_walk *walk)
{
	if (pte_present(ptep_get(ptep)))
		clear_young_dirty_ptes(walk->vma, addr, ptep, 1,
				       CYDP_CLEAR_YOUNG | CYDP_CLEAR_DIRTY);
	return 0;
}

static const struct mm_walk_ops lazyfree_clean_ops = {
	.pte_entry = lazyfree_clean_pte,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * MADV_FREE marks a large folio lazyfree only if one page-table walk sees
 * all of it; else it splits it (skipped on UML: without THP there is no
 * MM_ID, so folio_maybe_mapped_shared() is always true), and the
 * hand-built folio already straddles where the layout says.  So do for the
 * (exclusive) folio what madvise_free_pte_range() does for a whole one:
 * clear the folio's dirty flag, make its PTEs old and clean, flush,
 * folio_mark_lazyfree().  fault_fidelity compares the result with real
 * MADV_FREE.
 */
static void lazyfree_madv_free(struct lazyfree_fixture *fx)
{
	struct kunit *test = fx->test;

	/* folio_mark_lazyfree() needs the folio on the LRU. */
	lru_add_drain_all();

	folio_lock(fx->folio);
	folio_clear_dirty(fx->folio);
	folio_unlock(fx->folio);

	lazyfree_change_ptes(fx, 0, fx->nr_pages, &lazyfree_clean_ops);

	folio_mark_lazyfree(fx->folio);
	lru_add_drain_all();
	KUNIT_ASSERT_FALSE_MSG(test, folio_test_swapbacked(fx->folio),
			       "folio_mark_lazyfree() left the folio swapbacked");
}

/*
 * Clear the soft-dirty bit of a PTE the way clear_refs ("4" to
 * /proc/PID/clear_refs) does, but without its write-protect: the PTE then
 * differs from its neighbours in the soft-dirty bit only.
 */
static int lazyfree_softclean_pte(pte_t *ptep, unsigned long addr,
				  unsigned long next, struct mm_walk *walk)
{
	pte_t old;

	if (!pte_present(ptep_get(ptep)))
		return 0;
	old = ptep_modify_prot_start(walk->vma, addr, ptep);
	ptep_modify_prot_commit(walk->vma, addr, ptep, old,
				pte_clear_soft_dirty(old));
	return 0;
}

static const struct mm_walk_ops lazyfree_softclean_ops = {
	.pte_entry = lazyfree_softclean_pte,
	.walk_lock = PGWALK_RDLOCK,
};

static int lazyfree_wrprotect_pte(pte_t *ptep, unsigned long addr,
				  unsigned long next, struct mm_walk *walk)
{
	ptep_set_wrprotect(walk->mm, addr, ptep);
	return 0;
}

static const struct mm_walk_ops lazyfree_wrprotect_ops = {
	.pte_entry = lazyfree_wrprotect_pte,
	.walk_lock = PGWALK_RDLOCK,
};

#if LAZYFREE_CAN_FAULT
/*
 * mremap(@from, @len, @len, MREMAP_MAYMOVE | MREMAP_FIXED, @to), as the
 * test's own thread would make the call.  mm/mremap.c has no entry point
 * but the syscall (do_mremap() is static), and what the test needs is
 * exactly what a program gets: the PTEs moved by move_ptes(), the folio
 * left where the fault put it.  Hence the syscall table, with the
 * arguments in a pt_regs as the syscall entry code passes them; on x86_64
 * only, where that calling convention is known to the suite.
 */
static long lazyfree_mremap(unsigned long from, unsigned long len,
			    unsigned long to)
{
	unsigned long args[6] = { from, len, len,
				  MREMAP_MAYMOVE | MREMAP_FIXED, to };
	struct pt_regs regs = {};

	syscall_set_arguments(current, &regs, args);
	return sys_call_table[__NR_mremap](&regs);
}
#else
static long lazyfree_mremap(unsigned long from, unsigned long len,
			    unsigned long to)
{
	return -EOPNOTSUPP;
}
#endif

/*
 * A VMA of exactly @size bytes aligned to @size, with no neighbour it could
 * merge with: cut out of a mapping three times as large.
 */
static unsigned long lazyfree_map_alone(struct kunit *test, unsigned long size)
{
	unsigned long uaddr, start;

	uaddr = lazyfree_mmap(test, 3 * size);
	start = ALIGN(uaddr + 1, size);
	KUNIT_ASSERT_EQ(test, vm_munmap(uaddr, start - uaddr), 0);
	KUNIT_ASSERT_EQ(test, vm_munmap(start + size,
					uaddr + 3 * size - start - size), 0);
	return start;
}

/*
 * Fault a folio of @order alone: write-fault the first page of a VMA of
 * exactly its size and alignment (lazyfree_map_alone()), so that
 * alloc_anon_folio() maps a folio of exactly @order (thp_anon= must enable
 * that size), and fill it.  Returns the VMA's address.
 */
static unsigned long lazyfree_fault_alone(struct lazyfree_fixture *fx,
					  unsigned int order)
{
	unsigned long size = PAGE_SIZE << order, from, pfn;
	struct kunit *test = fx->test;
	struct folio *folio;
	long ret;
	pte_t pte;

	from = lazyfree_map_alone(test, size);
	fx->rss_base[0] = get_mm_counter(fx->mm, MM_ANONPAGES);
	mmap_read_lock(fx->mm);
	ret = fixup_user_fault(fx->mm, from, FAULT_FLAG_WRITE, NULL);
	mmap_read_unlock(fx->mm);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "write fault at %#lx failed", from);
	pte = lazyfree_read_pte(fx->mm, from);
	KUNIT_ASSERT_TRUE_MSG(test, pte_present(pte), "the fault mapped nothing");
	pfn = pte_pfn(pte);
	folio = pfn_folio(pfn);
	KUNIT_ASSERT_EQ_MSG(test, folio_order(folio), order,
			    "the fault mapped an order-%u folio: is the size enabled by thp_anon=?",
			    folio_order(folio));
	KUNIT_ASSERT_EQ_MSG(test, folio_pfn(folio), pfn,
			    "the fault mapped the folio from its page %lu",
			    pfn - folio_pfn(folio));
	fx->folio = folio;
	fx->pfn = pfn;
	lazyfree_fill(folio, 0);
	return from;
}

/*
 * MADV_FREE of the faulted folio at @from, whole; with @predirty the folio
 * is dirty and the first half of its PTEs clean and old before.  MADV_FREE
 * must leave the folio lazyfree and clean and every PTE clean and old.
 */
static void lazyfree_madv_free_alone(struct lazyfree_fixture *fx,
				     unsigned long from, bool predirty)
{
	unsigned long size = fx->nr_pages * PAGE_SIZE;
	struct lazyfree_diffs d = { .test = fx->test };
	struct folio *folio = fx->folio;
	struct kunit *test = fx->test;
	unsigned int i;
	long ret;
	pte_t pte;

	if (predirty) {
		folio_lock(folio);
		folio_mark_dirty(folio);
		folio_unlock(folio);
		mmap_read_lock(fx->mm);
		walk_page_range(fx->mm, from, from + size / 2, &lazyfree_clean_ops,
				NULL);
		flush_tlb_mm(fx->mm);
		mmap_read_unlock(fx->mm);
	}

	/* MADV_FREE marks only a folio already on the LRU lazyfree. */
	lru_add_drain_all();
	ret = do_madvise(fx->mm, from, size, MADV_FREE);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "MADV_FREE failed");
	lru_add_drain_all();
	KUNIT_ASSERT_FALSE_MSG(test, folio_test_swapbacked(folio),
			       "MADV_FREE left the folio swapbacked");
	KUNIT_EXPECT_FALSE_MSG(test, folio_test_dirty(folio),
			       "MADV_FREE left the folio dirty");
	for (i = 0; i < fx->nr_pages; i++) {
		pte = lazyfree_read_pte(fx->mm, from + i * PAGE_SIZE);
		if ((pte_dirty(pte) || pte_young(pte)) && lazyfree_diff(&d))
			KUNIT_FAIL(test,
				   "PTE %u/%u after MADV_FREE: dirty %d, young %d, expected clean and old",
				   i, fx->nr_pages, !!pte_dirty(pte), !!pte_young(pte));
	}
	lazyfree_diffs_end(&d, "PTEs not clean and old after MADV_FREE");
}

/*
 * Move the faulted folio from @from to fx->addr with mremap(), into a page
 * table installed with its canary.
 */
static void lazyfree_move_faulted(struct lazyfree_fixture *fx,
				  unsigned long from)
{
	struct kunit *test = fx->test;
	bool installed;
	long ret;

	mmap_read_lock(fx->mm);
	installed = lazyfree_install_table_pair(fx, fx->mm, 0);
	mmap_read_unlock(fx->mm);
	KUNIT_ASSERT_TRUE_MSG(test, installed, "no page table with a canary at %#lx",
			      fx->addr);
	ret = lazyfree_mremap(from, fx->nr_pages * PAGE_SIZE, fx->addr);
	KUNIT_ASSERT_EQ_MSG(test, ret, (long)fx->addr, "mremap() to %#lx failed",
			    fx->addr);
	KUNIT_ASSERT_EQ_MSG(test, pte_pfn(lazyfree_read_pte(fx->mm, fx->addr)),
			    fx->pfn, "mremap() did not move the folio's first PTE");
}

/*
 * Let the kernel make the folio (LAZYFREE_FAULTED): write-fault the first
 * page of a VMA of exactly the folio's size and alignment, so that
 * alloc_anon_folio() maps a folio of exactly @order (thp_anon= must enable
 * that size), fill it, MADV_FREE it, and move it to fx->addr with mremap(),
 * into a page table installed with its canary.  The folio is faulted where
 * it is naturally aligned, as the fault path always places it: only the
 * move makes it straddle a PMD.  With @layout->predirty, the folio is
 * dirty and the first half of its PTEs clean and old before MADV_FREE.
 * MADV_FREE must leave the folio clean and every PTE clean and old.
 */
static void lazyfree_fault_folio(struct lazyfree_fixture *fx,
				 const struct lazyfree_layout *layout)
{
	unsigned long from = lazyfree_fault_alone(fx, layout->order);

	lazyfree_folios_made++;
	lazyfree_madv_free_alone(fx, from, layout->predirty);
	lazyfree_move_faulted(fx, from);
}

/*
 * Give the folio's PTEs from @first on a VMA of their own, with a real
 * vm_flags change (MADV_DONTDUMP on exactly that range), then set
 * @vm_flags on it.  VM_LOCKED is also accounted, which is what
 * mlock_fixup() does to a range in which no folio lies entirely:
 * mlock_vma_pages_range() mlocks only folios fully inside the range it
 * was given (allow_mlock_munlock()), so ours stays unmlocked.
 */
static void lazyfree_split_vma(struct lazyfree_fixture *fx, unsigned int first,
			       vm_flags_t vm_flags)
{
	struct kunit *test = fx->test;
	unsigned long start = lazyfree_page_addr(fx, first);
	unsigned long end = lazyfree_page_addr(fx, fx->nr_pages);
	struct vm_area_struct *vma;
	bool split;
	int ret;

	ret = do_madvise(fx->mm, start, end - start, MADV_DONTDUMP);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "MADV_DONTDUMP split failed");

	mmap_write_lock(fx->mm);
	vma = vma_lookup(fx->mm, start);
	split = vma && vma->vm_start == start && vma->vm_end == end;
	if (split && vm_flags) {
		vm_flags_set(vma, vm_flags);
		if (vm_flags & VM_LOCKED)
			fx->mm->locked_vm += (end - start) >> PAGE_SHIFT;
	}
	mmap_write_unlock(fx->mm);
	KUNIT_ASSERT_TRUE_MSG(test, split, "no VMA [%#lx, %#lx) after the split",
			      start, end);
}

/* Zap the PTEs of the layout's hole the way MADV_DONTNEED does. */
static void lazyfree_zap_hole(struct lazyfree_fixture *fx,
			      const struct lazyfree_layout *layout)
{
	int ret;

	ret = do_madvise(fx->mm, lazyfree_page_addr(fx, layout->hole_start),
			 layout->hole_len * PAGE_SIZE, MADV_DONTNEED);
	KUNIT_ASSERT_EQ_MSG(fx->test, ret, 0, "MADV_DONTNEED failed");
}

static void lazyfree_mmput_action(void *mm)
{
	mmput(mm);
}

/*
 * In "Repair" below; a fork's PTEs are checked and repaired as soon as it
 * made them.
 */
static void lazyfree_repair_ptes(struct lazyfree_fixture *fx);

/*
 * Share the folio with a second mm the way fork() does: dup_mmap() copies
 * the VMAs and their anon_vma chains and copy_page_range() the PTEs, which
 * write-protects them in both mms (COW).  The child mm is attached to no
 * task; a KUnit action drops it, zapping its PTEs.  The child's first page
 * table is installed beforehand, with its canary, for dup_mmap() to fill.
 */
static void lazyfree_fork(struct lazyfree_fixture *fx)
{
	struct kunit *test = fx->test;
	struct mm_struct *child;
	bool ok;
	int ret;

	child = mm_alloc();
	KUNIT_ASSERT_NOT_NULL(test, child);
	ret = kunit_add_action_or_reset(test, lazyfree_mmput_action, child);
	KUNIT_ASSERT_EQ(test, ret, 0);
	/* copy_pte_range() fills a page table it finds in place. */
	mmap_write_lock(child);
	ok = lazyfree_install_table_pair(fx, child, fx->nr_mms);
	mmap_write_unlock(child);
	KUNIT_ASSERT_TRUE_MSG(test, ok, "no page table with a canary in the child");
	ret = dup_mmap(child, fx->mm);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "dup_mmap() failed");
	fx->mms[fx->nr_mms] = child;
	fx->rss_base[fx->nr_mms++] = 0;

	/*
	 * copy_present_ptes() maps the child's PTEs with set_ptes(): check
	 * and repair them now, before the rmap code acts on a wrong PTE and
	 * corrupts per-page mapcounts beyond repair.
	 */
	lazyfree_repair_ptes(fx);
	KUNIT_EXPECT_EQ_MSG(test, fx->repaired, 0,
			    "dup_mmap() left %u PTEs mapping another page than the parent's",
			    fx->repaired);
}

static void lazyfree_putback_lru_action(void *folio)
{
	folio_putback_lru(folio);
}

/*
 * Isolate the folio from the LRU, as shrink_folio_list() has it; the
 * isolation reference goes back with folio_putback_lru() in a KUnit action.
 */
static void lazyfree_isolate(struct lazyfree_fixture *fx)
{
	struct kunit *test = fx->test;
	int ret;

	lru_add_drain_all();
	KUNIT_ASSERT_TRUE_MSG(test, folio_isolate_lru(fx->folio),
			      "cannot isolate the folio from the LRU");
	ret = kunit_add_action_or_reset(test, lazyfree_putback_lru_action,
					fx->folio);
	KUNIT_ASSERT_EQ(test, ret, 0);
	fx->isolated = true;
}

/*
 * A fixture for a folio of @nr pages, nothing made yet: the KUnit thread
 * in the suite's mm, with a window mapped whose PMD-aligned base is
 * returned in @base.
 */
static struct lazyfree_fixture *
lazyfree_fixture_alloc(struct kunit *test, unsigned int nr, unsigned long *base)
{
	struct lazyfree_fixture *fx;

	fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fx);
	fx->test = test;
	fx->nr_pages = nr;
	*base = lazyfree_map_window(test);
	fx->mm = current->mm;
	fx->mms[0] = fx->mm;
	fx->nr_mms = 1;
	return fx;
}

/**
 * lazyfree_fixture_create() - map a lazyfree large anon folio in a layout
 * @test: the test context
 * @layout: folio order and where its PTEs lie
 *
 * Gives the KUnit thread a user mm, maps a folio of @layout->order there as
 * the mTHP fault path would and makes it lazyfree as MADV_FREE would (or
 * lets the kernel do both and moves the folio into place, see
 * &enum lazyfree_source), zaps the layout's hole, write-protects its PTE,
 * clears soft-dirty bits, splits the VMA where the layout says, gives the
 * folio a VMA of its own if it says so (&enum lazyfree_vma), forks if it
 * says so, and finally isolates the folio from the LRU, as
 * shrink_folio_list() has it when it calls try_to_unmap().
 *
 * The isolation reference is dropped by a KUnit action, and another
 * unmaps the case's window (lazyfree_mmap()); a fork's mm goes with its
 * last reference.  All happen even when the case fails half-way.
 *
 * Return: the fixture; aborts the test if any step fails.
 */
static struct lazyfree_fixture *
lazyfree_fixture_create(struct kunit *test, const struct lazyfree_layout *layout)
{
	struct lazyfree_fixture *fx;
	unsigned long base;

	KUNIT_ASSERT_LE(test, layout->nr, LAZYFREE_MAX_PAGES);
	KUNIT_ASSERT_TRUE_MSG(test, layout->neighbour == LAZYFREE_NEIGHBOUR_NONE ||
			      (layout->kind == LAZYFREE_IN_TABLE &&
			       layout->source == LAZYFREE_HAND_BUILT &&
			       2 * layout->nr <= PTRS_PER_PTE),
			      "a neighbour needs a hand-built folio with room for both in one page table");
	fx = lazyfree_fixture_alloc(test, layout->nr, &base);
	fx->addr = lazyfree_folio_addr(base, layout);
	fx->neighbour_addr = layout->neighbour == LAZYFREE_NEIGHBOUR_AFTER ?
			     fx->addr + layout->nr * PAGE_SIZE : base;

	if (layout->source == LAZYFREE_FAULTED) {
		lazyfree_fault_folio(fx, layout);
	} else {
		lazyfree_map_folio(fx, layout);
		lazyfree_madv_free(fx);
	}
	if (layout->hole_len)
		lazyfree_zap_hole(fx, layout);
	if (layout->wrprotect != UINT_MAX)
		lazyfree_change_ptes(fx, layout->wrprotect, 1,
				     &lazyfree_wrprotect_ops);
	if (layout->softclean != UINT_MAX)
		lazyfree_change_ptes(fx, layout->softclean,
				     fx->nr_pages - layout->softclean,
				     &lazyfree_softclean_ops);
	if (layout->kind == LAZYFREE_VMA_STRADDLE)
		lazyfree_split_vma(fx, layout->split, 0);
	if (layout->kind == LAZYFREE_VMA_STRADDLE_MLOCKED)
		lazyfree_split_vma(fx, layout->split, VM_LOCKED);
	if (layout->vma == LAZYFREE_VMA_MLOCKED)
		lazyfree_split_vma(fx, 0, VM_LOCKED);
	if (layout->vma == LAZYFREE_VMA_DROPPABLE)
		lazyfree_split_vma(fx, 0, VM_DROPPABLE);
	if (layout->fork)
		lazyfree_fork(fx);
	lazyfree_isolate(fx);
	return fx;
}

/* ===== The page-table canary ===== */

/*
 * The first version of batched lazyfree unmap (v6.16-rc1) batched a folio
 * only as a whole, and let folio_pte_batch() scan as many PTEs as the folio
 * has pages from its first one, also when the folio crosses the end of the
 * page table: the scan then read the memory after the PTE table, and the
 * batch cleared whatever there looked like the folio's next PTEs.  What
 * that memory holds is luck, so without KASAN such a read is noticed by
 * chance at best.
 *
 * The fixture takes the luck out.  In every mm it installs the PTE table
 * holding the folio's first PTE itself, as the first of two physically
 * adjacent pages (an order-1 allocation split in two): the entry after the
 * table's last one is the first entry of the second page, the canary.
 * Right before every unmap attempt lazyfree_arm_canaries() fills the canary
 * with a copy of the next page table.  For a folio that straddles the PMD
 * these are exactly the entries that continue the folio's PTEs, so a batch
 * that reads past the end of the table finds a perfect continuation,
 * extends into the canary and clears it there.  lazyfree_expect_canaries()
 * then fails the case on every changed canary entry, and undoes what such a
 * batch did: see there.
 */

/* The start of the page table after the one holding the folio's PTE 0. */
static unsigned long lazyfree_next_table_addr(const struct lazyfree_fixture *fx)
{
	return ALIGN_DOWN(fx->addr, PMD_SIZE) + PMD_SIZE;
}

/* The PTE table of @mm covering @addr, or NULL; mmap lock held. */
static struct page *lazyfree_table_at(struct mm_struct *mm, unsigned long addr)
{
	pmd_t *pmd = mm_find_pmd(mm, addr);
	pmd_t pmdval;

	if (!pmd)
		return NULL;
	pmdval = pmdp_get(pmd);
	if (!pmd_present(pmdval) || pmd_leaf(pmdval))
		return NULL;
	return pmd_page(pmdval);
}

/* Whether mm @k still has the fixture's table at fx->addr. */
static bool lazyfree_table_is_ours(const struct lazyfree_fixture *fx,
				   unsigned int k)
{
	return lazyfree_table_at(fx->mms[k], fx->addr) == fx->tables[k];
}

/* Copy the next page table (or none) into every mm's canary. */
static void lazyfree_arm_canaries(struct lazyfree_fixture *fx)
{
	unsigned long next = lazyfree_next_table_addr(fx);
	unsigned int i, k;

	for (k = 0; k < fx->nr_mms; k++) {
		spinlock_t *ptl;	/* the next PTE table's lock */
		pte_t *ptep, *canary;
		bool ours;

		mmap_read_lock(fx->mms[k]);
		ours = lazyfree_table_is_ours(fx, k);
		ptep = lazyfree_pte_lock(fx->mms[k], next, false, &ptl);
		canary = kmap_local_page(fx->canaries[k]);
		for (i = 0; i < PTRS_PER_PTE; i++) {
			fx->canary_want[k][i] = ptep ? ptep_get(ptep + i) : __pte(0);
			canary[i] = fx->canary_want[k][i];
		}
		kunmap_local(canary);
		if (ptep)
			pte_unmap_unlock(ptep, ptl);
		mmap_read_unlock(fx->mms[k]);
		KUNIT_ASSERT_TRUE_MSG(fx->test, ours,
				      "mm %u: the page table at %#lx is not the fixture's any more",
				      k, fx->addr);
	}
}

/**
 * struct lazyfree_canary_diff - a canary entry an unmap changed
 * @k: the mm
 * @i: the entry: the (i + 1)th entry past the end of the table
 * @want: what it held
 * @got: what it holds
 */
struct lazyfree_canary_diff {
	unsigned int k;
	unsigned int i;
	pte_t want;
	pte_t got;
};

/*
 * Compare mm @k's canary with what it held, noting up to
 * LAZYFREE_MAX_REPORTS changed entries in @diffs, and undo the damage of a
 * batch that ran into it.  A present canary entry that is now none was
 * cleared by a batch that then dropped a mapcount, a reference and RSS for
 * its page, as if it had cleared the entry at the same index of the next
 * page table, which still maps that page: clear that entry too (its
 * accounting is gone already), so that the mm tears down cleanly.  The
 * canary is rewritten.  The differences are counted in @d.
 */
static void lazyfree_check_canary(struct lazyfree_fixture *fx, unsigned int k,
				  struct lazyfree_diffs *d,
				  struct lazyfree_canary_diff *diffs,
				  unsigned int *cleared)
{
	unsigned long next = lazyfree_next_table_addr(fx);
	spinlock_t *ptl;	/* the next PTE table's lock */
	pte_t *ptep, *canary;
	unsigned int i;

	mmap_read_lock(fx->mms[k]);
	ptep = lazyfree_pte_lock(fx->mms[k], next, false, &ptl);
	canary = kmap_local_page(fx->canaries[k]);
	for (i = 0; i < PTRS_PER_PTE; i++) {
		pte_t want = fx->canary_want[k][i], got = canary[i], real;

		if (pte_same(got, want))
			continue;
		if (lazyfree_diff(d))
			diffs[d->nr - 1] = (struct lazyfree_canary_diff){
				.k = k, .i = i, .want = want, .got = got,
			};
		canary[i] = want;
		if (!ptep || !pte_present(want) || !pte_none(got))
			continue;
		real = ptep_get(ptep + i);
		if (pte_present(real) && pte_pfn(real) == pte_pfn(want)) {
			ptep_get_and_clear(fx->mms[k], next + i * PAGE_SIZE,
					   ptep + i);
			(*cleared)++;
		}
	}
	kunmap_local(canary);
	if (ptep)
		pte_unmap_unlock(ptep, ptl);
	if (*cleared)
		flush_tlb_mm(fx->mms[k]);
	mmap_read_unlock(fx->mms[k]);
}

/*
 * After an unmap attempt: fail on every canary entry that changed (the
 * first LAZYFREE_MAX_REPORTS one by one) and undo what the batch did, see
 * lazyfree_check_canary().  Returns whether all canaries were intact.
 */
static bool lazyfree_expect_canaries(struct lazyfree_fixture *fx)
{
	unsigned int nr_before = (lazyfree_next_table_addr(fx) - fx->addr) >> PAGE_SHIFT;
	struct lazyfree_canary_diff diffs[LAZYFREE_MAX_REPORTS];
	unsigned int j, k, cleared, all = 0;
	char what[48];

	for (k = 0; k < fx->nr_mms; k++) {
		struct lazyfree_diffs d = { .test = fx->test };

		cleared = 0;
		lazyfree_check_canary(fx, k, &d, diffs, &cleared);
		for (j = 0; j < min(d.nr, LAZYFREE_MAX_REPORTS); j++)
			KUNIT_FAIL(fx->test,
				   "mm %u: page-table canary entry %u changed from %#llx to %#llx: a batch read past the end of the page table (after PTE %u) and took the entry for PTE %u",
				   k, diffs[j].i, (u64)pte_val(diffs[j].want),
				   (u64)pte_val(diffs[j].got), nr_before - 1,
				   nr_before + diffs[j].i);
		snprintf(what, sizeof(what), "canary entries of mm %u changed", k);
		all += lazyfree_diffs_end(&d, what);
		if (cleared)
			kunit_info(fx->test,
				   "mm %u: cleared %u PTEs of the next page table whose mapcount, reference and RSS the batch had dropped\n",
				   k, cleared);
	}
	return !all;
}

/*
 * A batch may also read past its limit and act on nothing it read: the
 * canary then holds what it held, and no PTE shows the read.  Under
 * generic KASAN (the debug flavour, make check-debug) such a read is
 * reported.  For the time of each unmap attempt lazyfree_guard() poisons
 * the KASAN shadow of the page tables holding the folio's PTEs and of the
 * canaries, all but the folio's own entries: reclaim has no business with
 * any other, since the rmap walk reads the folio's range within each VMA
 * and every batch lies inside one such walk.  KASAN's report fails the
 * running case by itself; lazyfree_unguard() unpoisons the pages and says
 * what the report was about.  Not seen: a read past a VMA end that still
 * falls inside the folio's range (a VMA straddle), where the walk of the
 * next VMA reads the entry rightly; and any read without KASAN_GENERIC.
 */

/*
 * Poison page table @table, which maps from @table_addr, all but the
 * entries of the folio's pages it holds.
 */
static void lazyfree_poison_table(const struct lazyfree_fixture *fx,
				  struct page *table, unsigned long table_addr)
{
	unsigned long start = max(fx->addr, table_addr);
	unsigned long end = min(lazyfree_page_addr(fx, fx->nr_pages),
				table_addr + PMD_SIZE);
	pte_t *ptes = page_address(table);

	kasan_poison_pages(table, 0, false);
	kasan_unpoison_range(ptes + pte_index(start),
			     ((end - start) >> PAGE_SHIFT) * sizeof(pte_t));
}

/*
 * Right before an unmap attempt: poison every entry reclaim must not read
 * (see above).  Does nothing without KASAN_GENERIC.
 */
static void lazyfree_guard(struct lazyfree_fixture *fx)
{
	unsigned long first = ALIGN_DOWN(fx->addr, PMD_SIZE);
	unsigned long last = ALIGN_DOWN(lazyfree_page_addr(fx, fx->nr_pages - 1),
					PMD_SIZE);
	unsigned int j, k;

	if (!IS_ENABLED(CONFIG_KASAN_GENERIC))
		return;
	for (k = 0; k < fx->nr_mms; k++) {
		mmap_read_lock(fx->mms[k]);
		fx->guarded[k][0] = lazyfree_table_at(fx->mms[k], first);
		fx->guarded[k][1] = last == first ? NULL :
				    lazyfree_table_at(fx->mms[k], last);
		mmap_read_unlock(fx->mms[k]);
		for (j = 0; j < 2; j++)
			if (fx->guarded[k][j])
				lazyfree_poison_table(fx, fx->guarded[k][j],
						      j ? last : first);
		kasan_poison_pages(fx->canaries[k], 0, false);
	}
	fx->failed_before_guard = READ_ONCE(fx->test->status) == KUNIT_FAILURE;
}

/*
 * Right after the attempt: unpoison what lazyfree_guard() poisoned, and
 * if the case failed in between (only a KASAN report can fail it there),
 * say which entries were out of bounds.
 */
static void lazyfree_unguard(struct lazyfree_fixture *fx)
{
	unsigned int j, k;

	if (!IS_ENABLED(CONFIG_KASAN_GENERIC))
		return;
	for (k = 0; k < fx->nr_mms; k++) {
		for (j = 0; j < 2; j++) {
			if (fx->guarded[k][j])
				kasan_unpoison_range(page_address(fx->guarded[k][j]),
						     PAGE_SIZE);
			fx->guarded[k][j] = NULL;
		}
		kasan_unpoison_range(page_address(fx->canaries[k]), PAGE_SIZE);
	}
	if (!fx->failed_before_guard &&
	    READ_ONCE(fx->test->status) == KUNIT_FAILURE)
		KUNIT_FAIL(fx->test,
			   "KASAN reported an access during the unmap attempt (see its report above): reclaim read a PTE outside the folio's %u PTEs from %#lx, or past the end of the page table (the canary)",
			   fx->nr_pages, fx->addr);
}

/* ===== Triggers: what happens between MADV_FREE and reclaim ===== */

/* Simulate a user write to page @i: a write fault dirties its PTE. */
static void lazyfree_write_fault(struct lazyfree_fixture *fx, unsigned int i)
{
	unsigned long addr = lazyfree_page_addr(fx, i);
	struct kunit *test = fx->test;
	int ret;

	mmap_read_lock(fx->mm);
	ret = fixup_user_fault(fx->mm, addr, FAULT_FLAG_WRITE, NULL);
	mmap_read_unlock(fx->mm);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "write fault at PTE %u failed", i);
	KUNIT_ASSERT_TRUE_MSG(test, pte_dirty(lazyfree_read_pte(fx->mm, addr)),
			      "write fault left PTE %u clean", i);
}

static void lazyfree_put_page_action(void *page)
{
	put_page(page);
}

/*
 * Take an extra reference on page @i as get_user_pages() does for a driver
 * or O_DIRECT; returns the page, to be passed to lazyfree_unpin().
 */
static struct page *lazyfree_pin(struct lazyfree_fixture *fx, unsigned int i)
{
	struct kunit *test = fx->test;
	struct page *page = NULL;
	long got;
	int ret;

	mmap_read_lock(fx->mm);
	got = get_user_pages_remote(fx->mm, lazyfree_page_addr(fx, i), 1, 0,
				    &page, NULL);
	mmap_read_unlock(fx->mm);
	KUNIT_ASSERT_EQ_MSG(test, got, 1, "get_user_pages() of PTE %u", i);
	ret = kunit_add_action_or_reset(test, lazyfree_put_page_action, page);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_PTR_EQ_MSG(test, page, folio_page(fx->folio, i),
				"get_user_pages() of PTE %u found another page", i);
	fx->pins++;
	return page;
}

static void lazyfree_unpin(struct lazyfree_fixture *fx, struct page *page)
{
	kunit_release_action(fx->test, lazyfree_put_page_action, page);
	fx->pins--;
}

/*
 * Make PTE fx->young of mm 0 young and every other PTE of the folio old,
 * in every mm: the accessed bits as reclaim finds them when the program
 * read that one page after MADV_FREE (which left them all old).
 */
static int lazyfree_age_pte(pte_t *ptep, unsigned long addr,
			    unsigned long next, struct mm_walk *walk)
{
	struct lazyfree_fixture *fx = walk->private;
	pte_t pte = ptep_get(ptep);

	if (!pte_present(pte))
		return 0;
	if (lazyfree_walk_mm_index(walk) == 0 &&
	    lazyfree_walk_page_index(walk, addr) == fx->young)
		pte = pte_mkyoung(pte);
	else
		pte = pte_mkold(pte);
	set_pte_at(walk->mm, addr, ptep, pte);
	return 0;
}

static const struct mm_walk_ops lazyfree_age_ops = {
	.pte_entry = lazyfree_age_pte,
	.walk_lock = PGWALK_RDLOCK,
};

static void lazyfree_age(struct lazyfree_fixture *fx, unsigned int young)
{
	fx->young = young;
	lazyfree_change_mms(fx, &lazyfree_age_ops);
}

/* ===== The model: the end state a layout must reach ===== */

static bool lazyfree_in_hole(const struct lazyfree_layout *l, unsigned int i)
{
	return i >= l->hole_start && i < l->hole_start + l->hole_len;
}

/* In @mapped, exactly the PTEs of @l from @first on outside its hole. */
static void lazyfree_mapped_from(const struct lazyfree_layout *l,
				 unsigned int first, unsigned long *mapped)
{
	unsigned int i;

	bitmap_zero(mapped, LAZYFREE_MAX_PAGES);
	for (i = first; i < l->nr; i++)
		if (!lazyfree_in_hole(l, i))
			__set_bit(i, mapped);
}

/*
 * The soft-dirty bit of PTE i right before the unmap, where the arch has
 * one: set by the fault that mapped it (pte_mkdirty() sets it) unless the
 * layout cleared it, and set again by a write fault.
 */
static bool lazyfree_soft_dirty(const struct lazyfree_layout *l, unsigned int i)
{
	if ((l->trigger == LAZYFREE_REDIRTY ||
	     l->trigger == LAZYFREE_REDIRTY_PIN) && i == l->at)
		return true;
	return i < l->softclean;
}

/*
 * Whether a batch holding PTE i - 1 must end before PTE i: at a hole, at the
 * end of a page table, at the end of a VMA, and where the write or the
 * soft-dirty bit changes (folio_unmap_pte_batch() uses FPB_RESPECT_WRITE
 * and FPB_RESPECT_SOFT_DIRTY).
 */
static bool lazyfree_batch_ends_before(const struct lazyfree_layout *l,
				       const struct lazyfree_fixture *fx,
				       unsigned int i)
{
	if (lazyfree_in_hole(l, i) || lazyfree_in_hole(l, i - 1))
		return true;
	if (IS_ALIGNED(lazyfree_page_addr(fx, i), PMD_SIZE))
		return true;
	if ((l->kind == LAZYFREE_VMA_STRADDLE ||
	     l->kind == LAZYFREE_VMA_STRADDLE_MLOCKED) && i == l->split)
		return true;
	if (IS_ENABLED(CONFIG_MEM_SOFT_DIRTY) &&
	    lazyfree_soft_dirty(l, i) != lazyfree_soft_dirty(l, i - 1))
		return true;
	return i == l->wrprotect || i - 1 == l->wrprotect;
}

/* The first PTE of the batch that holds PTE @i. */
static unsigned int lazyfree_batch_start(const struct lazyfree_layout *l,
					 const struct lazyfree_fixture *fx,
					 unsigned int i)
{
	while (i && !lazyfree_batch_ends_before(l, fx, i))
		i--;
	return i;
}

/*
 * The end state reclaim must leave, derived from the layout: the rmap walk
 * visits the VMAs and, within one, the PTEs in address order; an mlocked
 * VMA ends the walk untouched (and the folio is mlocked if the walk found
 * it fully mapped in one page table); MADV_PAGEOUT leaves a folio mapped
 * by two mms alone.  A pin aborts the first batch, a redirtied PTE the
 * batch holding it (unless the VMA is droppable), and the abort ends the
 * walk; every PTE before that stays unmapped.  The folio becomes dirty if
 * the walk cleared the redirtied PTE, and swapbacked with it unless the
 * VMA is droppable.
 */
static void lazyfree_model(const struct lazyfree_layout *l,
			   const struct lazyfree_fixture *fx,
			   enum lazyfree_trigger trigger,
			   enum lazyfree_entry entry,
			   struct lazyfree_expect *exp)
{
	bool redirtied = trigger == LAZYFREE_REDIRTY ||
			 trigger == LAZYFREE_REDIRTY_PIN;
	bool droppable = l->vma == LAZYFREE_VMA_DROPPABLE;
	unsigned int walk_end = l->nr, first = 0, dirty_batch = l->nr;
	unsigned int keep_from;
	bool cleared;

	if (l->vma == LAZYFREE_VMA_MLOCKED ||
	    (entry == LAZYFREE_MADV_PAGEOUT && l->fork))
		walk_end = 0;
	else if (l->kind == LAZYFREE_VMA_STRADDLE_MLOCKED)
		walk_end = l->split;
	while (first < l->nr && lazyfree_in_hole(l, first))
		first++;
	if (redirtied)
		dirty_batch = lazyfree_batch_start(l, fx, l->at);

	keep_from = walk_end;
	if (trigger == LAZYFREE_PIN || trigger == LAZYFREE_REDIRTY_PIN)
		keep_from = 0;
	else if (trigger == LAZYFREE_REDIRTY && !droppable)
		keep_from = min(keep_from, dirty_batch);
	cleared = dirty_batch < walk_end &&
		  (trigger == LAZYFREE_REDIRTY || dirty_batch == first);

	memset(exp, 0, sizeof(*exp));
	lazyfree_mapped_from(l, keep_from, exp->mapped);
	exp->dirty = redirtied && cleared;
	exp->swapbacked = exp->dirty && !droppable;
	exp->mlocked = l->vma == LAZYFREE_VMA_MLOCKED && !l->hole_len &&
		       l->kind == LAZYFREE_IN_TABLE;
}

/* Whether PTE @i lies in an mlocked VMA. */
static bool lazyfree_in_mlocked_vma(const struct lazyfree_layout *l,
				    unsigned int i)
{
	return l->vma == LAZYFREE_VMA_MLOCKED ||
	       (l->kind == LAZYFREE_VMA_STRADDLE_MLOCKED && i >= l->split);
}

/*
 * What folio_referenced() must return: the number of VMAs in which it
 * found a young PTE of the folio.  Only PTE l->young of mm 0 is young
 * (lazyfree_age()), and it counts unless an mlocked VMA holds it: there
 * folio_referenced_one() counts the PTEs without looking at them (and
 * mlocks the folio if it finds it fully mapped in one page table).
 */
static int lazyfree_model_referenced(const struct lazyfree_layout *l)
{
	return l->young != UINT_MAX && !lazyfree_in_mlocked_vma(l, l->young);
}

/*
 * How many times one try_to_free_pages() call must take the folio off the
 * inactive list (PGSCAN_DIRECT counts its pages each time), the folio
 * alone on the file LRU lists: once if that look frees it or makes it
 * swapbacked (it goes to the anonymous lists, which are not scanned
 * without swap), and once more before that if a young PTE outside mlocked
 * VMAs makes the first look keep it for another trip around the list
 * (folio_check_references()).  0 where the folio is kept on the file
 * lists and looked at again at each priority: pinned, or kept by an
 * mlocked VMA.
 */
static unsigned int lazyfree_model_looks(const struct lazyfree_layout *l,
					 const struct lazyfree_expect *exp,
					 unsigned int nr_pages)
{
	if (!bitmap_empty(exp->mapped, nr_pages) && !exp->swapbacked)
		return 0;
	return 1 + lazyfree_model_referenced(l);
}

/*
 * Whether LRU reclaim must leave the folio it kept split: where the kernel
 * has THP, a large anonymous folio of order 2 or more left partly mapped
 * (a hole, or batches unmapped before the walk stopped) is on the deferred
 * split queue, and a try_to_free_pages() call that keeps the folio never
 * reaches its target, so it runs the shrinkers down to priority 0, the
 * deferred split one included, which splits it.  Not a pinned folio: its
 * extra reference makes the split fail.
 */
static bool lazyfree_model_split(const struct lazyfree_expect *exp,
				 unsigned int nr_pages, unsigned int pins)
{
	unsigned int mapped = bitmap_weight(exp->mapped, nr_pages);

	return IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) && nr_pages >= 4 &&
	       !pins && mapped && mapped < nr_pages;
}

/* ===== Checks ===== */

static int lazyfree_save_pte(pte_t *ptep, unsigned long addr,
			     unsigned long next, struct mm_walk *walk)
{
	struct lazyfree_fixture *fx = walk->private;

	fx->orig[lazyfree_walk_mm_index(walk)][lazyfree_walk_page_index(walk, addr)] =
		ptep_get(ptep);
	return 0;
}

static const struct mm_walk_ops lazyfree_save_ops = {
	.pte_entry = lazyfree_save_pte,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * Map the neighbour's page table and lock it; its PTEs are then at
 * the returned pointer (NULL if the table is gone).  The caller holds the
 * mmap lock.
 */
static pte_t *lazyfree_neighbour_ptes(struct lazyfree_fixture *fx,
				      spinlock_t **ptl)
{
	return lazyfree_pte_lock(fx->mm, fx->neighbour_addr, false, ptl);
}

/* Record the neighbour's PTEs, if there is one. */
static void lazyfree_save_neighbour(struct lazyfree_fixture *fx)
{
	spinlock_t *ptl;	/* the neighbour's PTE table lock */
	unsigned int i;
	pte_t *ptep;

	if (!fx->neighbour)
		return;
	mmap_read_lock(fx->mm);
	ptep = lazyfree_neighbour_ptes(fx, &ptl);
	for (i = 0; ptep && i < folio_nr_pages(fx->neighbour); i++)
		fx->neighbour_orig[i] = ptep_get(ptep + i);
	if (ptep)
		pte_unmap_unlock(ptep, ptl);
	mmap_read_unlock(fx->mm);
	KUNIT_ASSERT_NOT_NULL_MSG(fx->test, ptep, "the neighbour has no page table");
}

/* Right before an unmap: record every PTE, arm the canaries. */
static void lazyfree_snapshot(struct lazyfree_fixture *fx)
{
	lazyfree_walk_mms(fx, &lazyfree_save_ops);
	lazyfree_save_neighbour(fx);
	lazyfree_arm_canaries(fx);
}

/* A bit of PTE i of mm @k that must be as before the unmap. */
static bool lazyfree_check_bit(const struct lazyfree_fixture *fx, unsigned int k,
			       unsigned int i, const char *bit, bool now,
			       bool before, struct lazyfree_diffs *d)
{
	if (now == before)
		return true;
	if (lazyfree_diff(d))
		KUNIT_FAIL(fx->test, "mm %u PTE %u/%u: %s bit %d, was %d before the unmap",
			   k, i, fx->nr_pages, bit, now, before);
	return false;
}

/*
 * Check PTE i of mm @k against the expectation, a difference counted in
 * @d.  Returns whether it matched.
 */
static bool lazyfree_check_pte(const struct lazyfree_fixture *fx, unsigned int k,
			       unsigned int i, bool mapped,
			       struct lazyfree_diffs *d)
{
	pte_t pte = lazyfree_read_pte(fx->mms[k], lazyfree_page_addr(fx, i));
	unsigned long want = fx->pfn + i;
	struct kunit *test = fx->test;

	if (!mapped) {
		if (pte_none(pte))
			return true;
		if (lazyfree_diff(d))
			KUNIT_FAIL(test,
				   "mm %u PTE %u/%u: expected none, found %#llx (pfn %#lx, folio page %ld)",
				   k, i, fx->nr_pages, (u64)pte_val(pte),
				   pte_pfn(pte), (long)(pte_pfn(pte) - fx->pfn));
		return false;
	}

	if (!pte_present(pte)) {
		if (lazyfree_diff(d))
			KUNIT_FAIL(test,
				   "mm %u PTE %u/%u: expected present with pfn %#lx, found %s %#llx",
				   k, i, fx->nr_pages, want,
				   pte_none(pte) ? "none" : "non-present",
				   (u64)pte_val(pte));
		return false;
	}
	if (is_zero_pfn(pte_pfn(pte))) {
		if (lazyfree_diff(d))
			KUNIT_FAIL(test, "mm %u PTE %u/%u: maps the shared zero page",
				   k, i, fx->nr_pages);
		return false;
	}
	if (pte_pfn(pte) != want) {
		if (lazyfree_diff(d))
			KUNIT_FAIL(test,
				   "mm %u PTE %u/%u: maps pfn %#lx (folio page %ld), expected pfn %#lx (folio page %u)",
				   k, i, fx->nr_pages, pte_pfn(pte),
				   (long)(pte_pfn(pte) - fx->pfn), want, i);
		return false;
	}
	return lazyfree_check_bit(fx, k, i, "write", pte_write(pte),
				  pte_write(fx->orig[k][i]), d) &&
	       lazyfree_check_bit(fx, k, i, "soft-dirty", pte_soft_dirty(pte),
				  pte_soft_dirty(fx->orig[k][i]), d);
}

/*
 * Every PTE of every mm, and each mm's MM_ANONPAGES; the first
 * LAZYFREE_MAX_REPORTS differences are reported one by one, the rest
 * counted.  Returns whether everything matched.  Reads no folio state, so
 * it is safe after reclaim freed the folio.
 */
static bool lazyfree_expect_ptes(const struct lazyfree_fixture *fx,
				 const struct lazyfree_expect *exp)
{
	unsigned int nr_mapped = bitmap_weight(exp->mapped, fx->nr_pages);
	struct lazyfree_diffs d = { .test = fx->test };
	unsigned int i, k;

	for (k = 0; k < fx->nr_mms; k++) {
		for (i = 0; i < fx->nr_pages; i++)
			lazyfree_check_pte(fx, k, i, test_bit(i, exp->mapped), &d);
		KUNIT_EXPECT_EQ_MSG(fx->test, get_mm_counter(fx->mms[k], MM_ANONPAGES),
				    fx->rss_base[k] + nr_mapped, "MM_ANONPAGES of mm %u", k);
	}
	return !lazyfree_diffs_end(&d, "PTEs differ");
}

/*
 * After folio_referenced(): every PTE it looked at is old, since it clears
 * the accessed bits of each batch, all of it; the PTEs of an mlocked VMA,
 * which it does not look at, keep theirs.
 */
static void lazyfree_expect_aged(const struct lazyfree_fixture *fx,
				 const struct lazyfree_layout *l)
{
	struct lazyfree_diffs d = { .test = fx->test };
	unsigned int i, k;
	bool young, want;
	pte_t pte;

	for (k = 0; k < fx->nr_mms; k++) {
		for (i = 0; i < fx->nr_pages; i++) {
			pte = lazyfree_read_pte(fx->mms[k], lazyfree_page_addr(fx, i));
			if (!pte_present(pte))
				continue;
			young = pte_young(pte);
			want = k == 0 && i == l->young && lazyfree_in_mlocked_vma(l, i);
			if (young != want && lazyfree_diff(&d))
				KUNIT_FAIL(fx->test,
					   "mm %u PTE %u/%u: %s after folio_referenced(), expected %s",
					   k, i, fx->nr_pages, young ? "young" : "old",
					   want ? "young (an mlocked VMA: not looked at)" :
						  "old (its batch's accessed bits cleared)");
		}
	}
	lazyfree_diffs_end(&d, "accessed bits differ");
}

/* Zap PTEs @first to @end - 1 again, VMA by VMA (they may be mlocked). */
static void lazyfree_zap_range(struct lazyfree_fixture *fx, unsigned int first,
			       unsigned int end)
{
	unsigned long addr = lazyfree_page_addr(fx, first);
	unsigned long stop = lazyfree_page_addr(fx, end);
	struct vm_area_struct *vma;

	mmap_read_lock(fx->mm);
	while (addr < stop) {
		vma = vma_lookup(fx->mm, addr);
		if (!vma)
			break;
		zap_vma_range(vma, addr, min(stop, vma->vm_end) - addr);
		addr = min(stop, vma->vm_end);
	}
	mmap_read_unlock(fx->mm);
}

/*
 * What the program reads through its own address (copy_from_user() of
 * each page's first bytes in the test's mm; lazyfree_expect_data() checks
 * every byte through the kernel's mapping): page i as the data written to
 * it where bit i of @mapped is set; with @unmapped_too, every other page
 * as zeros, MADV_FREE's contract once reclaim has dropped a page.  On
 * x86_64 the read goes through the MMU, so a TLB entry left over from
 * before the unmap shows there as the old data.  Reading a none PTE maps
 * the shared zero page; those PTEs are zapped again, leaving the page
 * tables as reclaim left them.
 */
static void lazyfree_expect_reads(struct lazyfree_fixture *fx,
				  const unsigned long *mapped, bool unmapped_too)
{
	struct lazyfree_diffs d = { .test = fx->test };
	unsigned int i, run = UINT_MAX;
	u8 buf[LAZYFREE_READ_BYTES], want;
	u8 *at;

	for (i = 0; i <= fx->nr_pages; i++) {
		bool map = i < fx->nr_pages && test_bit(i, mapped);

		if (run != UINT_MAX && (map || i == fx->nr_pages)) {
			lazyfree_zap_range(fx, run, i);
			run = UINT_MAX;
		}
		if (i == fx->nr_pages || (!map && !unmapped_too))
			continue;
		if (!map && run == UINT_MAX)
			run = i;
		want = map ? lazyfree_pattern(i) : 0;
		if (copy_from_user(buf, (void __user *)lazyfree_page_addr(fx, i),
				   sizeof(buf))) {
			if (lazyfree_diff(&d))
				KUNIT_FAIL(fx->test, "page %u/%u: the program cannot read it",
					   i, fx->nr_pages);
			continue;
		}
		at = memchr_inv(buf, want, sizeof(buf));
		if (at && lazyfree_diff(&d))
			KUNIT_FAIL(fx->test,
				   "page %u/%u: the program reads %#x at byte %td, expected %#x (%s)",
				   i, fx->nr_pages, *at, at - buf, want,
				   map ? "the data it wrote" :
				   "zeros: the PTE is none; a stale TLB entry?");
	}
	/* Stale TLB entries must not outlive the case: the folio may go. */
	if (lazyfree_diffs_end(&d, "pages read back wrong"))
		flush_tlb_mm(fx->mm);
}

/* The pages mapped before an unmap attempt: all but the layout's hole. */
static void lazyfree_expect_reads_before(struct lazyfree_fixture *fx,
					 const struct lazyfree_layout *l)
{
	DECLARE_BITMAP(mapped, LAZYFREE_MAX_PAGES);

	lazyfree_mapped_from(l, 0, mapped);
	lazyfree_expect_reads(fx, mapped, false);
}

/*
 * Every byte of @folio's pages as lazyfree_fill(@folio, @first) wrote
 * them; a difference reported as "data of @what page i changed".
 */
static void lazyfree_expect_filled(struct kunit *test, struct folio *folio,
				   unsigned int first, const char *what)
{
	struct lazyfree_diffs d = { .test = test };
	unsigned int i;

	for (i = 0; i < folio_nr_pages(folio); i++) {
		void *kaddr = kmap_local_folio(folio, i * PAGE_SIZE);

		if (memchr_inv(kaddr, lazyfree_pattern(first + i), PAGE_SIZE) &&
		    lazyfree_diff(&d))
			KUNIT_FAIL(test, "data of %s page %u changed", what, i);
		kunmap_local(kaddr);
	}
	lazyfree_diffs_end(&d, "pages' data changed");
}

static void lazyfree_expect_data(const struct lazyfree_fixture *fx)
{
	lazyfree_expect_filled(fx->test, fx->folio, 0, "folio");
}

/*
 * The neighbour's PTEs after an unmap attempt, each as it was bit for bit
 * (nothing but the test touches the neighbour's pages); the first
 * LAZYFREE_MAX_REPORTS differences reported one by one.  A changed PTE is
 * put back while the neighbour's mapcount shows its accounting intact, so
 * that the mm tears down cleanly.
 */
static void lazyfree_expect_neighbour_ptes(struct lazyfree_fixture *fx)
{
	struct lazyfree_diffs d = { .test = fx->test };
	struct folio *folio = fx->neighbour;
	unsigned int i, nr = folio_nr_pages(folio);
	bool repair = folio_mapcount(folio) == nr;
	spinlock_t *ptl;	/* the neighbour's PTE table lock */
	pte_t *ptep;

	mmap_read_lock(fx->mm);
	ptep = lazyfree_neighbour_ptes(fx, &ptl);
	for (i = 0; ptep && i < nr; i++) {
		pte_t pte = ptep_get(ptep + i), was = fx->neighbour_orig[i];

		if (pte_same(pte, was))
			continue;
		if (lazyfree_diff(&d))
			KUNIT_FAIL(fx->test,
				   "neighbour PTE %u/%u: %#llx (pfn %#lx), was %#llx (pfn %#lx) before the unmap",
				   i, nr, (u64)pte_val(pte), pte_pfn(pte),
				   (u64)pte_val(was), pte_pfn(was));
		if (repair)
			set_pte_at(fx->mm, fx->neighbour_addr + i * PAGE_SIZE,
				   ptep + i, was);
	}
	if (ptep)
		pte_unmap_unlock(ptep, ptl);
	if (d.nr)
		flush_tlb_mm(fx->mm);
	mmap_read_unlock(fx->mm);
	KUNIT_EXPECT_NOT_NULL_MSG(fx->test, ptep, "the neighbour's page table is gone");
	lazyfree_diffs_end(&d, "neighbour PTEs differ");
}

/*
 * After an unmap attempt, the neighbour (if any) as the fixture made it:
 * its PTEs, mapcount, references (one per PTE), flags and data.
 */
static void lazyfree_expect_neighbour(struct lazyfree_fixture *fx)
{
	struct folio *folio = fx->neighbour;
	struct kunit *test = fx->test;
	unsigned int nr;

	if (!folio)
		return;
	nr = folio_nr_pages(folio);
	lazyfree_expect_neighbour_ptes(fx);
	KUNIT_EXPECT_EQ_MSG(test, folio_mapcount(folio), nr,
			    "neighbour's folio_mapcount()");
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio), nr,
			    "neighbour's folio_ref_count(): one per PTE");
	KUNIT_EXPECT_TRUE_MSG(test, folio_test_swapbacked(folio),
			      "neighbour's folio_test_swapbacked()");
	KUNIT_EXPECT_FALSE_MSG(test, folio_test_dirty(folio),
			       "neighbour's folio_test_dirty(): its dirt is in its PTEs");
	lazyfree_expect_filled(test, folio, fx->nr_pages, "neighbour");
}

/* Per-page mapcounts, where the kernel keeps them (CONFIG_PAGE_MAPCOUNT). */
static void lazyfree_expect_page_mapcounts(const struct lazyfree_fixture *fx,
					   const struct lazyfree_expect *exp)
{
	struct lazyfree_diffs d = { .test = fx->test };
	unsigned int i;

	if (!IS_ENABLED(CONFIG_PAGE_MAPCOUNT))
		return;
	for (i = 0; i < fx->nr_pages; i++) {
		int got = atomic_read(&folio_page(fx->folio, i)->_mapcount) + 1;
		int want = test_bit(i, exp->mapped) * fx->nr_mms;

		if (got != want && lazyfree_diff(&d))
			KUNIT_FAIL(fx->test, "page %u/%u: mapcount %d, expected %d",
				   i, fx->nr_pages, got, want);
	}
	lazyfree_diffs_end(&d, "page mapcounts differ");
}

/*
 * The folio's own state: mapcounts, references (@refs held by the test
 * besides mappings and pins), flags and data.
 */
static void lazyfree_expect_folio(const struct lazyfree_fixture *fx,
				  const struct lazyfree_expect *exp,
				  unsigned int refs, bool on_lru)
{
	unsigned int mappings = bitmap_weight(exp->mapped, fx->nr_pages) * fx->nr_mms;
	struct folio *folio = fx->folio;
	struct kunit *test = fx->test;

	if (!lazyfree_folio_intact(fx)) {
		KUNIT_FAIL(test,
			   "the order-%u folio was split: its first page is in an order-%u folio now",
			   ilog2(fx->nr_pages), folio_order(folio));
		return;
	}
	KUNIT_EXPECT_EQ_MSG(test, folio_mapcount(folio), mappings,
			    "folio_mapcount()");
	KUNIT_EXPECT_EQ_MSG(test, folio_large_mapcount(folio), mappings,
			    "folio_large_mapcount()");
	lazyfree_expect_page_mapcounts(fx, exp);
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio), refs + mappings + fx->pins,
			    "folio_ref_count(): %u held by the test + one per mapping + %u pinned",
			    refs, fx->pins);
	KUNIT_EXPECT_EQ_MSG(test, folio_test_swapbacked(folio), exp->swapbacked,
			    "folio_test_swapbacked()");
	KUNIT_EXPECT_EQ_MSG(test, folio_test_dirty(folio), exp->dirty,
			    "folio_test_dirty()");
	KUNIT_EXPECT_EQ_MSG(test, folio_test_mlocked(folio), exp->mlocked,
			    "folio_test_mlocked(): the folio is %sfully mapped in one page table of a VM_LOCKED VMA",
			    exp->mlocked ? "" : "not ");
	KUNIT_EXPECT_EQ_MSG(test, folio_test_lru(folio), on_lru,
			    "folio_test_lru()");
	lazyfree_expect_data(fx);
}

/* The mTHP counters of @order, summed over CPUs (all 0 without them). */
#if defined(CONFIG_TRANSPARENT_HUGEPAGE) && defined(CONFIG_SYSFS)
static void lazyfree_read_mthp(unsigned int order, long *stats)
{
	unsigned int item;
	int cpu;

	memset(stats, 0, sizeof(long) * __MTHP_STAT_COUNT);
	for_each_possible_cpu(cpu)
		for (item = 0; item < __MTHP_STAT_COUNT; item++)
			stats[item] += per_cpu(mthp_stats, cpu).stats[order][item];
}
#else
static void lazyfree_read_mthp(unsigned int order, long *stats)
{
	memset(stats, 0, sizeof(long) * __MTHP_STAT_COUNT);
}
#endif

/* How often a folio of @order was split (where the kernel counts it). */
static long lazyfree_splits(unsigned int order)
{
	long stats[__MTHP_STAT_COUNT];

	lazyfree_read_mthp(order, stats);
	return stats[MTHP_STAT_SPLIT];
}

/* A vm event counter (enum vm_event_item), summed over CPUs. */
static unsigned long lazyfree_vm_event(struct kunit *test,
				       enum vm_event_item item)
{
	unsigned long *events, count;

	events = kmalloc_array(NR_VM_EVENT_ITEMS, sizeof(*events), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, events);
	all_vm_events(events);
	count = events[item];
	kfree(events);
	return count;
}

/*
 * A node counter (enum node_stat_item) summed over nodes, with what each
 * CPU has not folded in yet: exact, where global_node_page_state() lags.
 */
static unsigned long lazyfree_node_stat(enum node_stat_item item)
{
	long sum = 0;
	int nid, cpu;

	for_each_online_node(nid) {
		struct pglist_data *pgdat = NODE_DATA(nid);

		sum += atomic_long_read(&pgdat->vm_stat[item]);
		for_each_online_cpu(cpu)
			sum += per_cpu_ptr(pgdat->per_cpu_nodestats,
					   cpu)->vm_node_stat_diff[item];
	}
	return sum;
}

static void lazyfree_folio_put_action(void *folio)
{
	folio_put(folio);
}

/*
 * Take the reference under the lock of a present PTE that maps a page of
 * the folio: that mapping holds a reference of its own, so the folio
 * cannot be freed under us (as GUP takes its references).
 */
static int lazyfree_hold_pte(pte_t *ptep, unsigned long addr,
			     unsigned long next, struct mm_walk *walk)
{
	struct lazyfree_fixture *fx = walk->private;
	pte_t pte = ptep_get(ptep);
	struct folio *folio;

	if (!lazyfree_maps_folio(fx, pte))
		return 0;
	/*
	 * Split: its pages are other folios now, the first one a smaller
	 * folio at the same address.
	 */
	folio = page_folio(pte_page(pte));
	if (folio != fx->folio || folio_nr_pages(folio) != fx->nr_pages)
		return 2;
	folio_get(fx->folio);
	return 1;
}

static const struct mm_walk_ops lazyfree_hold_ops = {
	.pte_entry = lazyfree_hold_pte,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * Take a reference on the folio so that the test may look at it, if a PTE
 * of one of the test's mms still maps it; lazyfree_folio_put_action() drops it in
 * a KUnit action.  The folio is not touched otherwise: the test holds no
 * reference on a folio it gave to reclaim, and one that no PTE maps any
 * more may already be free, whatever reclaim reported (a kernel that
 * unmaps a folio it then keeps frees it when it puts it back on the LRU).
 * Returns whether the reference was taken; if not, the case fails.
 */
static bool lazyfree_hold_folio(struct lazyfree_fixture *fx)
{
	int ret = lazyfree_walk_mms(fx, &lazyfree_hold_ops);

	KUNIT_EXPECT_GT_MSG(fx->test, ret, 0,
			    "reclaim kept the folio (returned 0, PGLAZYFREED unchanged), but no PTE maps it any more: it may be free, the test cannot look at it");
	KUNIT_EXPECT_NE_MSG(fx->test, ret, 2,
			    "the folio was split: its PTEs map pages of other folios now, the test cannot look at it");
	if (ret != 1)
		return false;
	ret = kunit_add_action_or_reset(fx->test, lazyfree_folio_put_action, fx->folio);
	KUNIT_ASSERT_EQ(fx->test, ret, 0);
	return true;
}

/*
 * LRU reclaim kept the folio partly mapped where the kernel has THP, so it
 * must have split it (lazyfree_model_split()); the PTEs were checked as
 * expected already.  The pages must be in other folios now, and read back
 * as they were; the pieces go with the munmap at the end of the case.
 */
static bool lazyfree_expect_split(struct lazyfree_fixture *fx,
				  const struct lazyfree_expect *exp)
{
	struct kunit *test = fx->test;
	int ret = lazyfree_walk_mms(fx, &lazyfree_hold_ops);

	if (ret == 1) {
		folio_put(fx->folio);	/* still mapped: not the last reference */
		KUNIT_FAIL(test,
			   "LRU reclaim kept the folio partly mapped and left it whole: the THP deferred split shrinker, which direct reclaim runs, must have split it");
		lazyfree_repair_ptes(fx);
		return false;
	}
	KUNIT_EXPECT_EQ_MSG(test, ret, 2,
			    "LRU reclaim kept the folio partly mapped, but no PTE maps its pages any more");
	if (ret != 2)
		return false;
	fx->split = true;
	lazyfree_folios_split++;
	lazyfree_expect_reads(fx, exp->mapped, true);
	return true;
}

/*
 * The end of a case that got this far.  Unless reclaim freed the folio,
 * remove every mapping (munmap in the test's mm, drop the child mm): then
 * the test's own reference must be the only one left, and no mapcount, or
 * the kernel under test leaked one.  Dropping that reference frees the
 * folio.
 */
static void lazyfree_release_and_expect(struct lazyfree_fixture *fx)
{
	struct folio *folio = fx->folio;
	struct kunit *test = fx->test;
	bool released;
	int ret;

	if (fx->reclaimed_pages) {
		lazyfree_folios_freed++;
		return;
	}
	if (fx->split)
		return;
	if (!fx->isolated && !lazyfree_hold_folio(fx))
		return;
	ret = vm_munmap(fx->addr, fx->nr_pages * PAGE_SIZE);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "munmap() of the folio's range");
	if (fx->nr_mms > 1)
		kunit_release_action(test, lazyfree_mmput_action, fx->mms[1]);
	fx->nr_mms = 1;
	lru_add_drain_all();

	released = !folio_mapped(folio) && folio_ref_count(folio) == 1;
	KUNIT_EXPECT_EQ_MSG(test, folio_mapcount(folio), 0,
			    "folio_mapcount() with every mm gone");
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio), 1,
			    "folio_ref_count() with every mm gone: only the test's own reference may be left");
	if (fx->isolated)
		kunit_release_action(test, lazyfree_putback_lru_action, folio);
	else
		kunit_release_action(test, lazyfree_folio_put_action, folio);
	lazyfree_folios_freed += released;
}

/* ===== Repair: what a failing case leaves behind ===== */

/*
 * Leave the mms consistent for their teardown whatever the kernel under
 * test did.  A PTE that maps a wrong PFN (as UML's broken set_ptes() makes
 * them, on restore and on fork) maps a page that holds no reference or
 * mapcount for it, while the folio page it stands for does: point it back
 * at that page.  And set each mm's MM_ANONPAGES to what its PTEs map, so
 * that a wrong count does not outlive the case.  Each repair is logged.
 */
static int lazyfree_repair_pte(pte_t *ptep, unsigned long addr,
			       unsigned long next, struct mm_walk *walk)
{
	struct lazyfree_fixture *fx = walk->private;
	unsigned int i = lazyfree_walk_page_index(walk, addr);
	pte_t pte = ptep_get(ptep);

	/* The zero page holds no reference or mapcount: leave it. */
	if (!pte_present(pte) || is_zero_pfn(pte_pfn(pte)))
		return 0;
	if (pte_pfn(pte) != fx->pfn + i) {
		set_pte_at(walk->mm, addr, ptep,
			   lazyfree_pte_with_pfn(pte, fx->pfn + i));
		fx->repaired++;
	}
	fx->present[lazyfree_walk_mm_index(walk)]++;
	fx->page_ptes[i]++;
	return 0;
}

static const struct mm_walk_ops lazyfree_repair_ops = {
	.pte_entry = lazyfree_repair_pte,
	.walk_lock = PGWALK_RDLOCK,
};

static void lazyfree_repair_ptes(struct lazyfree_fixture *fx)
{
	unsigned int k;
	long delta;

	fx->repaired = 0;
	memset(fx->present, 0, sizeof(fx->present));
	memset(fx->page_ptes, 0, sizeof(fx->page_ptes));
	lazyfree_change_mms(fx, &lazyfree_repair_ops);
	if (fx->repaired)
		kunit_info(fx->test, "repaired %u PTEs that mapped another page\n",
			   fx->repaired);
	for (k = 0; k < fx->nr_mms; k++) {
		delta = fx->rss_base[k] + fx->present[k] -
			get_mm_counter(fx->mms[k], MM_ANONPAGES);
		if (delta) {
			add_mm_counter(fx->mms[k], MM_ANONPAGES, delta);
			kunit_info(fx->test, "repaired MM_ANONPAGES of mm %u by %+ld\n",
				   k, delta);
		}
	}
}

#ifdef CONFIG_MM_ID
/* The folio's slot holding @id (MM_ID_DUMMY: a free one), or -1. */
static int lazyfree_mm_slot(struct folio *folio, mm_id_t id)
{
	int slot;

	for (slot = 0; slot < 2; slot++)
		if (folio_mm_id(folio, slot) == id)
			return slot;
	return -1;
}

/*
 * With CONFIG_MM_ID rmap also counts mappings per mm, in two slots: set
 * each of our mms' slot to the PTEs lazyfree_repair_ptes() found in it (a
 * slot for an mm mapping nothing is freed, an mm mapping something and
 * holding no slot gets a free one), and the shared bit to whether more
 * than one mm maps the folio.  Returns the number of values changed.
 */
static unsigned int lazyfree_repair_mm_ids(struct lazyfree_fixture *fx)
{
	struct folio *folio = fx->folio;
	unsigned long before = folio->_mm_ids;
	unsigned int k, changed = 0, mms = 0;
	int slot;

	for (k = 0; k < fx->nr_mms; k++) {
		int want = (int)fx->present[k] - 1;

		slot = lazyfree_mm_slot(folio, fx->mms[k]->mm_id);
		if (slot < 0 && want >= 0)
			slot = lazyfree_mm_slot(folio, MM_ID_DUMMY);
		if (slot < 0)
			continue;
		mms += want >= 0;
		if (folio->_mm_id_mapcount[slot] != want) {
			folio->_mm_id_mapcount[slot] = want;
			changed++;
		}
		folio_set_mm_id(folio, slot, want >= 0 ? fx->mms[k]->mm_id :
					     MM_ID_DUMMY);
	}
	if (mms > 1)
		folio->_mm_ids |= FOLIO_MM_IDS_SHARED_BIT;
	else
		folio->_mm_ids &= ~FOLIO_MM_IDS_SHARED_BIT;
	return changed + (folio->_mm_ids != before);
}
#else
static unsigned int lazyfree_repair_mm_ids(struct lazyfree_fixture *fx)
{
	return 0;
}
#endif

/*
 * After lazyfree_repair_ptes(), and only while the test holds a reference
 * to the folio: make the folio's mapcounts and references agree with the
 * PTEs that map it.  A batch that ran past the end of the page table
 * dropped them for entries it did not own; when the rmap walk then met the
 * real entries it dropped them once more, below zero.  This reaches into
 * rmap's counters as a debugger would, and logs what it changed: rmap has
 * no call that sets a count (folio_add_anon_rmap_ptes() and
 * folio_remove_rmap_ptes() only move counts that must already be right,
 * and warn or free the folio when they are not), and a count left wrong
 * would make the mm's teardown report "Bad page state" or free a mapped
 * page, failing later tests for this one's bug.  Only a failing case
 * (the kernel under test broke the counts) ever gets here with anything
 * to change.
 */
static void lazyfree_repair_folio(struct lazyfree_fixture *fx)
{
	struct folio *folio = fx->folio;
	unsigned int i, pages = 0, wrong = 0;
	int mapped = 0, delta;

	/* A split folio's pages are folios of their own: nothing to repair. */
	if (!lazyfree_folio_intact(fx))
		return;
	for (i = 0; i < fx->nr_pages; i++) {
		struct page *page = folio_page(folio, i);

		mapped += fx->page_ptes[i];
		pages += !!fx->page_ptes[i];
		if (IS_ENABLED(CONFIG_PAGE_MAPCOUNT) &&
		    atomic_read(&page->_mapcount) + 1 != fx->page_ptes[i]) {
			atomic_set(&page->_mapcount, fx->page_ptes[i] - 1);
			wrong++;
		}
	}
	wrong += lazyfree_repair_mm_ids(fx);
	delta = mapped - folio_large_mapcount(folio);
	if (!delta && !wrong)
		return;

	atomic_set(&folio->_large_mapcount, mapped - 1);
	if (IS_ENABLED(CONFIG_PAGE_MAPCOUNT))
		atomic_set(&folio->_nr_pages_mapped, pages);
	if (delta > 0)
		folio_ref_add(folio, delta);
	else
		folio_ref_sub(folio, -delta);
	kunit_info(fx->test,
		   "repaired the folio's mapcount (%d pages' own) and references by %+d to match its %d PTEs\n",
		   wrong, delta, mapped);
}

static int lazyfree_forget_pte(pte_t *ptep, unsigned long addr,
			       unsigned long next, struct mm_walk *walk)
{
	struct lazyfree_fixture *fx = walk->private;
	pte_t pte = ptep_get(ptep);

	if (!lazyfree_maps_folio(fx, pte))
		return 0;
	ptep_get_and_clear(walk->mm, addr, ptep);
	add_mm_counter(walk->mm, MM_ANONPAGES, -1);
	fx->repaired++;
	return 0;
}

static const struct mm_walk_ops lazyfree_forget_ops = {
	.pte_entry = lazyfree_forget_pte,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * The kernel under test freed the folio during try_to_unmap() although the
 * test held a reference (a batch dropped the references of entries it
 * never cleared).  Clear every PTE still mapping one of its pages, in
 * every mm, with the RSS it holds, touching no freed page, and let go of
 * the folio, so that the mms go without freeing its pages once more.
 */
static void lazyfree_forget_folio(struct lazyfree_fixture *fx)
{
	fx->repaired = 0;
	lazyfree_change_mms(fx, &lazyfree_forget_ops);
	kunit_remove_action(fx->test, lazyfree_putback_lru_action, fx->folio);
	fx->isolated = false;
	KUNIT_FAIL(fx->test,
		   "the kernel freed the folio during try_to_unmap() although the test held a reference; cleared the %u PTEs still mapping it",
		   fx->repaired);
}

/* ===== The scenario table ===== */

/*
 * The scenario table; each row runs for every order from max(1, min_order)
 * to PMD_ORDER - 1, through try_to_unmap(), through reclaim_pages() where
 * .reclaim says so, and through MADV_PAGEOUT where that takes the
 * folio whole (lazyfree_row_runs()); where LAZYFREE_CAN_FAULT, all of it
 * once more on a faulted folio, from order LAZYFREE_MIN_FAULT_ORDER.  A
 * row's min_order is the smallest order at which its positions are
 * distinct PTEs (e.g. a hole in the middle with mapped PTEs on both sides
 * needs four pages); smaller orders have no such layout.
 */
static const struct lazyfree_scenario lazyfree_scenarios[] = {
	/* Fully inside one page table: one batch. */
	{ .kind = LAZYFREE_IN_TABLE, .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .trigger = LAZYFREE_REDIRTY,
	  .at = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_IN_TABLE, .trigger = LAZYFREE_PIN,
	  .at = LAZYFREE_POS_FIRST, .reclaim = true },
	/* Straddling a PMD: 1 + rest, half + half, rest + 1. */
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_SECOND },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .reclaim = true },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_SECOND,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST,
	  .reclaim = true },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_LAST,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_FIRST },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .trigger = LAZYFREE_PIN, .at = LAZYFREE_POS_LAST },
	/* Straddling a VMA end, both VMAs unlocked: two batches. */
	{ .kind = LAZYFREE_VMA_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .reclaim = true },
	{ .kind = LAZYFREE_VMA_STRADDLE, .split = LAZYFREE_POS_SECOND,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_VMA_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	/* Straddling a VMA end, the second VMA mlocked. */
	{ .kind = LAZYFREE_VMA_STRADDLE_MLOCKED, .split = LAZYFREE_POS_HALF },
	{ .kind = LAZYFREE_VMA_STRADDLE_MLOCKED, .split = LAZYFREE_POS_SECOND },
	{ .kind = LAZYFREE_VMA_STRADDLE_MLOCKED, .split = LAZYFREE_POS_LAST },
	/* Partly mapped: only the mapped runs are unmapped. */
	{ .kind = LAZYFREE_IN_TABLE, .hole = LAZYFREE_HOLE_HEAD },
	{ .kind = LAZYFREE_IN_TABLE, .hole = LAZYFREE_HOLE_MIDDLE,
	  .min_order = 2, .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .hole = LAZYFREE_HOLE_TAIL },
	{ .kind = LAZYFREE_IN_TABLE, .hole = LAZYFREE_HOLE_MIDDLE,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST,
	  .min_order = 2 },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .hole = LAZYFREE_HOLE_HEAD, .trigger = LAZYFREE_REDIRTY,
	  .at = LAZYFREE_POS_LAST, .min_order = 2 },
	/* Mixed write bits: batches split around the write-protected PTE. */
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .wrprotect = LAZYFREE_POS_QUARTER, .min_order = 2 },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .wrprotect = LAZYFREE_POS_QUARTER, .trigger = LAZYFREE_REDIRTY,
	  .at = LAZYFREE_POS_FIRST, .min_order = 2 },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .wrprotect = LAZYFREE_POS_QUARTER, .trigger = LAZYFREE_REDIRTY,
	  .at = LAZYFREE_POS_AFTER_QUARTER, .min_order = 3 },
	{ .kind = LAZYFREE_IN_TABLE, .wrprotect = LAZYFREE_POS_SECOND,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_FIRST },
	{ .kind = LAZYFREE_IN_TABLE, .wrprotect = LAZYFREE_POS_FIRST,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	/*
	 * Shared with a second mm over fork (no redirty: a write would COW);
	 * the rmap walk visits both mms' VMAs in an order the test does not
	 * choose, so only rows whose end state does not depend on it.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .fork = true },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .fork = true, .reclaim = true },
	{ .kind = LAZYFREE_VMA_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .fork = true },
	{ .kind = LAZYFREE_IN_TABLE, .trigger = LAZYFREE_PIN,
	  .at = LAZYFREE_POS_LAST, .fork = true },
	/*
	 * The folio alone in an mlocked VMA: nothing is unmapped, and the
	 * folio is mlocked only if the walk found it fully mapped in one
	 * page table.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .vma = LAZYFREE_VMA_MLOCKED,
	  .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .vma = LAZYFREE_VMA_MLOCKED,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_IN_TABLE, .vma = LAZYFREE_VMA_MLOCKED,
	  .hole = LAZYFREE_HOLE_MIDDLE, .min_order = 2, .reclaim = true },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .vma = LAZYFREE_VMA_MLOCKED, .reclaim = true },
	/*
	 * The folio alone in a droppable VMA: discarded even though
	 * redirtied.  Not through reclaim_pages(): shrink_folio_list() then
	 * finds the unmapped folio dirty, pageout() refuses an anon folio
	 * outside the swap cache, and reclaim reports it kept (0, PGLAZYFREED
	 * unchanged) although no PTE maps it (the putback frees it): nothing
	 * the test may look at.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .vma = LAZYFREE_VMA_DROPPABLE },
	{ .kind = LAZYFREE_IN_TABLE, .vma = LAZYFREE_VMA_DROPPABLE,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .vma = LAZYFREE_VMA_DROPPABLE, .trigger = LAZYFREE_REDIRTY,
	  .at = LAZYFREE_POS_FIRST },
	/*
	 * Dirty before MADV_FREE (faulted folios only): MADV_FREE must clean
	 * the folio and its PTEs, or reclaim keeps it.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .predirty = true, .reclaim = true },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .predirty = true, .trigger = LAZYFREE_REDIRTY,
	  .at = LAZYFREE_POS_LAST },
	/*
	 * The next mTHP right after (before) the folio, in use, its PFNs
	 * continuing (preceding) the folio's: only the folio's end stops the
	 * batch, the neighbour comes out untouched, and an aborted batch
	 * restores the folio's PTEs and no more.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .neighbour = LAZYFREE_NEIGHBOUR_AFTER,
	  .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .neighbour = LAZYFREE_NEIGHBOUR_BEFORE,
	  .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .neighbour = LAZYFREE_NEIGHBOUR_AFTER,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	/*
	 * Redirtied and pinned at once: the first batch aborts, and the
	 * folio comes back swapbacked exactly when that batch held the
	 * dirty PTE.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .trigger = LAZYFREE_REDIRTY_PIN,
	  .at = LAZYFREE_POS_FIRST, .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .trigger = LAZYFREE_REDIRTY_PIN,
	  .at = LAZYFREE_POS_LAST, .reclaim = true },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .trigger = LAZYFREE_REDIRTY_PIN, .at = LAZYFREE_POS_LAST,
	  .reclaim = true },
	/*
	 * Mixed soft-dirty bits (CONFIG_MEM_SOFT_DIRTY only): batches split
	 * where the bit changes, and an aborted batch comes back with each
	 * PTE's bit as it was.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .softclean = LAZYFREE_POS_HALF,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_FIRST },
	{ .kind = LAZYFREE_IN_TABLE, .softclean = LAZYFREE_POS_HALF,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST,
	  .min_order = 2 },
	{ .kind = LAZYFREE_IN_TABLE, .softclean = LAZYFREE_POS_HALF,
	  .trigger = LAZYFREE_PIN, .at = LAZYFREE_POS_FIRST, .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .softclean = LAZYFREE_POS_SECOND,
	  .reclaim = true },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .softclean = LAZYFREE_POS_QUARTER, .trigger = LAZYFREE_REDIRTY,
	  .at = LAZYFREE_POS_FIRST, .min_order = 2 },
	/*
	 * One page read after MADV_FREE (folio_referenced_scenarios only):
	 * folio_referenced() must find its young PTE whichever batch holds
	 * it, clear it, and count the VMA once, so that reclaim keeps the
	 * folio; in an mlocked VMA it looks at no PTE.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .young = LAZYFREE_POS_FIRST },
	{ .kind = LAZYFREE_IN_TABLE, .young = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .young = LAZYFREE_POS_SECOND },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .young = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_VMA_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .young = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_VMA_STRADDLE_MLOCKED, .split = LAZYFREE_POS_HALF,
	  .young = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_IN_TABLE, .hole = LAZYFREE_HOLE_MIDDLE,
	  .young = LAZYFREE_POS_LAST, .min_order = 2 },
	{ .kind = LAZYFREE_IN_TABLE, .wrprotect = LAZYFREE_POS_SECOND,
	  .young = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_IN_TABLE, .young = LAZYFREE_POS_LAST,
	  .fork = true },
	{ .kind = LAZYFREE_IN_TABLE, .vma = LAZYFREE_VMA_MLOCKED,
	  .young = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_IN_TABLE, .neighbour = LAZYFREE_NEIGHBOUR_AFTER,
	  .young = LAZYFREE_POS_LAST },
};

/*
 * Which rows run through @entry: all through try_to_unmap() but those with
 * a young PTE, which only folio_referenced() looks at; those marked
 * through reclaim_pages() and folio_referenced(), with the young ones; and
 * through MADV_PAGEOUT those it reclaims
 * whole and those it must leave alone: a folio mapped by two mms (neither
 * split nor reclaimed).  Not through MADV_PAGEOUT: a folio it does not see
 * whole in one walk of one page table of one mm (a hole, a PMD or VMA end
 * inside it), which it splits; an mlocked VMA, which it refuses (-EINVAL);
 * a droppable VMA (as for reclaim_pages()).
 */
static bool lazyfree_row_runs(const struct lazyfree_scenario *sc,
			      enum lazyfree_entry entry)
{
	if (sc->young != LAZYFREE_POS_NONE)
		return entry == LAZYFREE_REFERENCES || entry == LAZYFREE_LRU;
	switch (entry) {
	case LAZYFREE_RECLAIM_PAGES:
	case LAZYFREE_REFERENCES:
	case LAZYFREE_LRU:
		return sc->reclaim;
	case LAZYFREE_MADV_PAGEOUT:
		if (sc->vma != LAZYFREE_VMA_PLAIN)
			return false;
		return sc->fork || (sc->kind == LAZYFREE_IN_TABLE &&
				    sc->hole == LAZYFREE_HOLE_NONE);
	default:
		return true;
	}
}

/* ===== Parameters: each row at every order ===== */

/*
 * Each scenario case registers its parameters in its param_init: an array
 * of the layouts it runs, every row resolved once at every order (struct
 * lazyfree_layout), which KUnit numbers and names ("1..N").
 */

/* The PTE index @pos stands for in a folio of @nr pages; UINT_MAX for none. */
static unsigned int lazyfree_pos_index(enum lazyfree_pos pos, unsigned int nr)
{
	switch (pos) {
	case LAZYFREE_POS_FIRST:
		return 0;
	case LAZYFREE_POS_SECOND:
		return 1;
	case LAZYFREE_POS_QUARTER:
		return nr / 4;
	case LAZYFREE_POS_AFTER_QUARTER:
		return nr / 4 + 1;
	case LAZYFREE_POS_HALF:
		return nr / 2;
	case LAZYFREE_POS_LAST:
		return nr - 1;
	default:
		return UINT_MAX;
	}
}

/* Row @sc at @order, the folio made by @source. */
static void lazyfree_resolve(const struct lazyfree_scenario *sc,
			     unsigned int order, enum lazyfree_source source,
			     struct lazyfree_layout *l)
{
	unsigned int quarter;

	memset(l, 0, sizeof(*l));	/* comparable with memcmp() */
	l->source = source;
	l->order = order;
	l->nr = 1U << order;
	quarter = max(1U, l->nr / 4);
	l->kind = sc->kind;
	l->split = sc->kind == LAZYFREE_IN_TABLE ? 0 :
		   lazyfree_pos_index(sc->split, l->nr);
	l->hole_len = sc->hole == LAZYFREE_HOLE_NONE ? 0 : quarter;
	l->hole_start = sc->hole == LAZYFREE_HOLE_MIDDLE ? l->nr / 2 :
			sc->hole == LAZYFREE_HOLE_TAIL ? l->nr - quarter : 0;
	l->wrprotect = lazyfree_pos_index(sc->wrprotect, l->nr);
	l->softclean = lazyfree_pos_index(sc->softclean, l->nr);
	l->young = lazyfree_pos_index(sc->young, l->nr);
	l->vma = sc->vma;
	l->neighbour = sc->neighbour;
	l->predirty = sc->predirty;
	l->trigger = sc->trigger;
	l->at = lazyfree_pos_index(sc->at, l->nr);
	l->fork = sc->fork;
}

static const char * const lazyfree_kind_names[] = {
	[LAZYFREE_IN_TABLE] = "in_table",
	[LAZYFREE_PMD_STRADDLE] = "pmd_straddle",
	[LAZYFREE_VMA_STRADDLE] = "vma_straddle",
	[LAZYFREE_VMA_STRADDLE_MLOCKED] = "mlocked_vma_straddle",
};

static const char * const lazyfree_trigger_names[] = {
	[LAZYFREE_CLEAN] = "",
	[LAZYFREE_REDIRTY] = "_redirty",
	[LAZYFREE_PIN] = "_pin",
	[LAZYFREE_REDIRTY_PIN] = "_redirty_pin",
};

static const char * const lazyfree_neighbour_names[] = {
	[LAZYFREE_NEIGHBOUR_NONE] = "",
	[LAZYFREE_NEIGHBOUR_AFTER] = "_neighbour_after",
	[LAZYFREE_NEIGHBOUR_BEFORE] = "_neighbour_before",
};

static const char * const lazyfree_vma_names[] = {
	[LAZYFREE_VMA_PLAIN] = "",
	[LAZYFREE_VMA_MLOCKED] = "_mlocked",
	[LAZYFREE_VMA_DROPPABLE] = "_droppable",
};

/*
 * Write a layout's name into @desc of @size bytes, e.g.
 * "order4_pmd_straddle_8_8_wrprotect_4_redirty_5", "faulted_order2_in_table";
 * returns its length.
 */
static int lazyfree_name(const struct lazyfree_layout *l, char *desc, int size)
{
	int n;

	n = scnprintf(desc, size, "%sorder%u_%s",
		      l->source == LAZYFREE_FAULTED ? "faulted_" : "", l->order,
		      lazyfree_kind_names[l->kind]);
	if (l->kind != LAZYFREE_IN_TABLE)
		n += scnprintf(desc + n, size - n, "_%u_%u",
			       l->split, l->nr - l->split);
	if (l->hole_len)
		n += scnprintf(desc + n, size - n, "_hole_%u_%u",
			       l->hole_start, l->hole_len);
	if (l->wrprotect != UINT_MAX)
		n += scnprintf(desc + n, size - n,
			       "_wrprotect_%u", l->wrprotect);
	if (l->softclean != UINT_MAX)
		n += scnprintf(desc + n, size - n,
			       "_softclean_%u", l->softclean);
	if (l->young != UINT_MAX)
		n += scnprintf(desc + n, size - n, "_young_%u", l->young);
	n += scnprintf(desc + n, size - n, "%s%s%s",
		       lazyfree_vma_names[l->vma],
		       lazyfree_neighbour_names[l->neighbour],
		       l->predirty ? "_predirty" : "");
	if (l->fork)
		n += scnprintf(desc + n, size - n, "_forked");
	if (l->trigger != LAZYFREE_CLEAN)
		n += scnprintf(desc + n, size - n, "%s_%u",
			       lazyfree_trigger_names[l->trigger], l->at);
	return n;
}

/* get_description of the parameter arrays of layouts */
static void lazyfree_describe(struct kunit *test, const void *param,
			      char *desc)
{
	lazyfree_name(param, desc, KUNIT_PARAM_DESC_SIZE);
}

/*
 * Append @sc at every order it runs at for @source to the @nr layouts in
 * @layouts, each layout once: at small orders some positions coincide (at
 * order 1, the second PTE is also the half and the last one), and such a
 * row would only repeat an earlier one.
 */
static void lazyfree_add_layouts(struct lazyfree_layout *layouts,
				 unsigned int *nr,
				 const struct lazyfree_scenario *sc,
				 enum lazyfree_source source)
{
	unsigned int order = max(1U, sc->min_order), i;

	if (source == LAZYFREE_FAULTED)
		order = max(order, LAZYFREE_MIN_FAULT_ORDER);
	for (; order < PMD_ORDER; order++) {
		lazyfree_resolve(sc, order, source, &layouts[*nr]);
		for (i = 0; i < *nr; i++)
			if (!memcmp(&layouts[i], &layouts[*nr], sizeof(*layouts)))
				break;
		if (i == *nr)
			(*nr)++;
	}
}

/*
 * Register the layouts a case runs as its parameter array: every row of
 * @table that runs through @entry (lazyfree_row_runs(); soft-dirty rows
 * only with CONFIG_MEM_SOFT_DIRTY, droppable ones only where VM_DROPPABLE
 * exists, predirty ones only faulted, those with a neighbour only
 * hand-built) at every order, hand-built if @hand_built, then faulted where
 * the kernel can make the folio.
 */
static int lazyfree_register_layouts(struct kunit *test,
				     const struct lazyfree_scenario *table,
				     unsigned int nr_rows,
				     enum lazyfree_entry entry, bool hand_built)
{
	enum lazyfree_source source = hand_built ? LAZYFREE_HAND_BUILT :
						   LAZYFREE_FAULTED;
	struct lazyfree_layout *layouts;
	unsigned int i, nr = 0;

	layouts = kunit_kcalloc(test, nr_rows * PMD_ORDER * 2, sizeof(*layouts),
				GFP_KERNEL);
	if (!layouts)
		return -ENOMEM;
	for (; source <= LAZYFREE_FAULTED; source++) {
		if (source == LAZYFREE_FAULTED && !LAZYFREE_CAN_FAULT)
			break;
		for (i = 0; i < nr_rows; i++) {
			const struct lazyfree_scenario *sc = &table[i];

			if (!lazyfree_row_runs(sc, entry))
				continue;
			if (sc->softclean != LAZYFREE_POS_NONE &&
			    !IS_ENABLED(CONFIG_MEM_SOFT_DIRTY))
				continue;
			if (sc->vma == LAZYFREE_VMA_DROPPABLE &&
			    VM_DROPPABLE == VM_NONE)
				continue;
			if (sc->predirty && source == LAZYFREE_HAND_BUILT)
				continue;
			if (sc->neighbour != LAZYFREE_NEIGHBOUR_NONE &&
			    source == LAZYFREE_FAULTED)
				continue;
			lazyfree_add_layouts(layouts, &nr, sc, source);
		}
	}
	kunit_register_params_array(test, layouts, nr, lazyfree_describe);
	return 0;
}

static int lazyfree_unmap_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, lazyfree_scenarios,
					 ARRAY_SIZE(lazyfree_scenarios),
					 LAZYFREE_TRY_TO_UNMAP, true);
}

static int lazyfree_reclaim_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, lazyfree_scenarios,
					 ARRAY_SIZE(lazyfree_scenarios),
					 LAZYFREE_RECLAIM_PAGES, true);
}

static int lazyfree_pageout_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, lazyfree_scenarios,
					 ARRAY_SIZE(lazyfree_scenarios),
					 LAZYFREE_MADV_PAGEOUT, true);
}

static int lazyfree_referenced_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, lazyfree_scenarios,
					 ARRAY_SIZE(lazyfree_scenarios),
					 LAZYFREE_REFERENCES, true);
}

static int lazyfree_lru_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, lazyfree_scenarios,
					 ARRAY_SIZE(lazyfree_scenarios),
					 LAZYFREE_LRU, true);
}

#if LAZYFREE_CAN_FAULT
static const struct lazyfree_scenario lazyfree_fidelity_row = {
	.kind = LAZYFREE_IN_TABLE,
};

/* fault_fidelity: the in-table layout at every order the fault path maps. */
static int lazyfree_fidelity_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, &lazyfree_fidelity_row, 1,
					 LAZYFREE_TRY_TO_UNMAP, false);
}

static const char * const lazyfree_cut_names[] = {
	[LAZYFREE_CUT_HEAD_OFF] = "head_off",
	[LAZYFREE_CUT_TAIL_OFF] = "tail_off",
	[LAZYFREE_CUT_INTO_HEAD] = "into_head",
	[LAZYFREE_CUT_PAST_TAIL] = "past_tail",
};

/* e.g. "free_order4_head_off": the advice, the order, the cut. */
static void lazyfree_cut_describe(struct kunit *test, const void *param,
				  char *desc)
{
	const struct lazyfree_cut_layout *c = param;

	scnprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s_order%u_%s",
		  c->advice == MADV_FREE ? "free" : "pageout", c->order,
		  lazyfree_cut_names[c->cut]);
}

/* The cut layouts: every cut at every order faults can make, each advice. */
static int lazyfree_cut_params_init(struct kunit *test)
{
	static const int advices[] = { MADV_FREE, MADV_PAGEOUT };
	struct lazyfree_cut_layout *layouts, *c;
	unsigned int order, a, nr = 0;
	enum lazyfree_cut cut;

	layouts = kunit_kcalloc(test, ARRAY_SIZE(advices) * PMD_ORDER * 4,
				sizeof(*layouts), GFP_KERNEL);
	if (!layouts)
		return -ENOMEM;
	for (a = 0; a < ARRAY_SIZE(advices); a++)
		for (cut = LAZYFREE_CUT_HEAD_OFF; cut <= LAZYFREE_CUT_PAST_TAIL; cut++)
			for (order = LAZYFREE_MIN_FAULT_ORDER; order < PMD_ORDER; order++) {
				c = &layouts[nr++];
				c->order = order;
				c->advice = advices[a];
				c->cut = cut;
				c->first = cut == LAZYFREE_CUT_HEAD_OFF ? 1 :
					   cut == LAZYFREE_CUT_INTO_HEAD ? -1 :
					   cut == LAZYFREE_CUT_PAST_TAIL ? (1 << order) - 1 : 0;
				c->end = cut == LAZYFREE_CUT_TAIL_OFF ? (1 << order) - 1 :
					 cut == LAZYFREE_CUT_INTO_HEAD ? 1 :
					 cut == LAZYFREE_CUT_PAST_TAIL ? (1 << order) + 1 :
					 1 << order;
			}
	kunit_register_params_array(test, layouts, nr, lazyfree_cut_describe);
	return 0;
}
#endif

/* ===== Random layouts: the model as the oracle ===== */

/*
 * random_layouts draws layouts from a PRNG seeded with
 * rmap_lazyfree_batch_kunit.random_seed (default 1) and runs
 * lazyfree_random_count of them (boot parameter ...random_count) from
 * index ...random_first on (default 0; the ones before are drawn and
 * dropped): every dimension of the scenario table combined freely, each
 * through one reclaim entry, with the end state from lazyfree_model().
 * The same seed gives the same layout at each index in every boot; each
 * result is named after its seed, its index and its layout, and
 * random_first=index random_count=1 runs that one alone.  Left out, as in
 * the table: what the fixture cannot build or the model does not decide
 * (see lazyfree_draw()).
 */
static unsigned int lazyfree_random_seed = 1;
module_param_named(random_seed, lazyfree_random_seed, uint, 0444);
MODULE_PARM_DESC(random_seed, "seed of the random_layouts case");

/*
 * 3000 on UML (the whole suite then runs in 816-903 ms on an idle host);
 * 500 on x86_64 under TCG, where make check boots the suite some 40 times.
 */
static unsigned int lazyfree_random_count = LAZYFREE_CAN_FAULT ? 500 : 3000;
module_param_named(random_count, lazyfree_random_count, uint, 0444);
MODULE_PARM_DESC(random_count, "number of layouts random_layouts runs");

static unsigned int lazyfree_random_first;
module_param_named(random_first, lazyfree_random_first, uint, 0444);
MODULE_PARM_DESC(random_first, "index of the first layout random_layouts runs");

/*
 * Layouts by name instead of a draw: random layouts' names without their
 * "seed<S>_<I>_" prefix, separated by commas, e.g.
 * "order4_pmd_straddle_3_13_pin_2_reclaim,order4_in_table_unmap";
 * scripts/shrink boots the suite with each round's smaller candidates.
 */
static char *lazyfree_random_layout;
module_param_named(random_layout, lazyfree_random_layout, charp, 0444);
MODULE_PARM_DESC(random_layout,
		 "run only these layouts (names, comma-separated) in random_layouts");

/**
 * struct lazyfree_random_layout - one parameter of random_layouts
 * @l: the layout
 * @entry: the reclaim entry it goes through
 * @index: its index in the draw
 * @given: named by random_layout=, not drawn
 * @drawable: a layout lazyfree_draw() can draw (lazyfree_random_drawable());
 *	a given one that is not is skipped
 */
struct lazyfree_random_layout {
	struct lazyfree_layout l;
	enum lazyfree_entry entry;
	unsigned int index;
	bool given;
	bool drawable;
};

/* A number in [0, @n). */
static unsigned int lazyfree_rand(struct rnd_state *rnd, unsigned int n)
{
	return prandom_u32_state(rnd) % n;
}

/* True @percent times in a hundred. */
static bool lazyfree_chance(struct rnd_state *rnd, unsigned int percent)
{
	return lazyfree_rand(rnd, 100) < percent;
}

/* A PTE of @l outside its hole. */
static unsigned int lazyfree_rand_mapped(struct rnd_state *rnd,
					 const struct lazyfree_layout *l)
{
	unsigned int i = lazyfree_rand(rnd, l->nr - l->hole_len);

	return i < l->hole_start ? i : i + l->hole_len;
}

/*
 * Draw the layout's shape: source, order, kind and split, hole (any start
 * and length that leave a PTE mapped), a write-protected PTE, soft-dirty
 * bits (CONFIG_MEM_SOFT_DIRTY only), the folio's own VMA (in one page
 * table or across a PMD, as the table has it), a neighbour (hand-built, in
 * one page table, plain VMA), predirty (faulted only).
 */
static void lazyfree_draw_shape(struct rnd_state *rnd, struct lazyfree_layout *l)
{
	unsigned int min_order = 1;

	memset(l, 0, sizeof(*l));
	l->source = LAZYFREE_HAND_BUILT;
	if (LAZYFREE_CAN_FAULT && lazyfree_chance(rnd, 50)) {
		l->source = LAZYFREE_FAULTED;
		min_order = LAZYFREE_MIN_FAULT_ORDER;
	}
	l->order = min_order + lazyfree_rand(rnd, PMD_ORDER - min_order);
	l->nr = 1U << l->order;
	l->kind = lazyfree_rand(rnd, LAZYFREE_VMA_STRADDLE_MLOCKED + 1);
	if (l->kind != LAZYFREE_IN_TABLE)
		l->split = 1 + lazyfree_rand(rnd, l->nr - 1);
	if (lazyfree_chance(rnd, 40)) {
		l->hole_start = lazyfree_rand(rnd, l->nr);
		l->hole_len = 1 + lazyfree_rand(rnd, l->nr - l->hole_start);
		if (l->hole_len == l->nr)
			l->hole_len--;
	}
	l->wrprotect = lazyfree_chance(rnd, 30) ? lazyfree_rand_mapped(rnd, l) :
						 UINT_MAX;
	l->softclean = IS_ENABLED(CONFIG_MEM_SOFT_DIRTY) &&
		       lazyfree_chance(rnd, 30) ? lazyfree_rand(rnd, l->nr) :
						  UINT_MAX;
	l->young = UINT_MAX;
	if ((l->kind == LAZYFREE_IN_TABLE || l->kind == LAZYFREE_PMD_STRADDLE) &&
	    lazyfree_chance(rnd, 20))
		l->vma = lazyfree_chance(rnd, 50) || VM_DROPPABLE == VM_NONE ?
			 LAZYFREE_VMA_MLOCKED : LAZYFREE_VMA_DROPPABLE;
	if (l->kind == LAZYFREE_IN_TABLE && l->source == LAZYFREE_HAND_BUILT &&
	    l->vma == LAZYFREE_VMA_PLAIN && lazyfree_chance(rnd, 25))
		l->neighbour = lazyfree_chance(rnd, 50) ? LAZYFREE_NEIGHBOUR_AFTER :
							  LAZYFREE_NEIGHBOUR_BEFORE;
	l->predirty = l->source == LAZYFREE_FAULTED && lazyfree_chance(rnd, 25);
}

/* The entries lazyfree_draw() chooses from, in the order it lists them. */
static const enum lazyfree_entry lazyfree_draw_entries[] = {
	LAZYFREE_TRY_TO_UNMAP,
	LAZYFREE_REFERENCES,
	LAZYFREE_RECLAIM_PAGES,
	LAZYFREE_MADV_PAGEOUT,
	LAZYFREE_LRU,
};

/*
 * Whether a random layout may go through @entry: as lazyfree_row_runs()
 * has it for the table, and reclaim_pages() or LRU reclaim in an mlocked
 * VMA only for a folio that is not pinned (see lazyfree_draw()).
 */
static bool lazyfree_random_entry_runs(const struct lazyfree_layout *l,
				       enum lazyfree_entry entry)
{
	switch (entry) {
	case LAZYFREE_RECLAIM_PAGES:
	case LAZYFREE_LRU:
		return l->vma == LAZYFREE_VMA_PLAIN ||
		       (l->vma == LAZYFREE_VMA_MLOCKED &&
			(l->trigger == LAZYFREE_CLEAN ||
			 l->trigger == LAZYFREE_REDIRTY));
	case LAZYFREE_MADV_PAGEOUT:
		return l->vma == LAZYFREE_VMA_PLAIN &&
		       (l->fork || (l->kind == LAZYFREE_IN_TABLE && !l->hole_len));
	default:
		return true;
	}
}

/*
 * Draw a layout and its entry.  A fork only with a plain VMA, no mlocked
 * part and no neighbour (the child's VMA is not mlocked, and which mm the
 * rmap walk visits first would decide the end state; the neighbour would
 * be shared), and only with no trigger or a pin (a write would COW).  A
 * redirtied PTE is not the write-protected one (its write fault would
 * COW).  The entry is one the layout runs through (lazyfree_row_runs()),
 * and not reclaim_pages() or LRU reclaim for a pinned folio in an mlocked
 * VMA: the first attempt mlocks it, and the second would hand reclaim an
 * unevictable folio, which no caller does (shrink_folio_list() BUGs).  A
 * young PTE only with references checked, by folio_referenced() or by
 * LRU reclaim, the entries that look at it.
 */
static void lazyfree_draw(struct rnd_state *rnd, struct lazyfree_random_layout *r)
{
	enum lazyfree_entry entries[ARRAY_SIZE(lazyfree_draw_entries)];
	struct lazyfree_layout *l = &r->l;
	unsigned int i, nr_entries = 0;

	lazyfree_draw_shape(rnd, l);
	l->fork = l->vma == LAZYFREE_VMA_PLAIN &&
		  l->kind != LAZYFREE_VMA_STRADDLE_MLOCKED &&
		  l->neighbour == LAZYFREE_NEIGHBOUR_NONE &&
		  lazyfree_chance(rnd, 20);
	l->trigger = lazyfree_rand(rnd, LAZYFREE_REDIRTY_PIN + 1);
	if (l->fork && l->trigger != LAZYFREE_CLEAN)
		l->trigger = LAZYFREE_PIN;
	l->at = UINT_MAX;
	if (l->trigger != LAZYFREE_CLEAN)
		l->at = lazyfree_rand_mapped(rnd, l);
	if ((l->trigger == LAZYFREE_REDIRTY || l->trigger == LAZYFREE_REDIRTY_PIN) &&
	    l->at == l->wrprotect)
		l->wrprotect = UINT_MAX;

	for (i = 0; i < ARRAY_SIZE(lazyfree_draw_entries); i++)
		if (lazyfree_random_entry_runs(l, lazyfree_draw_entries[i]))
			entries[nr_entries++] = lazyfree_draw_entries[i];
	r->entry = entries[lazyfree_rand(rnd, nr_entries)];
	if ((r->entry == LAZYFREE_REFERENCES || r->entry == LAZYFREE_LRU) &&
	    lazyfree_chance(rnd, 50))
		l->young = lazyfree_rand_mapped(rnd, l);
}

/* Whether @i is one of @l's PTEs (not UINT_MAX), outside its hole. */
static bool lazyfree_random_mapped(const struct lazyfree_layout *l,
				   unsigned int i)
{
	return i < l->nr && !lazyfree_in_hole(l, i);
}

/*
 * Whether lazyfree_draw() can draw @r: the rules above, stated as a test
 * of a layout.  random_layouts checks every draw against it, and skips a
 * layout given by name that fails it, so that scripts/shrink need not
 * know them.
 */
static bool lazyfree_random_drawable(const struct lazyfree_random_layout *r)
{
	const struct lazyfree_layout *l = &r->l;
	bool faulted = l->source == LAZYFREE_FAULTED;
	bool writes = l->trigger == LAZYFREE_REDIRTY ||
		      l->trigger == LAZYFREE_REDIRTY_PIN;

	if ((faulted && !LAZYFREE_CAN_FAULT) || l->order >= PMD_ORDER ||
	    l->order < (faulted ? LAZYFREE_MIN_FAULT_ORDER : 1) ||
	    l->nr != 1U << l->order)
		return false;
	if (l->kind == LAZYFREE_IN_TABLE ? l->split : !l->split || l->split >= l->nr)
		return false;
	if (l->hole_len >= l->nr || l->hole_start + l->hole_len > l->nr)
		return false;
	if ((l->wrprotect != UINT_MAX && !lazyfree_random_mapped(l, l->wrprotect)) ||
	    (l->young != UINT_MAX && !lazyfree_random_mapped(l, l->young)) ||
	    (l->softclean != UINT_MAX &&
	     (!IS_ENABLED(CONFIG_MEM_SOFT_DIRTY) || l->softclean >= l->nr)))
		return false;
	if (l->trigger == LAZYFREE_CLEAN ? l->at != UINT_MAX :
					   !lazyfree_random_mapped(l, l->at))
		return false;
	if (l->vma != LAZYFREE_VMA_PLAIN && l->kind != LAZYFREE_IN_TABLE &&
	    l->kind != LAZYFREE_PMD_STRADDLE)
		return false;
	if (l->vma == LAZYFREE_VMA_DROPPABLE && VM_DROPPABLE == VM_NONE)
		return false;
	if (l->neighbour != LAZYFREE_NEIGHBOUR_NONE &&
	    (l->kind != LAZYFREE_IN_TABLE || faulted || l->vma != LAZYFREE_VMA_PLAIN))
		return false;
	if (l->predirty && !faulted)
		return false;
	if (l->fork && (l->vma != LAZYFREE_VMA_PLAIN ||
			l->kind == LAZYFREE_VMA_STRADDLE_MLOCKED ||
			l->neighbour != LAZYFREE_NEIGHBOUR_NONE ||
			(l->trigger != LAZYFREE_CLEAN && l->trigger != LAZYFREE_PIN)))
		return false;
	if (writes && l->at == l->wrprotect)
		return false;
	if (l->young != UINT_MAX && r->entry != LAZYFREE_REFERENCES &&
	    r->entry != LAZYFREE_LRU)
		return false;
	return lazyfree_random_entry_runs(l, r->entry);
}

static const char * const lazyfree_entry_names[] = {
	[LAZYFREE_TRY_TO_UNMAP] = "unmap",
	[LAZYFREE_RECLAIM_PAGES] = "reclaim",
	[LAZYFREE_MADV_PAGEOUT] = "pageout",
	[LAZYFREE_REFERENCES] = "references",
	[LAZYFREE_LRU] = "lru",
};

/* e.g. "seed1_17_order5_pmd_straddle_3_29_hole_0_4_pin_9_reclaim" */
static void lazyfree_random_describe(struct kunit *test, const void *param,
				     char *desc)
{
	const struct lazyfree_random_layout *r = param;
	int n = 0;

	if (!r->given)
		n = scnprintf(desc, KUNIT_PARAM_DESC_SIZE, "seed%u_%u_",
			      lazyfree_random_seed, r->index);
	n += lazyfree_name(&r->l, desc + n, KUNIT_PARAM_DESC_SIZE - n);
	scnprintf(desc + n, KUNIT_PARAM_DESC_SIZE - n, "_%s",
		  lazyfree_entry_names[r->entry]);
}

/* If *@s starts with @prefix, step over it. */
static bool lazyfree_eat(const char **s, const char *prefix)
{
	size_t len = strlen(prefix);

	if (strncmp(*s, prefix, len))
		return false;
	*s += len;
	return true;
}

/* If *@s starts with a decimal number below 1 << 16, step over it. */
static bool lazyfree_eat_uint(const char **s, unsigned int *v)
{
	const char *p = *s;
	unsigned int x = 0;

	if (!isdigit(*p))
		return false;
	while (isdigit(*p) && x < 1U << 16)
		x = x * 10 + (*p++ - '0');
	if (x >= 1U << 16)
		return false;
	*v = x;
	*s = p;
	return true;
}

/* The longest of the @n @names *@s starts with, stepped over; -1 if none. */
static int lazyfree_eat_name(const char **s, const char * const *names,
			     unsigned int n)
{
	size_t len, best_len = 0;
	unsigned int i;
	int best = -1;

	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		if (len >= best_len && !strncmp(*s, names[i], len)) {
			best = i;
			best_len = len;
		}
	}
	*s += best_len;
	return best;
}

/* "_<what>_<number>", if *@s starts so; *@v is left alone if not. */
static bool lazyfree_eat_field(const char **s, const char *what,
			       unsigned int *v)
{
	const char *p = *s;

	if (!lazyfree_eat(&p, what) || !lazyfree_eat_uint(&p, v))
		return false;
	*s = p;
	return true;
}

/*
 * Parse @name as lazyfree_name() and lazyfree_random_describe() write it
 * (without the seed and index) into @r.  Returns false unless the whole
 * name parsed, describes a layout (every position inside the folio) and
 * is written back the same.
 */
static bool lazyfree_parse_layout(const char *name, struct lazyfree_random_layout *r)
{
	struct lazyfree_layout *l = &r->l;
	char again[KUNIT_PARAM_DESC_SIZE];
	const char *s = name;
	unsigned int rest;
	int i, n;

	memset(r, 0, sizeof(*r));
	l->wrprotect = UINT_MAX;
	l->softclean = UINT_MAX;
	l->young = UINT_MAX;
	l->at = UINT_MAX;
	l->source = lazyfree_eat(&s, "faulted_") ? LAZYFREE_FAULTED :
						    LAZYFREE_HAND_BUILT;
	if (!lazyfree_eat(&s, "order") || !lazyfree_eat_uint(&s, &l->order) ||
	    !l->order || l->order >= PMD_ORDER || !lazyfree_eat(&s, "_"))
		return false;
	l->nr = 1U << l->order;
	i = lazyfree_eat_name(&s, lazyfree_kind_names,
			      ARRAY_SIZE(lazyfree_kind_names));
	if (i < 0)
		return false;
	l->kind = i;
	if (l->kind != LAZYFREE_IN_TABLE &&
	    (!lazyfree_eat_field(&s, "_", &l->split) ||
	     !lazyfree_eat_field(&s, "_", &rest) || !l->split ||
	     l->split + rest != l->nr))
		return false;
	if (lazyfree_eat_field(&s, "_hole_", &l->hole_start) &&
	    (!lazyfree_eat_field(&s, "_", &l->hole_len) || !l->hole_len ||
	     l->hole_start + l->hole_len > l->nr))
		return false;
	lazyfree_eat_field(&s, "_wrprotect_", &l->wrprotect);
	lazyfree_eat_field(&s, "_softclean_", &l->softclean);
	lazyfree_eat_field(&s, "_young_", &l->young);
	l->vma = max(0, lazyfree_eat_name(&s, lazyfree_vma_names,
					  ARRAY_SIZE(lazyfree_vma_names)));
	l->neighbour = max(0, lazyfree_eat_name(&s, lazyfree_neighbour_names,
						ARRAY_SIZE(lazyfree_neighbour_names)));
	l->predirty = lazyfree_eat(&s, "_predirty");
	l->fork = lazyfree_eat(&s, "_forked");
	l->trigger = max(0, lazyfree_eat_name(&s, lazyfree_trigger_names,
					      ARRAY_SIZE(lazyfree_trigger_names)));
	if (l->trigger != LAZYFREE_CLEAN && !lazyfree_eat_field(&s, "_", &l->at))
		return false;
	if (!lazyfree_eat(&s, "_"))
		return false;
	i = lazyfree_eat_name(&s, lazyfree_entry_names,
			      ARRAY_SIZE(lazyfree_entry_names));
	if (i < 0 || *s)
		return false;
	r->entry = i;
	if ((l->wrprotect != UINT_MAX && l->wrprotect >= l->nr) ||
	    (l->softclean != UINT_MAX && l->softclean >= l->nr) ||
	    (l->young != UINT_MAX && l->young >= l->nr) ||
	    (l->at != UINT_MAX && l->at >= l->nr))
		return false;
	n = lazyfree_name(l, again, sizeof(again));
	scnprintf(again + n, sizeof(again) - n, "_%s",
		  lazyfree_entry_names[r->entry]);
	return !strcmp(again, name);
}

/*
 * The layouts random_layout= names, in @layouts (room for as many as it has
 * commas and one more); their number, or -EINVAL for a name that is none.
 */
static int lazyfree_parse_layouts(struct kunit *test,
				  struct lazyfree_random_layout *layouts)
{
	char *names, *rest, *name;
	int n = 0;

	names = kstrdup(lazyfree_random_layout, GFP_KERNEL);
	if (!names)
		return -ENOMEM;
	rest = names;
	while ((name = strsep(&rest, ","))) {
		struct lazyfree_random_layout *r = &layouts[n++];

		if (!lazyfree_parse_layout(name, r)) {
			kunit_err(test, "random_layout=: %s is not a layout name",
				  name);
			kfree(names);
			return -EINVAL;
		}
		r->given = true;
		r->drawable = lazyfree_random_drawable(r);
	}
	kfree(names);
	return n;
}

static int lazyfree_random_params_init(struct kunit *test)
{
	unsigned int i, first = lazyfree_random_first;
	unsigned int count = min(lazyfree_random_count, UINT_MAX - first);
	struct lazyfree_random_layout *layouts;
	struct rnd_state rnd;
	const char *c;
	int given;

	if (lazyfree_random_layout)
		for (count = 1, c = lazyfree_random_layout; *c; c++)
			count += *c == ',';
	layouts = kunit_kcalloc(test, max(count, 1U), sizeof(*layouts),
				GFP_KERNEL);
	if (!layouts)
		return -ENOMEM;
	if (lazyfree_random_layout) {
		given = lazyfree_parse_layouts(test, layouts);
		if (given < 0)
			return given;
		kunit_register_params_array(test, layouts, given,
					    lazyfree_random_describe);
		return 0;
	}
	prandom_seed_state(&rnd, lazyfree_random_seed);
	for (i = 0; i < first + count; i++) {
		struct lazyfree_random_layout *r = &layouts[i < first ? 0 : i - first];

		lazyfree_draw(&rnd, r);
		r->index = i;
		r->drawable = lazyfree_random_drawable(r);
		if (!r->drawable) {
			kunit_err(test, "seed %u, layout %u: lazyfree_draw() drew what lazyfree_random_drawable() refuses",
				  lazyfree_random_seed, i);
			return -EINVAL;
		}
	}
	kunit_register_params_array(test, layouts, count,
				    lazyfree_random_describe);
	return 0;
}

/* ===== Cases ===== */

/*
 * set_ptes() contract: nr consecutive PTEs map nr consecutive PFNs.  The
 * abort path of try_to_unmap_one() restores a batch with set_ptes(); UML's
 * own set_ptes() advanced the PFN by the number of PTEs left rather than by
 * one (see patches/ in the project carrying this suite).
 */
static void set_ptes_consecutive_pfns(struct kunit *test)
{
	const unsigned int order = 4, max_nr = 1U << order;
	unsigned long addr = lazyfree_map_window(test);
	struct mm_struct *mm = current->mm;
	unsigned long pfn, got[1U << 4];
	struct vm_area_struct *vma;
	unsigned int nr, i;
	struct page *page;
	spinlock_t *ptl;	/* the PTE table's lock */
	pte_t *ptep;

	page = alloc_pages(GFP_KERNEL, order);
	KUNIT_ASSERT_NOT_NULL(test, page);
	pfn = page_to_pfn(page);

	for (nr = 1; nr <= max_nr; nr++) {
		mmap_read_lock(mm);
		vma = vma_lookup(mm, addr);
		ptep = lazyfree_pte_lock(mm, addr, true, &ptl);
		if (!vma || !ptep) {
			if (ptep)
				pte_unmap_unlock(ptep, ptl);
			mmap_read_unlock(mm);
			__free_pages(page, order);
			KUNIT_FAIL_AND_ABORT(test, "no page table at %#lx", addr);
		}
		set_ptes(mm, addr, ptep, mk_pte(page, vma->vm_page_prot), nr);
		/* Read back and clear: nothing is accounted to these PTEs. */
		for (i = 0; i < nr; i++) {
			got[i] = pte_pfn(ptep_get(ptep + i));
			pte_clear(mm, addr + i * PAGE_SIZE, ptep + i);
		}
		pte_unmap_unlock(ptep, ptl);
		flush_tlb_range(vma, addr, addr + nr * PAGE_SIZE);
		mmap_read_unlock(mm);

		for (i = 0; i < nr; i++) {
			if (got[i] == pfn + i)
				continue;
			KUNIT_FAIL(test,
				   "set_ptes(nr=%u): PTE %u maps pfn base%+ld, expected base+%u",
				   nr, i, (long)(got[i] - pfn), i);
			break;
		}
	}
	__free_pages(page, order);
}

/*
 * What shrink_folio_list() does to a lazyfree large folio it wants to free:
 * try_to_unmap() on the locked, isolated folio, then flush the TLB batch.
 */
static void lazyfree_try_to_unmap(struct lazyfree_fixture *fx)
{
	lazyfree_snapshot(fx);

	lazyfree_guard(fx);
	folio_lock(fx->folio);
	try_to_unmap(fx->folio, LAZYFREE_TTU_FLAGS);
	try_to_unmap_flush();
	folio_unlock(fx->folio);
	lazyfree_unguard(fx);
}

/* reclaim_pages() on a list holding the isolated folio; its return value. */
static unsigned long lazyfree_reclaim_pages(struct lazyfree_fixture *fx)
{
	LIST_HEAD(folio_list);

	kunit_remove_action(fx->test, lazyfree_putback_lru_action, fx->folio);
	fx->isolated = false;
	list_add(&fx->folio->lru, &folio_list);
	return reclaim_pages(&folio_list);
}

/* Put the folio back on the LRU, where MADV_PAGEOUT looks for it. */
static void lazyfree_back_to_lru(struct lazyfree_fixture *fx)
{
	kunit_release_action(fx->test, lazyfree_putback_lru_action, fx->folio);
	fx->isolated = false;
	lru_add_drain_all();
}

/*
 * Direct reclaim sees the folio alone: the file LRU lists (a lazyfree folio
 * is on those) hold its pages and nothing else, and there is no swap (the
 * anonymous lists are then not scanned).  Skips the case if not: reclaim
 * would look at other folios first, as many as the kernel happens to have.
 */
static void lazyfree_lru_alone(struct lazyfree_fixture *fx)
{
	unsigned long file;

	lru_add_drain_all();
	file = lazyfree_node_stat(NR_INACTIVE_FILE) +
	       lazyfree_node_stat(NR_ACTIVE_FILE);
	if (file != fx->nr_pages || total_swap_pages)
		kunit_skip(fx->test,
			   "the file LRU lists hold %lu pages besides the folio's %u, swap %ld pages: reclaim would look at those too",
			   file - fx->nr_pages, fx->nr_pages, total_swap_pages);
}

/*
 * What kswapd and direct reclaim do to the folio on the LRU, in one call:
 * try_to_free_pages() for as many pages as it takes (SWAP_CLUSTER_MAX).
 * Its return value counts slab pages too, so it is not checked.
 */
static void lazyfree_try_to_free_pages(struct lazyfree_fixture *fx)
{
	try_to_free_pages(node_zonelist(folio_nid(fx->folio), GFP_HIGHUSER_MOVABLE),
			  0, GFP_HIGHUSER_MOVABLE, NULL);
}

static bool lazyfree_try_to_unmap_and_expect(struct lazyfree_fixture *fx,
					     const struct lazyfree_layout *l,
					     enum lazyfree_trigger trigger)
{
	struct lazyfree_expect *exp;
	bool ok;

	exp = kunit_kzalloc(fx->test, sizeof(*exp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(fx->test, exp);
	lazyfree_expect_reads_before(fx, l);
	lazyfree_try_to_unmap(fx);
	lazyfree_model(l, fx, trigger, LAZYFREE_TRY_TO_UNMAP, exp);
	ok = lazyfree_expect_ptes(fx, exp);
	ok = lazyfree_expect_canaries(fx) && ok;
	lazyfree_expect_neighbour(fx);
	if (!folio_ref_count(fx->folio)) {
		lazyfree_forget_folio(fx);
		return false;
	}
	if (ok)
		lazyfree_expect_reads(fx, exp->mapped, true);
	lazyfree_expect_folio(fx, exp, 1, false);
	lazyfree_repair_ptes(fx);
	lazyfree_repair_folio(fx);
	return ok;
}

/*
 * What MADV_PAGEOUT, DAMON and LRU reclaim do with the folio (@entry):
 * reclaim_pages() on a list holding the isolated folio, MADV_PAGEOUT of
 * its range, which isolates it and calls reclaim_pages(), or, with the
 * folio back on the LRU and aged as the layout says,
 * try_to_free_pages().  Reclaim takes over the isolation reference: it
 * frees the folio (PGLAZYFREED grows by its pages) or puts it back on the
 * LRU.  A freed folio is not looked at again; a kept one is still mapped,
 * so the test takes a reference to check it, and drops it before
 * returning.  Returns whether the PTEs were as expected: if not, the
 * folio may be gone and must not be touched again.
 */
static bool lazyfree_reclaim_and_expect(struct lazyfree_fixture *fx,
					const struct lazyfree_layout *l,
					enum lazyfree_trigger trigger,
					enum lazyfree_entry entry)
{
	struct kunit *test = fx->test;
	unsigned long reclaimed = 0, lazyfreed, scanned = 0;
	struct lazyfree_expect *exp;
	bool freed, split, ok;
	unsigned int looks;
	long splits;
	int ret = 0;

	exp = kunit_kzalloc(test, sizeof(*exp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, exp);
	lazyfree_model(l, fx, trigger, entry, exp);
	freed = bitmap_empty(exp->mapped, fx->nr_pages);

	/*
	 * No caller hands reclaim an unevictable folio (shrink_folio_list()
	 * BUGs on one); only an earlier attempt's bug can have mlocked this
	 * one: none of the layouts reaching here may be mlocked yet.
	 */
	if (folio_test_mlocked(fx->folio) || folio_test_unevictable(fx->folio)) {
		KUNIT_FAIL(test,
			   "the folio is mlocked before reclaim: an earlier attempt mlocked it; not handing it to reclaim");
		return false;
	}
	lazyfree_expect_reads_before(fx, l);
	if (entry != LAZYFREE_RECLAIM_PAGES && fx->isolated)
		lazyfree_back_to_lru(fx);
	if (entry == LAZYFREE_LRU) {
		lazyfree_age(fx, l->young);
		lazyfree_lru_alone(fx);
	}
	lazyfree_snapshot(fx);
	lazyfreed = lazyfree_vm_event(test, PGLAZYFREED);
	if (entry == LAZYFREE_LRU)
		scanned = lazyfree_node_stat(PGSCAN_DIRECT);
	splits = lazyfree_splits(l->order);
	lazyfree_guard(fx);
	if (entry == LAZYFREE_MADV_PAGEOUT)
		ret = do_madvise(fx->mm, fx->addr, fx->nr_pages * PAGE_SIZE,
				 MADV_PAGEOUT);
	else if (entry == LAZYFREE_LRU)
		lazyfree_try_to_free_pages(fx);
	else
		reclaimed = lazyfree_reclaim_pages(fx);
	lazyfree_unguard(fx);
	if (entry == LAZYFREE_MADV_PAGEOUT)
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "MADV_PAGEOUT");
	else if (entry == LAZYFREE_RECLAIM_PAGES)
		KUNIT_EXPECT_EQ_MSG(test, reclaimed, freed ? fx->nr_pages : 0,
				    "reclaim_pages() return value");
	lazyfreed = lazyfree_vm_event(test, PGLAZYFREED) - lazyfreed;
	looks = entry == LAZYFREE_LRU ? lazyfree_model_looks(l, exp, fx->nr_pages) : 0;
	if (looks) {
		scanned = lazyfree_node_stat(PGSCAN_DIRECT) - scanned;
		KUNIT_EXPECT_EQ_MSG(test, scanned, looks * fx->nr_pages,
				    "PGSCAN_DIRECT: reclaim must take the folio off the inactive list %u time(s)%s",
				    looks,
				    looks > 1 ? ", the first keeping it for its young PTE" : "");
	}
	/*
	 * Only reclaim_pages() returns the count: shrink_folio_list() counts
	 * PGLAZYFREED exactly when it frees a lazyfree folio.
	 */
	fx->reclaimed_pages = entry == LAZYFREE_RECLAIM_PAGES ? reclaimed : lazyfreed;

	KUNIT_EXPECT_EQ_MSG(test, lazyfreed, freed ? fx->nr_pages : 0,
			    "PGLAZYFREED");
	split = entry == LAZYFREE_LRU &&
		lazyfree_model_split(exp, fx->nr_pages, fx->pins);
	KUNIT_EXPECT_EQ_MSG(test, lazyfree_splits(l->order) - splits, split,
			    "order-%u folios split (mTHP split counter): reclaim must %s",
			    l->order, split ? "split the folio it keeps partly mapped" :
					      "take the folio whole");
	ok = lazyfree_expect_ptes(fx, exp);
	ok = lazyfree_expect_canaries(fx) && ok;
	lazyfree_expect_neighbour(fx);
	if (!ok || freed) {
		if (ok)
			lazyfree_expect_reads(fx, exp->mapped, true);
		lazyfree_repair_ptes(fx);
		return ok;
	}

	if (split)
		return lazyfree_expect_split(fx, exp);
	/* Kept: mapped as the PTEs just showed, so it can be looked at. */
	if (!lazyfree_hold_folio(fx))
		return false;
	lru_add_drain_all();
	lazyfree_expect_folio(fx, exp, 1, true);
	lazyfree_expect_reads(fx, exp->mapped, true);
	lazyfree_repair_ptes(fx);
	lazyfree_repair_folio(fx);
	kunit_release_action(test, lazyfree_folio_put_action, fx->folio);
	return true;
}

/*
 * What shrink_folio_list() does first with a folio it took off the
 * inactive list: folio_referenced(), through folio_check_references(),
 * which clears the accessed bits batch by batch and counts the VMAs in
 * which it found one set.  A folio found referenced, or fully mapped in an
 * mlocked VMA (folio_referenced() mlocks it then), is kept (activated),
 * nothing unmapped; any other goes on to try_to_unmap(), whose checks
 * follow.  Before it, the PTEs' accessed bits are set as the layout says
 * (lazyfree_age()).  Returns whether the PTEs were as expected.
 */
static bool lazyfree_references_and_expect(struct lazyfree_fixture *fx,
					   const struct lazyfree_layout *l,
					   enum lazyfree_trigger trigger)
{
	/* vm_flags_t in 7.2, vma_flags_t since 7.3: VM_LOCKED is read off the folio. */
	union {
		vm_flags_t vm_flags;
		vma_flags_t vma_flags;
	} flags;
	struct kunit *test = fx->test;
	struct lazyfree_expect *exp;
	int referenced, want;
	bool ok;

	exp = kunit_kzalloc(test, sizeof(*exp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, exp);
	lazyfree_model(l, fx, trigger, LAZYFREE_TRY_TO_UNMAP, exp);
	want = lazyfree_model_referenced(l);

	lazyfree_expect_reads_before(fx, l);
	lazyfree_age(fx, l->young);
	lazyfree_snapshot(fx);
	lazyfree_guard(fx);
	folio_lock(fx->folio);
	referenced = folio_referenced(fx->folio, 1, NULL, (void *)&flags);
	folio_unlock(fx->folio);
	lazyfree_unguard(fx);
	KUNIT_EXPECT_EQ_MSG(test, referenced, want,
			    "folio_referenced(): VMAs in which it found a young PTE (young: PTE %d of mm 0)",
			    l->young == UINT_MAX ? -1 : (int)l->young);

	/* Nothing unmapped, nothing changed but the accessed bits. */
	lazyfree_mapped_from(l, 0, exp->mapped);
	exp->dirty = false;
	exp->swapbacked = false;
	ok = lazyfree_expect_ptes(fx, exp);
	ok = lazyfree_expect_canaries(fx) && ok;
	lazyfree_expect_neighbour(fx);
	lazyfree_expect_aged(fx, l);
	if (ok && !want && !exp->mlocked)
		return lazyfree_try_to_unmap_and_expect(fx, l, trigger);

	lazyfree_expect_folio(fx, exp, 1, false);
	lazyfree_repair_ptes(fx);
	lazyfree_repair_folio(fx);
	return ok;
}

/* One unmap attempt and its checks; false if the PTEs were not as expected. */
static bool lazyfree_attempt(struct lazyfree_fixture *fx,
			     const struct lazyfree_layout *l,
			     enum lazyfree_trigger trigger,
			     enum lazyfree_entry entry)
{
	/*
	 * Every attempt starts from a lazyfree folio: the fixture makes it
	 * so, and an attempt the model says keeps it clean leaves it so.
	 * One an earlier attempt's bug made swapbacked is no folio reclaim
	 * would unmap this way (try_to_unmap() would warn that it is not in
	 * the swap cache, shrink_folio_list() try to split it).
	 */
	if (folio_test_swapbacked(fx->folio)) {
		KUNIT_FAIL(fx->test,
			   "the folio is swapbacked before this attempt: an earlier attempt made it so; not unmapping it again");
		return false;
	}
	if (entry == LAZYFREE_TRY_TO_UNMAP)
		return lazyfree_try_to_unmap_and_expect(fx, l, trigger);
	if (entry == LAZYFREE_REFERENCES)
		return lazyfree_references_and_expect(fx, l, trigger);
	return lazyfree_reclaim_and_expect(fx, l, trigger, entry);
}

/*
 * One row of a scenario table at one order: build the layout, redirty or
 * pin where the row says, let reclaim unmap the folio through @entry and
 * compare every PTE, count and flag with lazyfree_model().  A pinned folio
 * must come out of the first reclaim untouched and be unmapped by a second
 * one once the reference is gone.
 */
static void lazyfree_run_layout(struct kunit *test,
				const struct lazyfree_layout *l,
				enum lazyfree_entry entry)
{
	struct lazyfree_fixture *fx;
	struct page *pinned;

	fx = lazyfree_fixture_create(test, l);

	switch (l->trigger) {
	case LAZYFREE_REDIRTY:
		lazyfree_write_fault(fx, l->at);
		fallthrough;
	case LAZYFREE_CLEAN:
		lazyfree_attempt(fx, l, l->trigger, entry);
		break;
	case LAZYFREE_REDIRTY_PIN:
		pinned = lazyfree_pin(fx, l->at);
		lazyfree_write_fault(fx, l->at);
		lazyfree_attempt(fx, l, l->trigger, entry);
		lazyfree_unpin(fx, pinned);
		break;
	case LAZYFREE_PIN:
		pinned = lazyfree_pin(fx, l->at);
		KUNIT_ASSERT_TRUE_MSG(test, lazyfree_attempt(fx, l, LAZYFREE_PIN, entry),
				      "the pinned folio was not kept: not reclaiming it again");
		lazyfree_unpin(fx, pinned);
		if (entry == LAZYFREE_RECLAIM_PAGES)
			lazyfree_isolate(fx);
		lazyfree_attempt(fx, l, LAZYFREE_CLEAN, entry);
		break;
	}
	lazyfree_release_and_expect(fx);
}

static void lazyfree_run_scenario(struct kunit *test, enum lazyfree_entry entry)
{
	lazyfree_run_layout(test, test->param_value, entry);
}

static void try_to_unmap_scenarios(struct kunit *test)
{
	lazyfree_run_scenario(test, LAZYFREE_TRY_TO_UNMAP);
}

/*
 * The same layouts through reclaim_pages(): a clean lazyfree folio is freed
 * there, a redirtied or pinned one is kept, mapped, and put back on the LRU.
 */
static void reclaim_pages_scenarios(struct kunit *test)
{
	lazyfree_run_scenario(test, LAZYFREE_RECLAIM_PAGES);
}

/* The layouts MADV_PAGEOUT reclaims whole, through MADV_PAGEOUT itself. */
static void madv_pageout_scenarios(struct kunit *test)
{
	lazyfree_run_scenario(test, LAZYFREE_MADV_PAGEOUT);
}

/*
 * The table's rows marked .reclaim and those with a young PTE, with
 * references checked first (folio_referenced()) as shrink_folio_list()
 * does; see lazyfree_references_and_expect().
 */
static void folio_referenced_scenarios(struct kunit *test)
{
	lazyfree_run_scenario(test, LAZYFREE_REFERENCES);
}

/*
 * The same rows through the LRU: direct reclaim (try_to_free_pages()) with
 * the folio the only one on the file LRU lists; see
 * lazyfree_reclaim_and_expect().
 */
static void lru_reclaim_scenarios(struct kunit *test)
{
	lazyfree_run_scenario(test, LAZYFREE_LRU);
}

/* Random layouts, each through its entry, against the model. */
static void random_layouts(struct kunit *test)
{
	const struct lazyfree_random_layout *r = test->param_value;

	if (!r->drawable)
		kunit_skip(test, "a layout lazyfree_draw() never draws");
	lazyfree_run_layout(test, &r->l, r->entry);
}

#if LAZYFREE_CAN_FAULT
/**
 * struct lazyfree_made - what making a fixture changed outside the folio
 * @rss: MM_ANONPAGES of the test's mm
 * @mthp: the mTHP counters of the folio's order (enum mthp_stat_item)
 */
struct lazyfree_made {
	long rss;
	long mthp[__MTHP_STAT_COUNT];
};

/* lazyfree_fixture_create(), and what it changed in @made. */
static struct lazyfree_fixture *
lazyfree_make(struct kunit *test, const struct lazyfree_layout *l,
	      struct lazyfree_made *made)
{
	long before[__MTHP_STAT_COUNT];
	struct lazyfree_fixture *fx;
	unsigned int item;

	made->rss = get_mm_counter(current->mm, MM_ANONPAGES);
	lazyfree_read_mthp(l->order, before);
	fx = lazyfree_fixture_create(test, l);
	made->rss = get_mm_counter(fx->mm, MM_ANONPAGES) - made->rss;
	lazyfree_read_mthp(l->order, made->mthp);
	for (item = 0; item < __MTHP_STAT_COUNT; item++)
		made->mthp[item] -= before[item];
	return fx;
}

static void lazyfree_expect_same(struct kunit *test, const char *field,
				 long hand, long faulted)
{
	KUNIT_EXPECT_EQ_MSG(test, hand, faulted, "%s: hand-built %ld, faulted %ld",
			    field, hand, faulted);
}

static void lazyfree_expect_same_flags(struct kunit *test, const char *field,
				       unsigned long hand, unsigned long faulted)
{
	hand &= PAGEFLAGS_MASK;
	faulted &= PAGEFLAGS_MASK;
	KUNIT_EXPECT_EQ_MSG(test, hand, faulted, "%s: hand-built %pGp, faulted %pGp",
			    field, &hand, &faulted);
}

/* Whether the folio's index is where the rmap walk looks for it. */
static bool lazyfree_index_matches(const struct lazyfree_fixture *fx)
{
	struct vm_area_struct *vma;
	bool ok;

	mmap_read_lock(fx->mm);
	vma = vma_lookup(fx->mm, fx->addr);
	ok = vma && fx->folio->index == linear_page_index(vma, fx->addr);
	mmap_read_unlock(fx->mm);
	return ok;
}

/* Per page and per PTE: exclusive flag, own mapcount, PTE bits but the PFN. */
static void lazyfree_expect_same_pages(const struct lazyfree_fixture *hand,
				       const struct lazyfree_fixture *faulted)
{
	struct lazyfree_diffs d = { .test = hand->test };
	struct kunit *test = hand->test;
	unsigned int i;

	for (i = 0; i < hand->nr_pages; i++) {
		struct page *hp = folio_page(hand->folio, i);
		struct page *fp = folio_page(faulted->folio, i);
		pte_t hpte = lazyfree_read_pte(hand->mm, lazyfree_page_addr(hand, i));
		pte_t fpte = lazyfree_read_pte(faulted->mm,
					       lazyfree_page_addr(faulted, i));
		u64 diff = pte_val(hpte) ^
			   pte_val(lazyfree_pte_with_pfn(fpte, hand->pfn + i));
		bool same = !diff &&
			    PageAnonExclusive(hp) == PageAnonExclusive(fp) &&
			    atomic_read(&hp->_mapcount) == atomic_read(&fp->_mapcount);

		if (same || !lazyfree_diff(&d))
			continue;
		KUNIT_FAIL(test,
			   "page %u/%u: PTE bits differ by %#llx (hand-built %#llx, faulted %#llx), PageAnonExclusive %d vs %d, _mapcount %d vs %d",
			   i, hand->nr_pages, diff, (u64)pte_val(hpte),
			   (u64)pte_val(fpte), PageAnonExclusive(hp),
			   PageAnonExclusive(fp), atomic_read(&hp->_mapcount),
			   atomic_read(&fp->_mapcount));
	}
	lazyfree_diffs_end(&d, "pages differ");
}

/*
 * The hand-built fixture must be the state the kernel makes: for each order
 * the fault path maps, one folio of each kind in the same layout, compared
 * field by field once both are lazyfree and isolated.
 */
static void fault_fidelity(struct kunit *test)
{
	struct lazyfree_made hand_made, faulted_made;
	struct lazyfree_fixture *hand, *faulted;
	struct lazyfree_layout l;
	struct folio *h, *f;
	unsigned int item;
	char what[64];

	lazyfree_use_mm(test);
	l = *(const struct lazyfree_layout *)test->param_value;
	l.source = LAZYFREE_HAND_BUILT;
	hand = lazyfree_make(test, &l, &hand_made);
	l.source = LAZYFREE_FAULTED;
	faulted = lazyfree_make(test, &l, &faulted_made);
	h = hand->folio;
	f = faulted->folio;

	lazyfree_expect_same_flags(test, "folio flags", h->flags.f, f->flags.f);
	lazyfree_expect_same_flags(test, "flags of page 1 (_flags_1)",
				   h->_flags_1, f->_flags_1);
	lazyfree_expect_same(test, "folio_test_large_rmappable()",
			     folio_test_large_rmappable(h),
			     folio_test_large_rmappable(f));
	lazyfree_expect_same(test, "folio_lru_list()", folio_lru_list(h),
			     folio_lru_list(f));
	lazyfree_expect_same(test, "on the deferred split queue",
			     !list_empty(&h->_deferred_list),
			     !list_empty(&f->_deferred_list));
	lazyfree_expect_same(test, "folio_mapcount()", folio_mapcount(h),
			     folio_mapcount(f));
	lazyfree_expect_same(test, "folio_large_mapcount()",
			     folio_large_mapcount(h), folio_large_mapcount(f));
	lazyfree_expect_same(test, "folio_entire_mapcount()",
			     folio_entire_mapcount(h), folio_entire_mapcount(f));
	if (IS_ENABLED(CONFIG_PAGE_MAPCOUNT))
		lazyfree_expect_same(test, "_nr_pages_mapped",
				     atomic_read(&h->_nr_pages_mapped),
				     atomic_read(&f->_nr_pages_mapped));
#ifdef CONFIG_MM_ID
	lazyfree_expect_same(test, "_mm_ids", h->_mm_ids, f->_mm_ids);
	lazyfree_expect_same(test, "_mm_id_mapcount[0]", h->_mm_id_mapcount[0],
			     f->_mm_id_mapcount[0]);
	lazyfree_expect_same(test, "_mm_id_mapcount[1]", h->_mm_id_mapcount[1],
			     f->_mm_id_mapcount[1]);
#endif
	lazyfree_expect_same(test, "_pincount", atomic_read(&h->_pincount),
			     atomic_read(&f->_pincount));
	lazyfree_expect_same(test, "folio_ref_count()", folio_ref_count(h),
			     folio_ref_count(f));
	lazyfree_expect_same(test, "folio_memcg_charged()",
			     folio_memcg_charged(h), folio_memcg_charged(f));
	lazyfree_expect_same(test, "folio->mapping type bits",
			     (unsigned long)h->mapping & FOLIO_MAPPING_FLAGS,
			     (unsigned long)f->mapping & FOLIO_MAPPING_FLAGS);
	lazyfree_expect_same(test, "folio->index matches the VMA",
			     lazyfree_index_matches(hand),
			     lazyfree_index_matches(faulted));
	lazyfree_expect_same(test, "folio->private", (long)h->private,
			     (long)f->private);
	lazyfree_expect_same_pages(hand, faulted);
	lazyfree_expect_same(test, "MM_ANONPAGES change", hand_made.rss,
			     faulted_made.rss);
	for (item = 0; item < __MTHP_STAT_COUNT; item++) {
		snprintf(what, sizeof(what), "mTHP counter %u (enum mthp_stat_item) change", item);
		lazyfree_expect_same(test, what, hand_made.mthp[item],
				     faulted_made.mthp[item]);
	}

	lazyfree_release_and_expect(hand);
	lazyfree_release_and_expect(faulted);
}

/* Whether page @i of the folio (-1: the page before it) is in @c's range. */
static bool lazyfree_in_cut(const struct lazyfree_cut_layout *c, int i)
{
	return i >= c->first && i < c->end;
}

/*
 * The folio's pages after a madvise() of @c's range, each under the lock
 * of the page table that maps it: a page whose PTE must be none (@freed
 * and in the range) is not looked at; every other one must be mapped by its
 * own PTE, in a folio of its own now, lazyfree exactly when @lazyfree says
 * (indexed by "in the range"), its PTE clean and old when lazyfree by
 * MADV_FREE.  The pages just outside the folio stay none.
 */
static void lazyfree_expect_cut(struct lazyfree_fixture *fx,
				const struct lazyfree_cut_layout *c, bool freed,
				const bool lazyfree[2])
{
	struct lazyfree_diffs d = { .test = fx->test };
	spinlock_t *ptl;	/* the folio's PTE table lock */
	pte_t *ptep, pte, before, after;
	struct folio *folio;
	unsigned int i;
	bool in;

	mmap_read_lock(fx->mm);
	ptep = lazyfree_pte_lock(fx->mm, fx->addr, false, &ptl);
	for (i = 0; ptep && i < fx->nr_pages; i++) {
		in = lazyfree_in_cut(c, i);
		pte = ptep_get(ptep + i);
		if (freed && in) {
			if (!pte_none(pte) && lazyfree_diff(&d))
				KUNIT_FAIL(fx->test, "PTE %u/%u in the range: %#llx, expected none",
					   i, fx->nr_pages, (u64)pte_val(pte));
			continue;
		}
		if (!pte_present(pte) || pte_pfn(pte) != fx->pfn + i) {
			if (lazyfree_diff(&d))
				KUNIT_FAIL(fx->test,
					   "PTE %u/%u %s the range: %#llx, expected pfn %#lx",
					   i, fx->nr_pages, in ? "in" : "outside",
					   (u64)pte_val(pte), fx->pfn + i);
			continue;
		}
		folio = pfn_folio(pte_pfn(pte));
		if ((folio_test_large(folio) ||
		     folio_test_swapbacked(folio) == lazyfree[in] ||
		     (c->advice == MADV_FREE && in &&
		      (pte_dirty(pte) || pte_young(pte)))) && lazyfree_diff(&d))
			KUNIT_FAIL(fx->test,
				   "page %u/%u %s the range: in an order-%u folio, swapbacked %d, PTE dirty %d young %d; expected order 0, swapbacked %d%s",
				   i, fx->nr_pages, in ? "in" : "outside",
				   folio_order(folio), folio_test_swapbacked(folio),
				   !!pte_dirty(pte), !!pte_young(pte), !lazyfree[in],
				   c->advice == MADV_FREE && in ? ", PTE clean and old" : "");
	}
	if (ptep)
		pte_unmap_unlock(ptep, ptl);
	mmap_read_unlock(fx->mm);
	KUNIT_EXPECT_NOT_NULL_MSG(fx->test, ptep, "the folio's page table is gone");
	before = lazyfree_read_pte(fx->mm, fx->addr - PAGE_SIZE);
	after = lazyfree_read_pte(fx->mm, lazyfree_page_addr(fx, fx->nr_pages));
	KUNIT_EXPECT_TRUE_MSG(fx->test, pte_none(before),
			      "the PTE before the folio: %#llx, expected none",
			      (u64)pte_val(before));
	KUNIT_EXPECT_TRUE_MSG(fx->test, pte_none(after),
			      "the PTE after the folio: %#llx, expected none",
			      (u64)pte_val(after));
	lazyfree_diffs_end(&d, "pages differ");
}

/* madvise(@advice) of pages [@first, @end) of the folio (may stick out). */
static void lazyfree_madvise_pages(struct lazyfree_fixture *fx, int first,
				   int end, int advice)
{
	int ret;

	lru_add_drain_all();
	ret = do_madvise(fx->mm, fx->addr + (long)first * PAGE_SIZE,
			 (end - first) * PAGE_SIZE, advice);
	lru_add_drain_all();
	KUNIT_EXPECT_EQ_MSG(fx->test, ret, 0, "madvise(%s) of pages %d to %d",
			    advice == MADV_FREE ? "MADV_FREE" : "MADV_PAGEOUT",
			    first, end - 1);
}

/*
 * A faulted folio cut by a madvise() range (struct lazyfree_cut_layout):
 * MADV_FREE of part of a folio in use, then MADV_PAGEOUT of the whole
 * folio; or MADV_PAGEOUT of part of a lazyfree folio.  The folio must be
 * split once; pages in the range are lazyfree and then reclaimed (none,
 * read back as zeros), the others keep their state, their PTEs and the
 * data the program reads back: a page outside the range that MADV_FREE
 * made lazyfree or MADV_PAGEOUT reclaimed is lost data.
 */
static void madv_cut_scenarios(struct kunit *test)
{
	static const bool after_free[2] = { false, true };
	static const bool all_lazyfree[2] = { true, true };
	const struct lazyfree_cut_layout *c = test->param_value;
	DECLARE_BITMAP(mapped, LAZYFREE_MAX_PAGES);
	unsigned long from, fx_base;
	struct lazyfree_fixture *fx;
	unsigned int i;
	long splits;

	fx = lazyfree_fixture_alloc(test, 1U << c->order, &fx_base);
	fx->addr = fx_base;
	from = lazyfree_fault_alone(fx, c->order);
	if (c->advice == MADV_PAGEOUT)
		lazyfree_madv_free_alone(fx, from, false);
	lazyfree_move_faulted(fx, from);

	splits = lazyfree_splits(c->order);
	lazyfree_madvise_pages(fx, c->first, c->end, c->advice);
	KUNIT_EXPECT_EQ_MSG(test, lazyfree_splits(c->order) - splits, 1,
			    "order-%u folios split (mTHP split counter): the range cuts the folio",
			    c->order);
	if (c->advice == MADV_FREE) {
		lazyfree_expect_cut(fx, c, false, after_free);
		lazyfree_madvise_pages(fx, 0, fx->nr_pages, MADV_PAGEOUT);
		lazyfree_expect_cut(fx, c, true, after_free);
	} else {
		lazyfree_expect_cut(fx, c, true, all_lazyfree);
	}
	bitmap_zero(mapped, LAZYFREE_MAX_PAGES);
	for (i = 0; i < fx->nr_pages; i++)
		if (!lazyfree_in_cut(c, i))
			__set_bit(i, mapped);
	lazyfree_expect_reads(fx, mapped, true);
}

#endif /* LAZYFREE_CAN_FAULT */

/* ===== The suite ===== */

static struct kunit_case rmap_lazyfree_batch_test_cases[] = {
	KUNIT_CASE(set_ptes_consecutive_pfns),
	KUNIT_CASE_PARAM_WITH_INIT(try_to_unmap_scenarios, kunit_array_gen_params,
				   lazyfree_unmap_params_init, NULL),
	KUNIT_CASE_PARAM_WITH_INIT(reclaim_pages_scenarios, kunit_array_gen_params,
				   lazyfree_reclaim_params_init, NULL),
	KUNIT_CASE_PARAM_WITH_INIT(madv_pageout_scenarios, kunit_array_gen_params,
				   lazyfree_pageout_params_init, NULL),
	KUNIT_CASE_PARAM_WITH_INIT(folio_referenced_scenarios, kunit_array_gen_params,
				   lazyfree_referenced_params_init, NULL),
	KUNIT_CASE_PARAM_WITH_INIT(lru_reclaim_scenarios, kunit_array_gen_params,
				   lazyfree_lru_params_init, NULL),
	KUNIT_CASE_PARAM_WITH_INIT(random_layouts, kunit_array_gen_params,
				   lazyfree_random_params_init, NULL),
#if LAZYFREE_CAN_FAULT
	KUNIT_CASE_PARAM_WITH_INIT(madv_cut_scenarios, kunit_array_gen_params,
				   lazyfree_cut_params_init, NULL),
	KUNIT_CASE_PARAM_WITH_INIT(fault_fidelity, kunit_array_gen_params,
				   lazyfree_fidelity_params_init, NULL),
#endif
	{}
};

static ktime_t rmap_lazyfree_batch_start;

static int rmap_lazyfree_batch_suite_init(struct kunit_suite *suite)
{
	lazyfree_mm = mm_alloc();
	if (!lazyfree_mm)
		return -ENOMEM;
	lazyfree_mm->task_size = TASK_SIZE;
	arch_pick_mmap_layout(lazyfree_mm, &current->signal->rlim[RLIMIT_STACK]);
	rmap_lazyfree_batch_start = ktime_get();
	lazyfree_folios_made = 0;
	lazyfree_folios_freed = 0;
	lazyfree_folios_split = 0;
	return 0;
}

/* The suite is meant for pre-submit runs: say how long it took. */
static void rmap_lazyfree_batch_suite_exit(struct kunit_suite *suite)
{
	mmput(lazyfree_mm);
	pr_info("%s: suite ran in %lld ms\n", suite->name,
		ktime_ms_delta(ktime_get(), rmap_lazyfree_batch_start));
	pr_info("%s: %u folios made, %u freed, %u split by the kernel\n",
		suite->name, lazyfree_folios_made, lazyfree_folios_freed,
		lazyfree_folios_split);
}

static struct kunit_suite rmap_lazyfree_batch_test_suite = {
	.name = "rmap_lazyfree_batch",
	.suite_init = rmap_lazyfree_batch_suite_init,
	.suite_exit = rmap_lazyfree_batch_suite_exit,
	.test_cases = rmap_lazyfree_batch_test_cases,
};

kunit_test_suite(rmap_lazyfree_batch_test_suite);

MODULE_DESCRIPTION("KUnit tests for batched unmap of lazyfree large folios");
MODULE_LICENSE("GPL");
