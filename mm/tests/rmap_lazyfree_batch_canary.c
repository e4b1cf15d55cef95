// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for batched unmap of lazyfree large folios: the page-table
 * canary and the KASAN guard, which catch a batch that reads past its
 * limit.
 */

#include "rmap_lazyfree_batch.h"

/* Report how many more @what than were reported; returns them all. */
unsigned int lazyfree_diffs_end(const struct lazyfree_diffs *d,
				const char *what)
{
	if (d->nr > LAZYFREE_MAX_REPORTS)
		KUNIT_FAIL(d->test, "... and %u more %s",
			   d->nr - LAZYFREE_MAX_REPORTS, what);
	return d->nr;
}

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
void lazyfree_arm_canaries(struct lazyfree_fixture *fx)
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
		if (lazyfree_diff_to_report(d))
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
bool lazyfree_expect_canaries(struct lazyfree_fixture *fx)
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
 * canary then holds what it held, and no PTE shows the read.  Under generic
 * KASAN such a read is reported.  For the time of each unmap attempt
 * lazyfree_guard() poisons the KASAN shadow of the page tables holding the
 * folio's PTEs and of the canaries, all but the folio's own entries:
 * reclaim has no business with any other, since the rmap walk reads the
 * folio's range within each VMA and every batch lies inside one such
 * walk.  KASAN's report fails the running case by itself; lazyfree_unguard()
 * unpoisons the pages and says what the report was about.  Not seen: a read
 * past a VMA end that still falls inside the folio's range (a VMA
 * straddle), where the walk of the next VMA reads the entry rightly; and
 * any read without KASAN_GENERIC.
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
void lazyfree_guard(struct lazyfree_fixture *fx)
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
void lazyfree_unguard(struct lazyfree_fixture *fx)
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
