/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests for batched unmap of lazyfree large folios: what the files of
 * the test share.
 *
 * Reclaim unmaps a lazyfree (MADV_FREE'd: anon && !swapbacked) large folio
 * in batches: try_to_unmap_one() asks folio_unmap_pte_batch() how many
 * consecutive PTEs map the folio, capped at the end of the page table and of
 * the VMA, clears them and drops rmap and references once per batch, or
 * restores them when the unmap must abort.  The tests build the layouts that
 * matter in a user mm, let reclaim unmap the folio through each of its entry
 * points, and check every PTE, mapcount, refcount, RSS counter, folio flag
 * and byte of data afterwards against a model of the end state.
 */

#ifndef _MM_TESTS_RMAP_LAZYFREE_BATCH_H
#define _MM_TESTS_RMAP_LAZYFREE_BATCH_H

#include <kunit/test-bug.h>
#include <kunit/test.h>
#include <linux/bitmap.h>
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
#include <linux/userfaultfd_k.h>
#include <linux/vmstat.h>
#include <asm/tlbflush.h>

#include "../internal.h"

/* ===== The test mm ===== */

/* Each case maps this much user address space; see lazyfree_map_window(). */
#define LAZYFREE_WINDOW_SIZE	(4 * PMD_SIZE)

/*
 * Whether reclaim can defer the TLB flush of a batch to try_to_unmap_flush()
 * (TTU_BATCH_FLUSH): on SMP, where the arch batches flushes, for an mm live
 * on another CPU than reclaim's.
 */
#define LAZYFREE_CAN_DEFER_FLUSH \
	(IS_ENABLED(CONFIG_SMP) && IS_ENABLED(CONFIG_ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH))

/*
 * Whether the arch defers every such flush, whichever CPUs the mm is live
 * on: arm64's arch_tlbbatch_should_defer() is always true (its broadcast
 * TLBI needs no IPI), x86's only for an mm live on another CPU.
 */
#define LAZYFREE_ALWAYS_DEFERS_FLUSH \
	(LAZYFREE_CAN_DEFER_FLUSH && IS_ENABLED(CONFIG_ARM64))

/*
 * The PTEs of one contiguous block where the arch maps a large folio's
 * aligned PTEs as one and the suite models it (arm64 with ARM64_CONTPTE:
 * 16 PTEs with PTE_CONT set, one TLB entry; see
 * rmap_lazyfree_batch_contpte.c); 1 where it does not.
 */
#ifdef CONFIG_RMAP_LAZYFREE_BATCH_CONTPTE_KUNIT_TEST
#define LAZYFREE_CONT_PTES	CONT_PTES
#else
#define LAZYFREE_CONT_PTES	1U
#endif

/*
 * The PTE as the page table holds it: arm64's ptep_get() of a contiguous
 * PTE ORs the dirty and young bits of its whole block into it.
 */
static inline pte_t lazyfree_raw_ptep_get(pte_t *ptep)
{
#ifdef CONFIG_ARM64_CONTPTE
	return __ptep_get(ptep);
#else
	return ptep_get(ptep);
#endif
}

/* Whether @pte, read with lazyfree_raw_ptep_get(), is contiguous. */
static inline bool lazyfree_pte_cont(pte_t pte)
{
#ifdef CONFIG_ARM64_CONTPTE
	return pte_valid_cont(pte);
#else
	return false;
#endif
}

int lazyfree_mm_suite_init(struct kunit_suite *suite);
void lazyfree_mm_suite_exit(struct kunit_suite *suite);
pmd_t *lazyfree_pmd_alloc(struct mm_struct *mm, unsigned long addr);
pte_t *lazyfree_pte_lock(struct mm_struct *mm, unsigned long addr,
			 bool alloc, spinlock_t **ptl);
pte_t lazyfree_read_pte(struct mm_struct *mm, unsigned long addr);
long lazyfree_rss(struct mm_struct *mm, int member);
const char *lazyfree_rss_name(int member);
void lazyfree_use_mm(struct kunit *test);
void lazyfree_share_mms(struct mm_struct **mms, unsigned int nr);
unsigned long lazyfree_mmap(struct kunit *test, unsigned long size);
void lazyfree_munmap_in(struct mm_struct *mm, unsigned long addr,
			unsigned long size);
struct mm_struct *lazyfree_mm_new(void);
unsigned long lazyfree_map_window(struct kunit *test);

extern unsigned int lazyfree_folios_made;
extern unsigned int lazyfree_folios_freed;
extern unsigned int lazyfree_folios_split;

/* Where LAZYFREE_CONT_PTES > 1 only: rmap_lazyfree_batch_contpte.c. */
extern unsigned int lazyfree_cont_unmaps;
extern unsigned long lazyfree_cont_ptes;
void lazyfree_unfold_unsound(struct mm_struct *mm, unsigned long start,
			     unsigned long end);

int lazyfree_suite_init(struct kunit_suite *suite);
void lazyfree_suite_exit(struct kunit_suite *suite);

/* ===== Layouts ===== */

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
	 * @LAZYFREE_MLOCKED_VMA_STRADDLE: as @LAZYFREE_VMA_STRADDLE, and the
	 * second VMA is mlocked (what mlock() of part of the range does):
	 * | 0 1 ... s-1 ] s ... n-1 (VM_LOCKED) |
	 */
	LAZYFREE_MLOCKED_VMA_STRADDLE,
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
 * enum lazyfree_source - who makes the folio
 * @LAZYFREE_HAND_BUILT: the fixture, as the mTHP fault path and MADV_FREE
 *	would (lazyfree_map_folio(), lazyfree_madv_free()); every arch
 * @LAZYFREE_FAULTED: the kernel: a write fault in a VMA of exactly the
 *	folio's size, MADV_FREE, then mremap() to the layout's address
 *	(lazyfree_fault_folio()); only where LAZYFREE_CAN_FAULT
 * @LAZYFREE_SHMEM: a shmem (file) folio, mapped by the fixture as a read
 *	fault in a shared anonymous VMA maps one (lazyfree_shmem_folio());
 *	only where LAZYFREE_CAN_SHMEM.  Not lazyfree: the triggers change
 *	what the folio must become, not what reclaim unmaps
 * @LAZYFREE_FAULTED_SHMEM: the same made by the kernel, moved as
 *	@LAZYFREE_FAULTED is; where both can
 * @LAZYFREE_FILE: a page-cache folio of a regular file (an EROFS image's),
 *	read in by the page cache, read-faulted into a read-only shared
 *	mapping and moved as @LAZYFREE_FAULTED is (lazyfree_erofs_folio());
 *	clean, not swapbacked, in MM_FILEPAGES; only where LAZYFREE_CAN_EROFS
 * @LAZYFREE_NR_SOURCES: how many there are
 */
enum lazyfree_source {
	LAZYFREE_HAND_BUILT,
	LAZYFREE_FAULTED,
	LAZYFREE_SHMEM,
	LAZYFREE_FAULTED_SHMEM,
	LAZYFREE_FILE,
	LAZYFREE_NR_SOURCES
};

/* Whether @source makes a file folio (not anon): shmem or a regular file's. */
static inline bool lazyfree_file_source(enum lazyfree_source source)
{
	return source == LAZYFREE_SHMEM || source == LAZYFREE_FAULTED_SHMEM ||
	       source == LAZYFREE_FILE;
}

/**
 * enum lazyfree_other_mm - a second mm that maps the shmem file on its own
 * @LAZYFREE_OTHER_MM_NONE: none (a fork's child is &struct lazyfree_layout's
 *	@fork)
 * @LAZYFREE_OTHER_MM_PLAIN: a new mm with its own mmap() of the file over
 *	the folio's range, at the same address (one VMA of exactly that
 *	range), its pages read-faulted in and the layout's hole zapped there
 *	too (lazyfree_map_other_mm())
 * @LAZYFREE_OTHER_MM_MLOCKED: the same, its VMA then VM_LOCKED, the folio
 *	not mlocked (what mlock() of the range in two parts leaves)
 *
 * The rmap walk visits a file's VMAs in the order of their offsets, a
 * later one of the same offset after an earlier one: the first mm's VMA
 * that starts at the folio, the second mm's, then the first mm's others.
 * Only an mmap() of its own can make the second mm's VMA VM_LOCKED where
 * the first mm's is not (fork clears VM_LOCKED in the child), and so stop
 * the walk between two VMAs of the first mm.  Faulted shmem folios only
 * (the second mm faults its pages in from the page cache).
 */
enum lazyfree_other_mm {
	LAZYFREE_OTHER_MM_NONE,
	LAZYFREE_OTHER_MM_PLAIN,
	LAZYFREE_OTHER_MM_MLOCKED,
};

/**
 * enum lazyfree_uffd_wp - a folio in a VMA registered for uffd-wp
 * (x86_64 only), its PTEs all write-protected, some of them by uffd-wp
 * (their uffd-wp bit set): where reclaim clears those in a file VMA it
 * must leave uffd-wp markers, and batches split where the bit changes
 * @LAZYFREE_UFFD_WP_NONE: not registered
 * @LAZYFREE_UFFD_WP_ARMED: registered, no PTE write-protected by uffd-wp
 * @LAZYFREE_UFFD_WP_HEAD: the first max(1, n/4) PTEs are
 * @LAZYFREE_UFFD_WP_MIDDLE: max(1, n/4) PTEs from PTE n/2 on are
 * @LAZYFREE_UFFD_WP_TAIL: the last max(1, n/4) PTEs are
 * @LAZYFREE_UFFD_WP_ALL: every PTE is
 *
 * HEAD, MIDDLE and TAIL are the PTEs of the holes of those names
 * (lazyfree_hole_range()).  As UFFDIO_WRITEPROTECT does, a none PTE of
 * a file VMA in the range becomes a uffd-wp marker.
 */
enum lazyfree_uffd_wp {
	LAZYFREE_UFFD_WP_NONE,
	LAZYFREE_UFFD_WP_ARMED,
	LAZYFREE_UFFD_WP_HEAD,
	LAZYFREE_UFFD_WP_MIDDLE,
	LAZYFREE_UFFD_WP_TAIL,
	LAZYFREE_UFFD_WP_ALL,
};

/**
 * struct lazyfree_layout - a row resolved at one folio order, or a drawn one
 * @source: who makes the folio, see &enum lazyfree_source
 * @order: folio order
 * @nr: 1 << @order, the number of pages and PTEs
 * @kind: as in &struct lazyfree_row
 * @split: first PTE after the PMD or VMA boundary (0 for in-table)
 * @hole_start: first zapped PTE
 * @hole_len: number of zapped PTEs (0: none)
 * @wrprotect: the write-protected PTE, or UINT_MAX
 * @softclean: PTEs from this one on have their soft-dirty bit cleared;
 *	UINT_MAX for none
 * @young: the PTE young when references are checked, or UINT_MAX
 * @vma: as in &struct lazyfree_row
 * @neighbour: as in &struct lazyfree_row
 * @predirty: as in &struct lazyfree_row
 * @trigger: as in &struct lazyfree_row
 * @at: the PTE @trigger acts on, or UINT_MAX
 * @fork: as in &struct lazyfree_row
 * @other_mm: as in &struct lazyfree_row
 * @uffd_armed: the VMAs holding the folio are registered for uffd-wp
 *	(VM_UFFD_WP) and every PTE of the folio is write-protected, after
 *	@trigger, in every mm (lazyfree_arm_uffd_wp())
 * @uffd_start: the first PTE write-protected by uffd-wp (its uffd-wp bit
 *	set, as UFFDIO_WRITEPROTECT sets it)
 * @uffd_len: how many from @uffd_start on (0: none)
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
	enum lazyfree_other_mm other_mm;
	bool uffd_armed;
	unsigned int uffd_start;
	unsigned int uffd_len;
};

/* ===== The fixture ===== */

/*
 * Whether the kernel itself maps large anon folios on a fault here, and the
 * test can move them with mremap(): see rmap_lazyfree_batch_fault.c.
 */
#define LAZYFREE_CAN_FAULT	IS_ENABLED(CONFIG_RMAP_LAZYFREE_BATCH_FAULT_KUNIT_TEST)

/* Whether the fixture makes shmem folios: rmap_lazyfree_batch_file.c. */
#define LAZYFREE_CAN_SHMEM	IS_ENABLED(CONFIG_RMAP_LAZYFREE_BATCH_SHMEM_KUNIT_TEST)

/*
 * Whether the fixture makes page-cache folios of a regular file:
 * rmap_lazyfree_batch_erofs.c.
 */
#define LAZYFREE_CAN_EROFS	IS_ENABLED(CONFIG_RMAP_LAZYFREE_BATCH_EROFS_KUNIT_TEST)

/*
 * Whether PTEs carry a uffd-wp bit and cleared ones become uffd-wp markers
 * in a file VMA: x86_64 and arm64 with USERFAULTFD, not UML.
 */
#define LAZYFREE_CAN_UFFD_WP	IS_ENABLED(CONFIG_RMAP_LAZYFREE_BATCH_UFFD_WP_KUNIT_TEST)

/* Smallest order the mTHP fault path maps (THP_ORDERS_ALL_ANON). */
#define LAZYFREE_MIN_FAULT_ORDER	2

/* Largest folio the fixture maps: one whole page table. */
#define LAZYFREE_MAX_PAGES	PTRS_PER_PTE

/* The test's own mm and, for the fork rows, its child. */
#define LAZYFREE_MAX_MMS	2

/**
 * struct lazyfree_fixture - a large folio (lazyfree anon, or shmem) mapped in a test mm
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
 * @folio_split: LRU reclaim kept the folio and split it, as it must
 *	(lazyfree_expect_folio_split()): its pages are other folios now
 * @leaked: the kernel under test dropped the folio's last reference
 *	while the test still counted on one (lazyfree_forget_folio()): the
 *	folio is never touched again, and left to leak
 * @file: for a shmem folio, the file whose page cache holds it (the test's
 *	own reference), else NULL
 * @cache_refs: the references the page cache holds on the folio (one per
 *	page for a shmem folio, until the fixture truncates it; 0 for anon)
 * @cached: @folio is in @file's page cache (faulted; a hand-built shmem
 *	folio holds the cache's references but has no entry there)
 * @addr: user address of the folio's first page, in every mm
 * @nr_pages: folio_nr_pages(@folio)
 * @rss_member: the RSS counter the folio's PTEs count in (mm_counter())
 * @rss_base: @rss_member of each mm before the folio was mapped there
 * @rss_before: every RSS counter of each mm right before the unmap under
 *	test; all but @rss_member must stay as they were
 * @rss_saved: @rss_before holds them (lazyfree_snapshot() was called)
 * @pins: extra references the case holds (get_user_pages())
 * @repaired: PTEs lazyfree_repair_ptes() pointed back at their own page
 * @present: PTEs lazyfree_repair_ptes() found present, per mm
 * @page_ptes: per folio page, the PTEs lazyfree_repair_ptes() found mapping it
 * @orig: every PTE of every mm as it was right before the unmap under test
 *	(as the page table holds it: lazyfree_raw_ptep_get())
 * @tables: per mm, the PTE table holding PTE 0, installed by the fixture
 * @canaries: per mm, the page that follows @tables in physical memory
 * @canary_want: per mm, what the canary must hold after the unmap: a copy
 *	of the next page table, taken right before it
 * @neighbour: the folio mapped next to @folio (&enum lazyfree_neighbour),
 *	or NULL; its PTEs and the test hold its references
 * @neighbour_addr: user address of its first page
 * @neighbour_orig: its PTEs as they were right before the unmap under test
 * @young: the PTE (of mm 0) lazyfree_age() leaves young, UINT_MAX for none
 * @guarded: per mm, the page tables holding the folio's PTEs while
 *	lazyfree_guard() has them poisoned (KASAN), else NULL
 * @failed_before_guard: whether the case had failed when lazyfree_guard()
 *	began
 * @shared: every mm is live on every CPU (lazyfree_share_mms()), as a
 *	multithreaded program's is: where LAZYFREE_CAN_DEFER_FLUSH, reclaim
 *	defers the TLB flush of each batch it clears
 * @tlb_batched: per mm, its count of deferred TLB flushes
 *	(mm->tlb_flush_batched) right before the unmap under test
 * @cont: bit i set if PTE i of mm 0 was contiguous when lazyfree_model()
 *	read it, right before the unmap (lazyfree_folded())
 * @at_folded: PTE l->at was contiguous when the layout's trigger wrote
 *	to it (lazyfree_write_fault())
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
	bool folio_split;
	bool leaked;
	struct file *file;
	unsigned int cache_refs;
	bool cached;
	unsigned long addr;
	unsigned int nr_pages;
	int rss_member;
	long rss_base[LAZYFREE_MAX_MMS];
	long rss_before[LAZYFREE_MAX_MMS][NR_MM_COUNTERS];
	bool rss_saved;
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
	bool shared;
	int tlb_batched[LAZYFREE_MAX_MMS];
	DECLARE_BITMAP(cont, LAZYFREE_MAX_PAGES);
	bool at_folded;
};

u8 lazyfree_pattern(unsigned int page);
bool lazyfree_folio_intact(const struct lazyfree_fixture *fx);
unsigned long lazyfree_page_addr(const struct lazyfree_fixture *fx,
				 unsigned int i);
int lazyfree_walk_mms(struct lazyfree_fixture *fx,
		      const struct mm_walk_ops *ops);
void lazyfree_change_mms(struct lazyfree_fixture *fx,
			 const struct mm_walk_ops *ops);
unsigned int lazyfree_walk_page_index(struct mm_walk *walk,
				      unsigned long addr);
bool lazyfree_maps_folio(const struct lazyfree_fixture *fx, pte_t pte);
unsigned int lazyfree_walk_mm_index(struct mm_walk *walk);
pte_t lazyfree_pte_with_pfn(pte_t pte, unsigned long pfn);
bool lazyfree_install_table_pair(struct lazyfree_fixture *fx,
				 struct mm_struct *mm, unsigned int k);
void lazyfree_fill(struct folio *folio, unsigned int first);
extern const struct mm_walk_ops lazyfree_clean_ops;
void lazyfree_mmput_action(void *mm);
struct mm_struct *lazyfree_second_mm(struct lazyfree_fixture *fx,
				     struct mm_struct *mm);
void lazyfree_folio_put_action(void *folio);
void lazyfree_putback_lru_action(void *folio);
void lazyfree_isolate(struct lazyfree_fixture *fx);
void lazyfree_back_to_lru(struct lazyfree_fixture *fx);
struct lazyfree_fixture *
lazyfree_fixture_alloc(struct kunit *test, unsigned int nr, unsigned long *base);
struct lazyfree_fixture *
lazyfree_fixture_create(struct kunit *test, const struct lazyfree_layout *layout);
void lazyfree_repair_ptes(struct lazyfree_fixture *fx);
void lazyfree_zap_range(struct lazyfree_fixture *fx, struct mm_struct *mm,
			unsigned int first, unsigned int end);

void lazyfree_map_folio(struct lazyfree_fixture *fx,
			const struct lazyfree_layout *l);

/* Where LAZYFREE_CAN_FAULT only: the kernel makes the folio. */
void lazyfree_fault_folio(struct lazyfree_fixture *fx,
			  const struct lazyfree_layout *layout);

/* Where LAZYFREE_CAN_SHMEM only: a shmem folio. */
void lazyfree_shmem_folio(struct lazyfree_fixture *fx,
			  const struct lazyfree_layout *layout);
void lazyfree_add_to_file(struct lazyfree_fixture *fx, struct folio *folio);
void lazyfree_remove_from_file(struct lazyfree_fixture *fx);
void lazyfree_fault_child(struct lazyfree_fixture *fx,
			  const struct lazyfree_layout *l);
void lazyfree_map_other_mm(struct lazyfree_fixture *fx,
			   const struct lazyfree_layout *l);

/* Where LAZYFREE_CAN_EROFS only: a regular file's folio. */
void lazyfree_erofs_folio(struct lazyfree_fixture *fx,
			  const struct lazyfree_layout *layout);

/* ===== The canary ===== */

/*
 * How many differing PTEs or pages one check reports one by one, before a
 * count of the rest: a kernel that breaks every row prints under 2 KiB a
 * row, not megabytes.
 */
#define LAZYFREE_MAX_REPORTS	4U

/**
 * struct lazyfree_diffs - the differences one check found
 * @test: the test they fail
 * @nr: how many so far
 *
 * A check reports the first LAZYFREE_MAX_REPORTS differences one by one
 * (lazyfree_diff_to_report()) and the rest as a count (lazyfree_diffs_end()).
 */
struct lazyfree_diffs {
	struct kunit *test;
	unsigned int nr;
};

/* Count a difference; returns whether to report it one by one. */
static inline bool lazyfree_diff_to_report(struct lazyfree_diffs *d)
{
	return d->nr++ < LAZYFREE_MAX_REPORTS;
}

unsigned int lazyfree_diffs_end(const struct lazyfree_diffs *d,
				const char *what);

void lazyfree_arm_canaries(struct lazyfree_fixture *fx);
bool lazyfree_expect_canaries(struct lazyfree_fixture *fx);
void lazyfree_guard(struct lazyfree_fixture *fx);
void lazyfree_unguard(struct lazyfree_fixture *fx);

/* ===== The model ===== */

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
 * @LAZYFREE_SPLIT: split_folio() of the folio, back on the LRU, as
 *	truncation or migration splits a large file folio: unmap_folio()
 *	unmaps it with try_to_unmap(TTU_IGNORE_MLOCK | TTU_RMAP_LOCKED |
 *	TTU_SYNC | TTU_BATCH_FLUSH), mlocked VMAs included, before the split
 *	to order 0; a folio in a page cache only (faulted shmem), whose
 *	order-0 pieces stay there
 * @LAZYFREE_UNMAP_AS_SPLIT: unmap_folio()'s steps, taken by the test:
 *	try_to_unmap() with its flags under i_mmap_lock_read(), checked and
 *	repaired like any unmap.  lazyfree_run_layout() runs a layout this
 *	way before it splits a folio of that layout (LAZYFREE_SPLIT): a
 *	batch that broke the folio's counts would make the split BUG in its
 *	freeze, where the test can no longer repair them
 * @LAZYFREE_PUNCH_HOLE: fallocate(FALLOC_FL_PUNCH_HOLE) of the pages
 *	lazyfree_punch_range() names, inside the folio, back on the LRU:
 *	shmem_fallocate() zaps their PTEs (unmap_mapping_range()), then
 *	truncation zeroes them and splits the folio around them
 *	(folio_split(): unmap_folio() unmaps the rest through the batch,
 *	as for @LAZYFREE_SPLIT) and drops the pieces in the hole; a folio
 *	the split refuses (pinned) stays whole, mapped but for the hole
 *	(shmem is exempt from truncation's unmap of an unsplit folio)
 * @LAZYFREE_UNMAP_AS_PUNCH: the hole punch's unmaps alone, taken by the
 *	test: unmap_mapping_pages() of the hole, then
 *	@LAZYFREE_UNMAP_AS_SPLIT's try_to_unmap(); the rehearsal of
 *	@LAZYFREE_PUNCH_HOLE as that one is of @LAZYFREE_SPLIT
 */
enum lazyfree_entry {
	LAZYFREE_TRY_TO_UNMAP,
	LAZYFREE_RECLAIM_PAGES,
	LAZYFREE_MADV_PAGEOUT,
	LAZYFREE_REFERENCES,
	LAZYFREE_LRU,
	LAZYFREE_SPLIT,
	LAZYFREE_UNMAP_AS_SPLIT,
	LAZYFREE_PUNCH_HOLE,
	LAZYFREE_UNMAP_AS_PUNCH,
};

/**
 * struct lazyfree_expect - the state a case expects after an unmap attempt
 * @mapped: bit i set if PTE i must still map page i of the folio (present,
 *	same PFN, write, soft-dirty and uffd-wp bits as before); clear if the
 *	PTE must be none, or a uffd-wp marker where @markers says
 * @markers: bit i set if PTE i, unmapped, must be a uffd-wp marker
 * @zapped: bit i set if PTE i is unmapped by a zap of a hole punched into
 *	the file (unmap_mapping_range()), not by the batch: its TLB flush
 *	is never deferred
 * @swapbacked: expected folio_test_swapbacked() (false while lazyfree)
 * @dirty: expected folio_test_dirty()
 * @mlocked: expected folio_test_mlocked()
 * @freed: reclaim (reclaim_pages(), MADV_PAGEOUT, LRU reclaim) must free
 *	the folio: a lazyfree one it unmapped whole, a file one it unmapped
 *	whole, clean and unpinned
 * @mapped_other: where @other_differs, @mapped for the second mm (a
 *	&enum lazyfree_other_mm); @mapped is the first mm's then
 * @other_differs: the second mm's PTEs end up otherwise than the first's
 * @refolded: bit i set if the unmap restored PTE i's whole contiguous
 *	block (aligned), which folds it
 * @unfolded: bit i set if the unmap restored part of PTE i's contiguous
 *	block, which leaves all of it unfolded; a PTE in neither is
 *	contiguous after the unmap if it was before and its whole block is
 *	still mapped
 * @must_fold: every PTE of mm 0 must be contiguous before the unmap: a
 *	hand-built folio of a block or more, its PTEs set in order
 *	(contpte_try_fold()), nothing in it changed since
 */
struct lazyfree_expect {
	DECLARE_BITMAP(mapped, LAZYFREE_MAX_PAGES);
	DECLARE_BITMAP(markers, LAZYFREE_MAX_PAGES);
	DECLARE_BITMAP(zapped, LAZYFREE_MAX_PAGES);
	DECLARE_BITMAP(mapped_other, LAZYFREE_MAX_PAGES);
	DECLARE_BITMAP(refolded, LAZYFREE_MAX_PAGES);
	DECLARE_BITMAP(unfolded, LAZYFREE_MAX_PAGES);
	bool must_fold;
	bool other_differs;
	bool swapbacked;
	bool dirty;
	bool mlocked;
	bool freed;
};

bool lazyfree_pageout_splits(const struct lazyfree_layout *l);
bool lazyfree_source_makes(const struct lazyfree_layout *l,
			   enum lazyfree_entry entry);
bool lazyfree_in_hole(const struct lazyfree_layout *l, unsigned int i);
bool lazyfree_in_uffd_wp(const struct lazyfree_layout *l, unsigned int i);
void lazyfree_punch_range(unsigned int nr, unsigned int *start,
			  unsigned int *len);
bool lazyfree_in_punch(unsigned int nr, unsigned int i);
void lazyfree_mapped_from(const struct lazyfree_layout *l,
			  unsigned int first, unsigned long *mapped);

/* Where LAZYFREE_CONT_PTES > 1 only: rmap_lazyfree_batch_contpte.c. */
int lazyfree_cont_first(const struct lazyfree_fixture *fx, unsigned int i);
void lazyfree_read_folds(struct lazyfree_fixture *fx);
bool lazyfree_folded(const struct lazyfree_fixture *fx, unsigned int i);
bool lazyfree_must_fold(const struct lazyfree_layout *l);
void lazyfree_model_cont(const struct lazyfree_fixture *fx,
			 unsigned int first, unsigned int end,
			 struct lazyfree_expect *exp);
void lazyfree_expect_cont(const struct lazyfree_fixture *fx,
			  const struct lazyfree_expect *exp,
			  const unsigned long *mapped, unsigned int k,
			  struct lazyfree_diffs *d);

bool lazyfree_young(const struct lazyfree_layout *l,
		    const struct lazyfree_fixture *fx, unsigned int i);
void lazyfree_model(const struct lazyfree_layout *l,
		    struct lazyfree_fixture *fx,
		    enum lazyfree_trigger trigger,
		    enum lazyfree_entry entry,
		    struct lazyfree_expect *exp);
bool lazyfree_in_mlocked_vma(const struct lazyfree_layout *l,
			     unsigned int i);
int lazyfree_name(const struct lazyfree_layout *l, char *desc, int size);
int lazyfree_name_entry(const struct lazyfree_layout *l,
			enum lazyfree_entry entry, char *desc, int size);
int lazyfree_write_fields(const struct lazyfree_layout *l,
			  enum lazyfree_entry entry, char *buf, int size);
bool lazyfree_parse_fields(char *fields, struct lazyfree_layout *l,
			   enum lazyfree_entry *entry);
const char *lazyfree_field_value(const char *key, unsigned int v);

/* ===== Checks and repair ===== */

int lazyfree_repair_folio(struct lazyfree_fixture *fx, unsigned int refs);
int lazyfree_repair_unmapped_neighbour(struct lazyfree_fixture *fx);
bool lazyfree_counts_sound(struct lazyfree_fixture *fx, unsigned int refs,
			   const char *when);
void lazyfree_forget_folio(struct lazyfree_fixture *fx, const char *when);
void lazyfree_snapshot(struct lazyfree_fixture *fx);
bool lazyfree_expect_ptes(const struct lazyfree_fixture *fx,
			  const struct lazyfree_expect *exp);
bool lazyfree_expect_unmap(struct lazyfree_fixture *fx,
			   const struct lazyfree_expect *exp);
void lazyfree_expect_aged(const struct lazyfree_fixture *fx,
			  const struct lazyfree_layout *l);
void lazyfree_expect_reads(struct lazyfree_fixture *fx,
			   const unsigned long *mapped, bool unmapped_too);
void lazyfree_expect_reads_before(struct lazyfree_fixture *fx,
				  const struct lazyfree_layout *l);
void lazyfree_expect_neighbour(struct lazyfree_fixture *fx);
void lazyfree_expect_folio(const struct lazyfree_fixture *fx,
			   const struct lazyfree_expect *exp,
			   unsigned int refs, bool on_lru);
void lazyfree_read_mthp(unsigned int order, long *stats);
long lazyfree_mthp_splits(unsigned int order);
unsigned long lazyfree_vm_event(struct kunit *test,
				enum vm_event_item item);
void lazyfree_fold_vmstats(void);
unsigned long lazyfree_node_stat(enum node_stat_item item);
bool lazyfree_hold_folio(struct lazyfree_fixture *fx);
bool lazyfree_expect_folio_split(struct lazyfree_fixture *fx,
				 const struct lazyfree_expect *exp);
void lazyfree_release_and_expect(struct lazyfree_fixture *fx);
void lazyfree_expect_page_cache(const struct lazyfree_fixture *fx);
bool lazyfree_truncate(struct lazyfree_fixture *fx);
bool lazyfree_hold_cached(struct lazyfree_fixture *fx);
int lazyfree_store(struct lazyfree_fixture *fx, unsigned int i);

/* Where LAZYFREE_CAN_UFFD_WP only: rmap_lazyfree_batch_uffd.c. */
bool lazyfree_pte_uffd_wp(pte_t pte);

/* ===== Scenarios ===== */

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
 * struct lazyfree_row - one row of the scenario table
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
 * @other_mm: a second mm with a mapping of the file of its own, see
 *	&enum lazyfree_other_mm
 * @uffd_wp: see &enum lazyfree_uffd_wp (rmap_lazyfree_batch_uffd.c's
 *	rows)
 * @min_order: smallest order for which the positions above are distinct
 *	(0 and 1: every order)
 * @reclaim: also run the row through reclaim_pages() and through
 *	folio_referenced_scenarios
 */
struct lazyfree_row {
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
	enum lazyfree_other_mm other_mm;
	enum lazyfree_uffd_wp uffd_wp;
	unsigned int min_order;
	bool reclaim;
};

void lazyfree_describe(struct kunit *test, const void *param, char *desc);
unsigned int lazyfree_only_row(void *params, unsigned int nr, size_t size,
			       void (*describe)(struct kunit *test,
						const void *param, char *desc));
int lazyfree_register_layouts(struct kunit *test,
			      const struct lazyfree_row *table,
			      unsigned int nr_rows,
			      enum lazyfree_entry entry, unsigned int sources);
void lazyfree_run_layout(struct kunit *test,
			 const struct lazyfree_layout *l,
			 enum lazyfree_entry entry);
bool lazyfree_row_runs(const struct lazyfree_row *row,
		       enum lazyfree_entry entry);
unsigned int lazyfree_pos_index(enum lazyfree_pos pos, unsigned int nr);
void lazyfree_hole_range(enum lazyfree_hole hole, unsigned int nr,
			 unsigned int *start, unsigned int *len);
void lazyfree_resolve(const struct lazyfree_row *row, unsigned int order,
		      enum lazyfree_source source, struct lazyfree_layout *l);
const char *lazyfree_entry_case(enum lazyfree_entry entry);

extern const struct lazyfree_row lazyfree_scenarios[];
extern const unsigned int lazyfree_nr_scenarios;

/* Where LAZYFREE_CAN_SHMEM only: rmap_lazyfree_batch_file.c. */
bool lazyfree_split_and_expect(struct lazyfree_fixture *fx,
			       const struct lazyfree_layout *l,
			       enum lazyfree_trigger trigger);
bool lazyfree_punch_and_expect(struct lazyfree_fixture *fx,
			       const struct lazyfree_layout *l,
			       enum lazyfree_trigger trigger);
bool lazyfree_expect_reclaimed_file(struct lazyfree_fixture *fx,
				    const struct lazyfree_expect *exp, bool ok);

/* Where LAZYFREE_CAN_UFFD_WP only: rmap_lazyfree_batch_uffd.c. */
void lazyfree_arm_uffd_wp(struct lazyfree_fixture *fx,
			  const struct lazyfree_layout *l);
const char *lazyfree_uffd_wp_case(enum lazyfree_entry entry);

/* ===== Folios the kernel makes ===== */

unsigned long lazyfree_map_alone(struct kunit *test, unsigned long size);
void lazyfree_fault_at(struct lazyfree_fixture *fx, unsigned long from,
		       unsigned int order, bool write);
void lazyfree_move_faulted(struct lazyfree_fixture *fx, unsigned long from);

/* ===== File folios ===== */

void lazyfree_map_shared(struct lazyfree_fixture *fx, unsigned long addr,
			 unsigned long size);
void lazyfree_expect_file_faulted(struct lazyfree_fixture *fx,
				  unsigned long from);
bool lazyfree_file_unsound(const struct lazyfree_fixture *fx);

#endif /* _MM_TESTS_RMAP_LAZYFREE_BATCH_H */
