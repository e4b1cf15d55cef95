// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for batched unmap of lazyfree large folios: what a failing
 * case leaves behind, repaired so that the kernel survives it.
 */

#include "rmap_lazyfree_batch.h"

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
void lazyfree_repair_folio(struct lazyfree_fixture *fx)
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
void lazyfree_forget_folio(struct lazyfree_fixture *fx)
{
	fx->repaired = 0;
	lazyfree_change_mms(fx, &lazyfree_forget_ops);
	kunit_remove_action(fx->test, lazyfree_putback_lru_action, fx->folio);
	fx->isolated = false;
	KUNIT_FAIL(fx->test,
		   "the kernel freed the folio during try_to_unmap() although the test held a reference; cleared the %u PTEs still mapping it",
		   fx->repaired);
}
