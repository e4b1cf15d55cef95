// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the batched unmapping of lazyfree large anonymous folios.
 *
 * Reclaim unmaps a lazyfree (MADV_FREE'd: anon && !swapbacked) large folio
 * in batches: try_to_unmap_one() asks folio_unmap_pte_batch() how many
 * consecutive PTEs map the folio, capped at the end of the page table and of
 * the VMA, clears them and drops rmap and references once per batch, or
 * restores them when the unmap must abort.  The cases below build exactly
 * the layouts that matter (inside one page table, straddling a PMD,
 * straddling a VMA end) and check every PTE, the mapcount, the refcount, the
 * RSS counter and the folio flags after try_to_unmap().
 *
 * UML has no transparent hugepages, so no large anonymous folio ever comes
 * from a fault there.  The fixture builds the folio the way the mTHP fault
 * path maps one (see map_anon_folio_pte_nopf() in mm/memory.c) and makes it
 * lazyfree the way madvise_free_pte_range() does for an exclusive folio.
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/mman.h>
#include <linux/pagewalk.h>
#include <linux/pgtable.h>
#include <linux/rmap.h>
#include <linux/swap.h>
#include <asm/tlbflush.h>

#include "../internal.h"

/* Largest folio the fixture maps: one whole page table. */
#define LAZYFREE_MAX_PAGES	PTRS_PER_PTE

/* Each case maps this much user address space; see lazyfree_map_window(). */
#define LAZYFREE_WINDOW_SIZE	(4 * PMD_SIZE)

/* try_to_unmap() flags shrink_folio_list() uses for a large folio. */
#define LAZYFREE_TTU_FLAGS	(TTU_BATCH_FLUSH | TTU_SYNC)

/**
 * enum lazyfree_layout_kind - where the PTEs of a test folio lie
 *
 * In the pictures below, | is a page table (PMD) boundary, ] the end of a
 * VMA, and the digits are the folio's pages.
 */
enum lazyfree_layout_kind {
	/**
	 * @LAZYFREE_IN_TABLE: the folio is naturally aligned and all its
	 * PTEs lie in one page table, as the mTHP fault path maps it:
	 * | 0 1 2 3 ... n-1 |
	 */
	LAZYFREE_IN_TABLE,
	/**
	 * @LAZYFREE_PMD_STRADDLE: the first @split PTEs end one page table,
	 * the others start the next one (what mremap() by a few pages does):
	 * 0 1 ... split-1 | split ... n-1
	 */
	LAZYFREE_PMD_STRADDLE,
	/**
	 * @LAZYFREE_VMA_STRADDLE_MLOCKED: one page table, but the first
	 * @split PTEs end one VMA and the others start a second, mlocked VMA
	 * (what mlock() of part of the folio's range does):
	 * | 0 1 ... split-1 ] split ... n-1 (VM_LOCKED) |
	 */
	LAZYFREE_VMA_STRADDLE_MLOCKED,
};

/**
 * struct lazyfree_layout - a test folio and where it is mapped
 * @order: folio order; the folio has 1 << @order pages
 * @kind: which layout, see &enum lazyfree_layout_kind
 * @split: for the straddling layouts, how many PTEs lie before the boundary
 */
struct lazyfree_layout {
	unsigned int order;
	enum lazyfree_layout_kind kind;
	unsigned int split;
};

/**
 * struct lazyfree_fixture - a lazyfree large anon folio mapped in a test mm
 * @test: the test that owns the fixture
 * @mm: the test's user mm (current->mm of the KUnit thread)
 * @folio: the folio; the fixture holds the reference reclaim would hold
 *	after isolating it from the LRU, so folio_ref_count() is 1 plus the
 *	number of PTEs mapping it
 * @addr: user address of the folio's first page
 * @nr_pages: folio_nr_pages(@folio)
 * @rss_base: MM_ANONPAGES of @mm before the folio was mapped
 * @orig: every PTE as it was after MADV_FREE, before the unmap under test
 *
 * Built by lazyfree_fixture_create(); everything it sets up is undone by
 * KUnit resources and by the teardown of @mm, even when a case fails
 * half-way.
 */
struct lazyfree_fixture {
	struct kunit *test;
	struct mm_struct *mm;
	struct folio *folio;
	unsigned long addr;
	unsigned int nr_pages;
	long rss_base;
	pte_t orig[LAZYFREE_MAX_PAGES];
};

/**
 * struct lazyfree_expect - the state a case expects after an unmap attempt
 * @mapped: bit i set if PTE i must still map page i of the folio (present,
 *	same PFN, write bit as before); clear if the PTE must be none
 * @swapbacked: expected folio_test_swapbacked() (false while lazyfree)
 * @dirty: expected folio_test_dirty()
 */
struct lazyfree_expect {
	DECLARE_BITMAP(mapped, LAZYFREE_MAX_PAGES);
	bool swapbacked;
	bool dirty;
};

static u8 lazyfree_pattern(unsigned int page)
{
	return 0xa5 ^ (page & 0xff);
}

static unsigned long lazyfree_page_addr(const struct lazyfree_fixture *fx,
					unsigned int i)
{
	return fx->addr + i * PAGE_SIZE;
}

/*
 * Map the page table covering @addr, allocating the upper levels and the
 * table itself if @alloc.  Returns NULL when there is no table (or no memory).
 */
static pte_t *lazyfree_pte_lock(struct mm_struct *mm, unsigned long addr,
				bool alloc, spinlock_t **ptl)
{
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;

	if (!alloc) {
		pmd = mm_find_pmd(mm, addr);
		return pmd ? pte_offset_map_lock(mm, pmd, addr, ptl) : NULL;
	}

	pgd = pgd_offset(mm, addr);
	p4d = p4d_alloc(mm, pgd, addr);
	if (!p4d)
		return NULL;
	pud = pud_alloc(mm, p4d, addr);
	if (!pud)
		return NULL;
	pmd = pmd_alloc(mm, pud, addr);
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
 * Walk the PTEs of the folio's range with @ops (private: @fx); the walk holds
 * each page table's lock around the callbacks.  The caller holds the mmap
 * lock for read.
 */
static void lazyfree_walk(struct lazyfree_fixture *fx,
			  const struct mm_walk_ops *ops)
{
	walk_page_range(fx->mm, fx->addr, lazyfree_page_addr(fx, fx->nr_pages),
			ops, fx);
}

/* Which page of the fixture's folio the PTE at @addr should map. */
static unsigned int lazyfree_walk_index(struct mm_walk *walk,
					unsigned long addr)
{
	struct lazyfree_fixture *fx = walk->private;

	return (addr - fx->addr) >> PAGE_SHIFT;
}

static int lazyfree_save_pte(pte_t *ptep, unsigned long addr,
			     unsigned long next, struct mm_walk *walk)
{
	struct lazyfree_fixture *fx = walk->private;

	fx->orig[lazyfree_walk_index(walk, addr)] = ptep_get(ptep);
	return 0;
}

static const struct mm_walk_ops lazyfree_save_ops = {
	.pte_entry = lazyfree_save_pte,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * Give the KUnit thread a user mm with an anonymous mapping of
 * LAZYFREE_WINDOW_SIZE and return a PMD-aligned address with at least one
 * PMD_SIZE of that mapping on either side.
 */
static unsigned long lazyfree_map_window(struct kunit *test)
{
	unsigned long uaddr;

	uaddr = kunit_vm_mmap(test, NULL, 0, LAZYFREE_WINDOW_SIZE,
			      PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_NE_MSG(test, uaddr, 0, "kunit_vm_mmap() failed");
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(uaddr),
			       "kunit_vm_mmap() failed: %ld", (long)uaddr);
	return ALIGN(uaddr, PMD_SIZE) + PMD_SIZE;
}

static unsigned long lazyfree_folio_addr(unsigned long base,
					 const struct lazyfree_layout *layout)
{
	if (layout->kind == LAZYFREE_PMD_STRADDLE)
		return base + PMD_SIZE - layout->split * PAGE_SIZE;
	return base;
}

static void lazyfree_putback_folio(void *folio)
{
	folio_putback_lru(folio);
}

/*
 * Install a PTE as do_anonymous_page() would, with set_ptes(nr = 1): the
 * fixture must not depend on set_ptes(nr > 1), which is under test too.
 */
static int lazyfree_install_pte(pte_t *ptep, unsigned long addr,
				unsigned long next, struct mm_walk *walk)
{
	struct lazyfree_fixture *fx = walk->private;
	struct vm_area_struct *vma = walk->vma;
	pte_t pte = pte_sw_mkyoung(folio_mk_pte(fx->folio, vma->vm_page_prot));

	if (vma->vm_flags & VM_WRITE)
		pte = pte_mkwrite(pte_mkdirty(pte), vma);
	pte = pte_advance_pfn(pte, lazyfree_walk_index(walk, addr));
	set_ptes(fx->mm, addr, ptep, pte, 1);
	update_mmu_cache_range(NULL, vma, addr, ptep, 1);
	return 0;
}

static const struct mm_walk_ops lazyfree_install_ops = {
	.pte_entry = lazyfree_install_pte,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * Allocate every page table the folio needs (so that mapping cannot fail
 * half-way), then take the references and the rmap and install the PTEs.
 * Returns false, with nothing mapped, if a page table cannot be allocated.
 */
static bool lazyfree_install_ptes(struct lazyfree_fixture *fx,
				  struct vm_area_struct *vma)
{
	unsigned int i;

	for (i = 0; i < fx->nr_pages; i++) {
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
	lazyfree_walk(fx, &lazyfree_install_ops);
	add_mm_counter(fx->mm, MM_ANONPAGES, fx->nr_pages);
	return true;
}

/*
 * Allocate the folio and map it at fx->addr the way the mTHP fault path
 * does: anon_vma_prepare(), vma_alloc_folio(order), uptodate, one reference
 * per PTE, folio_add_new_anon_rmap(RMAP_EXCLUSIVE), folio_add_lru_vma(),
 * dirty young PTEs, MM_ANONPAGES.  Page i is filled with lazyfree_pattern(i).
 */
static void lazyfree_map_folio(struct lazyfree_fixture *fx, unsigned int order)
{
	struct kunit *test = fx->test;
	struct vm_area_struct *vma;
	struct folio *folio;
	unsigned int i;
	bool mapped;

	mmap_read_lock(fx->mm);
	vma = vma_lookup(fx->mm, fx->addr);
	if (!vma || anon_vma_prepare(vma)) {
		mmap_read_unlock(fx->mm);
		KUNIT_FAIL_AND_ABORT(test, "no anon_vma for %#lx", fx->addr);
	}

	folio = vma_alloc_folio(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, order,
				vma, fx->addr);
	if (!folio) {
		mmap_read_unlock(fx->mm);
		KUNIT_FAIL_AND_ABORT(test, "no order-%u folio", order);
	}
	for (i = 0; i < fx->nr_pages; i++) {
		void *kaddr = kmap_local_folio(folio, i * PAGE_SIZE);

		memset(kaddr, lazyfree_pattern(i), PAGE_SIZE);
		kunmap_local(kaddr);
	}
	__folio_mark_uptodate(folio);

	fx->folio = folio;
	fx->rss_base = get_mm_counter(fx->mm, MM_ANONPAGES);
	mapped = lazyfree_install_ptes(fx, vma);
	mmap_read_unlock(fx->mm);
	if (!mapped) {
		folio_put(folio);
		fx->folio = NULL;
		KUNIT_FAIL_AND_ABORT(test, "no page table for %#lx", fx->addr);
	}
}

static int lazyfree_clean_pte(pte_t *ptep, unsigned long addr,
			      unsigned long next, struct mm_walk *walk)
{
	clear_young_dirty_ptes(walk->vma, addr, ptep, 1,
			       CYDP_CLEAR_YOUNG | CYDP_CLEAR_DIRTY);
	return 0;
}

static const struct mm_walk_ops lazyfree_clean_ops = {
	.pte_entry = lazyfree_clean_pte,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * MADV_FREE on UML skips large folios: without THP there is no MM_ID, so
 * folio_maybe_mapped_shared() is always true.  Do for the (exclusive) folio
 * what madvise_free_pte_range() does for one: clear the folio's dirty flag,
 * make its PTEs old and clean, flush, folio_mark_lazyfree().
 */
static void lazyfree_madv_free(struct lazyfree_fixture *fx)
{
	struct kunit *test = fx->test;

	/* folio_mark_lazyfree() needs the folio on the LRU. */
	lru_add_drain_all();

	folio_lock(fx->folio);
	folio_clear_dirty(fx->folio);
	folio_unlock(fx->folio);

	mmap_read_lock(fx->mm);
	lazyfree_walk(fx, &lazyfree_clean_ops);
	flush_tlb_mm(fx->mm);
	mmap_read_unlock(fx->mm);

	folio_mark_lazyfree(fx->folio);
	lru_add_drain_all();
	KUNIT_ASSERT_FALSE_MSG(test, folio_test_swapbacked(fx->folio),
			       "folio_mark_lazyfree() left the folio swapbacked");
}

/*
 * Split the folio's range at PTE @layout->split with a real vm_flags change
 * (MADV_DONTDUMP on the second part), then set VM_LOCKED on the second VMA
 * and account it, which is what mlock_fixup() does to a range in which no
 * folio lies entirely: mlock_vma_pages_range() mlocks only folios fully
 * inside the range (allow_mlock_munlock()), so ours stays unmlocked.
 */
static void lazyfree_mlock_tail(struct lazyfree_fixture *fx,
				const struct lazyfree_layout *layout)
{
	struct kunit *test = fx->test;
	unsigned long start = lazyfree_page_addr(fx, layout->split);
	unsigned long end = lazyfree_page_addr(fx, fx->nr_pages);
	struct vm_area_struct *vma;
	int ret;

	ret = do_madvise(fx->mm, start, end - start, MADV_DONTDUMP);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "MADV_DONTDUMP split failed");

	mmap_write_lock(fx->mm);
	vma = vma_lookup(fx->mm, start);
	if (vma && vma->vm_start == start && vma->vm_end == end) {
		vm_flags_set(vma, VM_LOCKED);
		fx->mm->locked_vm += (end - start) >> PAGE_SHIFT;
	}
	mmap_write_unlock(fx->mm);
	KUNIT_ASSERT_TRUE_MSG(test, vma && vma->vm_start == start &&
			      vma->vm_end == end,
			      "no VMA [%#lx, %#lx) after the split", start, end);
}

/**
 * lazyfree_fixture_create() - map a lazyfree large anon folio in a layout
 * @test: the test context
 * @layout: folio order and where its PTEs lie
 *
 * Gives the KUnit thread a user mm, maps a folio of @layout->order there as
 * the mTHP fault path would, makes it lazyfree as MADV_FREE would, builds the
 * VMA layout and finally isolates the folio from the LRU, as
 * shrink_folio_list() has it when it calls try_to_unmap().
 *
 * The isolation reference is dropped by a KUnit action; the mappings go
 * with the test's mm.  Both happen even when the case fails half-way.
 *
 * Return: the fixture; aborts the test if any step fails.
 */
static struct lazyfree_fixture *
lazyfree_fixture_create(struct kunit *test, const struct lazyfree_layout *layout)
{
	struct lazyfree_fixture *fx;
	unsigned long base;
	int ret;

	KUNIT_ASSERT_LE(test, 1U << layout->order, LAZYFREE_MAX_PAGES);
	fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fx);
	fx->test = test;
	fx->nr_pages = 1U << layout->order;

	base = lazyfree_map_window(test);
	fx->mm = current->mm;
	fx->addr = lazyfree_folio_addr(base, layout);

	lazyfree_map_folio(fx, layout->order);
	lazyfree_madv_free(fx);
	if (layout->kind == LAZYFREE_VMA_STRADDLE_MLOCKED)
		lazyfree_mlock_tail(fx, layout);

	lru_add_drain_all();
	KUNIT_ASSERT_TRUE_MSG(test, folio_isolate_lru(fx->folio),
			      "cannot isolate the folio from the LRU");
	ret = kunit_add_action_or_reset(test, lazyfree_putback_folio,
					fx->folio);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return fx;
}

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

/*
 * What shrink_folio_list() does to a lazyfree large folio it wants to free:
 * try_to_unmap() on the locked, isolated folio, then flush the TLB batch.
 * The PTEs are recorded first for lazyfree_expect_state().
 */
static void lazyfree_try_to_unmap(struct lazyfree_fixture *fx)
{
	mmap_read_lock(fx->mm);
	lazyfree_walk(fx, &lazyfree_save_ops);
	mmap_read_unlock(fx->mm);

	folio_lock(fx->folio);
	try_to_unmap(fx->folio, LAZYFREE_TTU_FLAGS);
	try_to_unmap_flush();
	folio_unlock(fx->folio);
}

static void lazyfree_expect_pte(const struct lazyfree_fixture *fx,
				unsigned int i, pte_t pte, bool mapped)
{
	unsigned long want = folio_pfn(fx->folio) + i;
	struct kunit *test = fx->test;

	if (!mapped) {
		if (!pte_none(pte))
			KUNIT_FAIL(test,
				   "PTE %u/%u: expected none, found %#llx (pfn %#lx, folio page %ld)",
				   i, fx->nr_pages, (u64)pte_val(pte), pte_pfn(pte),
				   (long)(pte_pfn(pte) - folio_pfn(fx->folio)));
		return;
	}

	if (!pte_present(pte)) {
		KUNIT_FAIL(test,
			   "PTE %u/%u: expected present with pfn %#lx, found %s %#llx",
			   i, fx->nr_pages, want,
			   pte_none(pte) ? "none" : "non-present",
			   (u64)pte_val(pte));
		return;
	}
	if (pte_pfn(pte) != want)
		KUNIT_FAIL(test,
			   "PTE %u/%u: maps pfn %#lx (folio page %ld), expected pfn %#lx (folio page %u)",
			   i, fx->nr_pages, pte_pfn(pte),
			   (long)(pte_pfn(pte) - folio_pfn(fx->folio)), want, i);
	if (!!pte_write(pte) != !!pte_write(fx->orig[i]))
		KUNIT_FAIL(test,
			   "PTE %u/%u: write bit %d, was %d before the unmap",
			   i, fx->nr_pages, !!pte_write(pte),
			   !!pte_write(fx->orig[i]));
}

static void lazyfree_expect_data(const struct lazyfree_fixture *fx)
{
	unsigned int i;

	for (i = 0; i < fx->nr_pages; i++) {
		void *kaddr = kmap_local_folio(fx->folio, i * PAGE_SIZE);
		bool intact = !memchr_inv(kaddr, lazyfree_pattern(i), PAGE_SIZE);

		kunmap_local(kaddr);
		KUNIT_EXPECT_TRUE_MSG(fx->test, intact,
				      "data of folio page %u changed", i);
	}
}

/*
 * Compare the state after an unmap attempt with @exp and report every
 * difference: each PTE, the mapcounts, the refcount, MM_ANONPAGES, the folio
 * flags and the data.
 */
static void lazyfree_expect_state(const struct lazyfree_fixture *fx,
				  const struct lazyfree_expect *exp)
{
	unsigned int nr_mapped = bitmap_weight(exp->mapped, fx->nr_pages);
	struct folio *folio = fx->folio;
	struct kunit *test = fx->test;
	unsigned int i;

	for (i = 0; i < fx->nr_pages; i++)
		lazyfree_expect_pte(fx, i,
				    lazyfree_read_pte(fx->mm, lazyfree_page_addr(fx, i)),
				    test_bit(i, exp->mapped));

	KUNIT_EXPECT_EQ_MSG(test, folio_mapcount(folio), nr_mapped,
			    "folio_mapcount()");
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio), 1 + nr_mapped,
			    "folio_ref_count(): isolation reference + one per mapped PTE");
	KUNIT_EXPECT_EQ_MSG(test, get_mm_counter(fx->mm, MM_ANONPAGES),
			    fx->rss_base + nr_mapped, "MM_ANONPAGES");
	KUNIT_EXPECT_EQ_MSG(test, folio_test_swapbacked(folio), exp->swapbacked,
			    "folio_test_swapbacked()");
	KUNIT_EXPECT_EQ_MSG(test, folio_test_dirty(folio), exp->dirty,
			    "folio_test_dirty()");
	KUNIT_EXPECT_FALSE_MSG(test, folio_test_mlocked(folio),
			       "folio_test_mlocked(): the folio is not fully mapped in a VM_LOCKED VMA");
	KUNIT_EXPECT_FALSE_MSG(test, folio_test_lru(folio),
			       "folio_test_lru(): the folio must stay isolated");
	lazyfree_expect_data(fx);
}

/*
 * A PTE restored with a wrong PFN (as by UML's broken set_ptes()) maps a page
 * that holds no reference or mapcount for it: tearing the mm down would then
 * corrupt that page.  Point each such PTE back at its own folio page, which
 * does hold the mapping's reference, so that the kernel survives the case.
 */
static int lazyfree_repair_pte(pte_t *ptep, unsigned long addr,
			       unsigned long next, struct mm_walk *walk)
{
	struct lazyfree_fixture *fx = walk->private;
	unsigned int i = lazyfree_walk_index(walk, addr);
	pte_t pte = ptep_get(ptep);

	if (pte_present(pte) && pte_pfn(pte) != folio_pfn(fx->folio) + i) {
		kunit_info(fx->test, "repairing PTE %u\n", i);
		set_pte_at(fx->mm, addr, ptep, fx->orig[i]);
	}
	return 0;
}

static const struct mm_walk_ops lazyfree_repair_ops = {
	.pte_entry = lazyfree_repair_pte,
	.walk_lock = PGWALK_RDLOCK,
};

static void lazyfree_repair_ptes(struct lazyfree_fixture *fx)
{
	mmap_read_lock(fx->mm);
	lazyfree_walk(fx, &lazyfree_repair_ops);
	mmap_read_unlock(fx->mm);
	flush_tlb_mm(fx->mm);
}

/*
 * Build @layout, optionally redirty PTE @redirty (UINT_MAX: none) after
 * MADV_FREE, run the reclaim unmap and check the outcome against @exp.
 */
static void lazyfree_run(struct kunit *test, const struct lazyfree_layout *layout,
			 unsigned int redirty, const struct lazyfree_expect *exp)
{
	struct lazyfree_fixture *fx = lazyfree_fixture_create(test, layout);

	if (redirty != UINT_MAX)
		lazyfree_write_fault(fx, redirty);
	lazyfree_try_to_unmap(fx);
	lazyfree_expect_state(fx, exp);
	lazyfree_repair_ptes(fx);
}

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

/* An order-4 folio inside one page table: one batch unmaps it all. */
static void try_to_unmap_in_table(struct kunit *test)
{
	const struct lazyfree_layout layout = { 4, LAZYFREE_IN_TABLE, 0 };
	const struct lazyfree_expect exp = {};

	lazyfree_run(test, &layout, UINT_MAX, &exp);
}

/* An order-4 folio straddling a PMD 8 + 8: two batches unmap it all. */
static void try_to_unmap_pmd_straddle(struct kunit *test)
{
	const struct lazyfree_layout layout = { 4, LAZYFREE_PMD_STRADDLE, 8 };
	const struct lazyfree_expect exp = {};

	lazyfree_run(test, &layout, UINT_MAX, &exp);
}

/*
 * An order-4 folio whose second half lies in an mlocked VMA: the first
 * batch stops at the VMA end, the mlocked half stays mapped and the folio,
 * not fully mapped there, is not mlocked.
 */
static void try_to_unmap_vma_straddle_mlocked(struct kunit *test)
{
	const struct lazyfree_layout layout = {
		4, LAZYFREE_VMA_STRADDLE_MLOCKED, 8
	};
	struct lazyfree_expect exp = {};

	bitmap_set(exp.mapped, 8, 8);
	lazyfree_run(test, &layout, UINT_MAX, &exp);
}

/*
 * An order-4 folio straddling a PMD 8 + 8, PTE 12 written after MADV_FREE:
 * the first batch unmaps, the second sees the dirty PTE, aborts and must
 * restore its eight PTEs exactly; the folio is swapbacked and dirty again.
 */
static void try_to_unmap_pmd_straddle_redirtied(struct kunit *test)
{
	const struct lazyfree_layout layout = { 4, LAZYFREE_PMD_STRADDLE, 8 };
	struct lazyfree_expect exp = { .swapbacked = true, .dirty = true };

	bitmap_set(exp.mapped, 8, 8);
	lazyfree_run(test, &layout, 12, &exp);
}

static struct kunit_case rmap_lazyfree_batch_test_cases[] = {
	KUNIT_CASE(set_ptes_consecutive_pfns),
	KUNIT_CASE(try_to_unmap_in_table),
	KUNIT_CASE(try_to_unmap_pmd_straddle),
	KUNIT_CASE(try_to_unmap_vma_straddle_mlocked),
	KUNIT_CASE(try_to_unmap_pmd_straddle_redirtied),
	{}
};

static struct kunit_suite rmap_lazyfree_batch_test_suite = {
	.name = "rmap_lazyfree_batch",
	.test_cases = rmap_lazyfree_batch_test_cases,
};

kunit_test_suite(rmap_lazyfree_batch_test_suite);

MODULE_DESCRIPTION("KUnit tests for batched unmap of lazyfree large folios");
MODULE_LICENSE("GPL");
