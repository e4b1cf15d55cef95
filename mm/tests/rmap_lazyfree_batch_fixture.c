// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for batched unmap of lazyfree large folios: the fixture, a
 * lazyfree large anonymous folio mapped in a layout of the test mm
 * (&struct lazyfree_layout): inside one page table, straddling a PMD,
 * straddling a VMA end, partly mapped, with mixed write and soft-dirty
 * bits, shared with a second mm over fork, alone in an mlocked or a
 * droppable VMA, next to another folio in use.
 *
 * UML has no transparent hugepages, so no large anonymous folio ever comes
 * from a fault there.  The fixture builds the folio the way the mTHP fault
 * path maps one (see map_anon_folio_pte_nopf() in mm/memory.c) and makes it
 * lazyfree the way madvise_free_pte_range() does for an exclusive folio.
 * Where mTHP is real, the kernel makes it instead (lazyfree_fault_folio()),
 * and the fault_fidelity case compares the two field by field.
 */

#include "rmap_lazyfree_batch.h"

/*
 * The byte page i of a test folio is filled with; never 0, so that no page
 * is zero-filled (a split may map such a page to the shared zero page).
 */
u8 lazyfree_pattern(unsigned int page)
{
	return 1 + page % 255;
}

/* Whether the folio is still one of the order the fixture made. */
bool lazyfree_folio_intact(const struct lazyfree_fixture *fx)
{
	return folio_test_large(fx->folio) &&
	       folio_nr_pages(fx->folio) == fx->nr_pages;
}

unsigned long lazyfree_page_addr(const struct lazyfree_fixture *fx,
				 unsigned int i)
{
	return fx->addr + i * PAGE_SIZE;
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
int lazyfree_walk_mms(struct lazyfree_fixture *fx,
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
void lazyfree_change_mms(struct lazyfree_fixture *fx,
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
unsigned int lazyfree_walk_page_index(struct mm_walk *walk,
				      unsigned long addr)
{
	struct lazyfree_fixture *fx = walk->private;

	return (addr - fx->addr) >> PAGE_SHIFT;
}

/* Whether @pte maps one of the folio's pages (by PFN, also once freed). */
bool lazyfree_maps_folio(const struct lazyfree_fixture *fx, pte_t pte)
{
	return pte_present(pte) && pte_pfn(pte) - fx->pfn < fx->nr_pages;
}

unsigned int lazyfree_walk_mm_index(struct mm_walk *walk)
{
	struct lazyfree_fixture *fx = walk->private;

	return walk->mm == fx->mms[0] ? 0 : 1;
}

/*
 * @pte with its PFN replaced by @pfn and every other bit kept: the PFN
 * advanced by the (modular) difference, as set_ptes() advances it.
 */
pte_t lazyfree_pte_with_pfn(pte_t pte, unsigned long pfn)
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
bool lazyfree_install_table_pair(struct lazyfree_fixture *fx,
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
void lazyfree_fill(struct folio *folio, unsigned int first)
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

	/* A read fault in a shared VMA maps it as vm_page_prot says. */
	if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
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
	if (fx->file) {
		folio_add_file_rmap_ptes(fx->folio, folio_page(fx->folio, 0),
					 fx->nr_pages, vma);
	} else {
		folio_add_new_anon_rmap(fx->folio, vma, fx->addr, RMAP_EXCLUSIVE);
		folio_add_lru_vma(fx->folio, vma);
		count_mthp_stat(folio_order(fx->folio), MTHP_STAT_ANON_FAULT_ALLOC);
	}
	lazyfree_walk_range(fx, 0, fx->nr_pages, &lazyfree_install_ops);
	add_mm_counter(fx->mm, fx->rss_member, fx->nr_pages);
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
 * RSS base.  The test keeps the allocation's reference until
 * lazyfree_release_and_expect() has checked the neighbour unmapped (or, in
 * a case that ends early, until before the munmap of the case's range).
 */
static void lazyfree_install_neighbour(struct lazyfree_fixture *fx,
				       struct vm_area_struct *vma)
{
	struct folio *folio = fx->neighbour;
	unsigned int nr = folio_nr_pages(folio);

	folio_ref_add(folio, nr);
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
 * Allocate the folio and map it at fx->addr as the mTHP fault path does:
 * anon_vma_prepare(), vma_alloc_folio(order), mem_cgroup_charge(), uptodate,
 * a reference per PTE, folio_add_new_anon_rmap(RMAP_EXCLUSIVE),
 * folio_add_lru_vma(), dirty young PTEs, MM_ANONPAGES, the anon_fault_alloc
 * mTHP counter; page i filled with lazyfree_pattern(i).  A neighbour comes
 * from lazyfree_alloc_pair(), mapped the same way after the folio.  A shmem
 * folio (fx->file): lazyfree_add_to_file(), file rmap, clean PTEs.
 */
void lazyfree_map_folio(struct lazyfree_fixture *fx,
			const struct lazyfree_layout *l)
{
	struct kunit *test = fx->test;
	unsigned int order = l->order;
	struct vm_area_struct *vma;
	struct folio *folio;
	bool mapped;

	mmap_read_lock(fx->mm);
	vma = vma_lookup(fx->mm, fx->addr);
	if (!vma || (!fx->file && anon_vma_prepare(vma))) {
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
	if (LAZYFREE_CAN_SHMEM && fx->file)
		lazyfree_add_to_file(fx, folio);

	fx->folio = folio;
	fx->pfn = folio_pfn(folio);
	lazyfree_folios_made++;
	fx->rss_base[0] = lazyfree_rss(fx->mm, fx->rss_member);
	mapped = lazyfree_install_ptes(fx, vma);
	if (mapped && fx->neighbour)
		lazyfree_install_neighbour(fx, vma);
	mmap_read_unlock(fx->mm);
	if (mapped && fx->neighbour)
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, lazyfree_folio_put_action,
								fx->neighbour), 0);
	if (!mapped) {
		if (LAZYFREE_CAN_SHMEM && fx->file)
			lazyfree_remove_from_file(fx);
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

const struct mm_walk_ops lazyfree_clean_ops = {
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
	bool found;
	int ret;

	ret = do_madvise(fx->mm, start, end - start, MADV_DONTDUMP);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "MADV_DONTDUMP split failed");

	mmap_write_lock(fx->mm);
	vma = vma_lookup(fx->mm, start);
	found = vma && vma->vm_start == start && vma->vm_end == end;
	if (found && vm_flags) {
		vm_flags_set(vma, vm_flags);
		if (vm_flags & VM_LOCKED)
			fx->mm->locked_vm += (end - start) >> PAGE_SHIFT;
	}
	mmap_write_unlock(fx->mm);
	KUNIT_ASSERT_TRUE_MSG(test, found, "no VMA [%#lx, %#lx) after the split",
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

void lazyfree_mmput_action(void *mm)
{
	mmput(mm);
}

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

void lazyfree_repair_ptes(struct lazyfree_fixture *fx)
{
	unsigned int k;
	long delta;
	int c;

	for (k = 0; k < fx->nr_mms && LAZYFREE_CONT_PTES > 1; k++)
		lazyfree_unfold_unsound(fx->mms[k], lazyfree_page_addr(fx, 0),
					lazyfree_page_addr(fx, fx->nr_pages));
	fx->repaired = 0;
	memset(fx->present, 0, sizeof(fx->present));
	memset(fx->page_ptes, 0, sizeof(fx->page_ptes));
	lazyfree_change_mms(fx, &lazyfree_repair_ops);
	if (fx->repaired)
		kunit_info(fx->test, "repaired %u PTEs that mapped another page\n",
			   fx->repaired);
	for (k = 0; k < fx->nr_mms; k++) {
		delta = fx->rss_base[k] + fx->present[k] -
			lazyfree_rss(fx->mms[k], fx->rss_member);
		if (delta) {
			add_mm_counter(fx->mms[k], fx->rss_member, delta);
			kunit_info(fx->test, "repaired %s of mm %u by %+ld\n",
				   lazyfree_rss_name(fx->rss_member), k, delta);
		}
		for (c = 0; c < NR_MM_COUNTERS && fx->rss_saved; c++) {
			delta = fx->rss_before[k][c] - lazyfree_rss(fx->mms[k], c);
			if (c == fx->rss_member || !delta)
				continue;
			add_mm_counter(fx->mms[k], c, delta);
			kunit_info(fx->test, "repaired %s of mm %u by %+ld\n",
				   lazyfree_rss_name(c), k, delta);
		}
	}
}

/*
 * Zap PTEs @first to @end - 1 of @mm (again), VMA by VMA (they may be
 * mlocked, and @mm need not be the thread's own).
 */
void lazyfree_zap_range(struct lazyfree_fixture *fx, struct mm_struct *mm,
			unsigned int first, unsigned int end)
{
	unsigned long addr = lazyfree_page_addr(fx, first);
	unsigned long stop = lazyfree_page_addr(fx, end);
	struct vm_area_struct *vma;

	mmap_read_lock(mm);
	while (addr < stop) {
		vma = vma_lookup(mm, addr);
		if (!vma)
			break;
		zap_vma_range(vma, addr, min(stop, vma->vm_end) - addr);
		addr = min(stop, vma->vm_end);
	}
	mmap_read_unlock(mm);
}

/*
 * The new @mm (NULL: none could be made) made ready to map the folio as
 * a second mm: dropped by a KUnit action, the folio's page table
 * installed there with its canary.  Returns it; aborts the test if it
 * cannot.
 */
struct mm_struct *lazyfree_second_mm(struct lazyfree_fixture *fx,
				     struct mm_struct *mm)
{
	struct kunit *test = fx->test;
	bool ok;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, mm);
	ret = kunit_add_action_or_reset(test, lazyfree_mmput_action, mm);
	KUNIT_ASSERT_EQ(test, ret, 0);
	mmap_write_lock(mm);
	ok = lazyfree_install_table_pair(fx, mm, fx->nr_mms);
	mmap_write_unlock(mm);
	KUNIT_ASSERT_TRUE_MSG(test, ok, "no page table with a canary in mm %u",
			      fx->nr_mms);
	return mm;
}

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
	int ret;

	/* copy_pte_range() fills a page table it finds in place. */
	child = lazyfree_second_mm(fx, mm_alloc());
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

/*
 * The test's last reference, dropped when a case ends early; one the
 * kernel under test already dropped is not dropped again.
 */
void lazyfree_folio_put_action(void *folio)
{
	if (folio_ref_count(folio) > 0)
		folio_put(folio);
}

/* As lazyfree_folio_put_action(), for the isolation reference. */
void lazyfree_putback_lru_action(void *folio)
{
	if (folio_ref_count(folio) > 0)
		folio_putback_lru(folio);
}

/*
 * Isolate the folio from the LRU, as shrink_folio_list() has it; the
 * isolation reference goes back with folio_putback_lru() in a KUnit action.
 */
void lazyfree_isolate(struct lazyfree_fixture *fx)
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
 * Put the isolated folio back on the LRU (where MADV_PAGEOUT and LRU
 * reclaim look for it), dropping the isolation reference.
 */
void lazyfree_back_to_lru(struct lazyfree_fixture *fx)
{
	kunit_release_action(fx->test, lazyfree_putback_lru_action, fx->folio);
	fx->isolated = false;
	lru_add_drain_all();
}

/*
 * A fixture for a folio of @nr pages, nothing made yet: the KUnit thread
 * in the suite's mm, with a window mapped whose PMD-aligned base is
 * returned in @base.
 */
struct lazyfree_fixture *
lazyfree_fixture_alloc(struct kunit *test, unsigned int nr, unsigned long *base)
{
	struct lazyfree_fixture *fx;

	fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fx);
	fx->test = test;
	fx->nr_pages = nr;
	fx->rss_member = MM_ANONPAGES;
	*base = lazyfree_map_window(test);
	fx->mm = current->mm;
	fx->mms[0] = fx->mm;
	fx->nr_mms = 1;
	return fx;
}

/**
 * lazyfree_fixture_create() - map a large folio in a layout
 * @test: the test context
 * @layout: folio order and where its PTEs lie
 *
 * Gives the KUnit thread a user mm, maps a folio of @layout->order there as
 * the mTHP fault path would and makes it lazyfree as MADV_FREE would (or
 * lets the kernel do both and moves the folio into place; or lets it make
 * a shmem folio; see &enum lazyfree_source), zaps the layout's hole, write-protects its PTE,
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
struct lazyfree_fixture *
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

	if (LAZYFREE_CAN_FAULT && layout->source == LAZYFREE_FAULTED) {
		lazyfree_fault_folio(fx, layout);
	} else if (LAZYFREE_CAN_EROFS && layout->source == LAZYFREE_FILE) {
		lazyfree_erofs_folio(fx, layout);
	} else if (LAZYFREE_CAN_SHMEM && lazyfree_file_source(layout->source)) {
		lazyfree_shmem_folio(fx, layout);
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
	if (layout->kind == LAZYFREE_MLOCKED_VMA_STRADDLE)
		lazyfree_split_vma(fx, layout->split, VM_LOCKED);
	if (layout->vma == LAZYFREE_VMA_MLOCKED)
		lazyfree_split_vma(fx, 0, VM_LOCKED);
	if (layout->vma == LAZYFREE_VMA_DROPPABLE)
		lazyfree_split_vma(fx, 0, VM_DROPPABLE);
	if (layout->fork)
		lazyfree_fork(fx);
	if (LAZYFREE_CAN_SHMEM && layout->fork && fx->file)
		lazyfree_fault_child(fx, layout);
	if (LAZYFREE_CAN_SHMEM && layout->other_mm != LAZYFREE_OTHER_MM_NONE)
		lazyfree_map_other_mm(fx, layout);
	lazyfree_isolate(fx);
	return fx;
}
