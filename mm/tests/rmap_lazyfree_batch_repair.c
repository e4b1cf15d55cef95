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
 * each of our mms' slot to the PTEs @present found in it (a
 * slot for an mm mapping nothing is freed, an mm mapping something and
 * holding no slot gets a free one), and the shared bit to whether more
 * than one mm maps the folio.  Returns the number of values changed.
 */
static unsigned int lazyfree_repair_mm_ids(struct lazyfree_fixture *fx,
					   struct folio *folio,
					   const unsigned int *present)
{
	unsigned long before = folio->_mm_ids;
	unsigned int k, changed = 0, mms = 0;
	int slot;

	for (k = 0; k < fx->nr_mms; k++) {
		int want = (int)present[k] - 1;

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
static unsigned int lazyfree_repair_mm_ids(struct lazyfree_fixture *fx,
					   struct folio *folio,
					   const unsigned int *present)
{
	return 0;
}
#endif

/*
 * Make @folio's mapcounts agree with @page_ptes (per page, the PTEs that
 * map it; @present: per mm) and its reference count with @refs + those
 * PTEs, each logged where it was wrong.  The two are set apart: a kernel
 * may break either alone (a batch that drops the references of the pages
 * it unmaps but the mapcount of one page fewer, or the other way round).
 * Returns the number of counts changed, or -1 if the folio has no
 * reference left: the kernel freed it under the test's own, and it must
 * not be touched again.
 */
static int lazyfree_repair_counts(struct lazyfree_fixture *fx,
				  struct folio *folio, const char *what,
				  const unsigned int *page_ptes,
				  const unsigned int *present, unsigned int refs)
{
	unsigned int i, nr = folio_nr_pages(folio), pages = 0, wrong = 0;
	int mapped = 0, mapcount, delta;

	if (folio_ref_count(folio) <= 0)
		return -1;
	for (i = 0; i < nr; i++) {
		struct page *page = folio_page(folio, i);

		mapped += page_ptes[i];
		pages += !!page_ptes[i];
		if (IS_ENABLED(CONFIG_PAGE_MAPCOUNT) &&
		    atomic_read(&page->_mapcount) + 1 != page_ptes[i]) {
			atomic_set(&page->_mapcount, page_ptes[i] - 1);
			wrong++;
		}
	}
	wrong += lazyfree_repair_mm_ids(fx, folio, present);
	mapcount = folio_large_mapcount(folio);
	if (mapcount != mapped || wrong) {
		atomic_set(&folio->_large_mapcount, mapped - 1);
		if (IS_ENABLED(CONFIG_PAGE_MAPCOUNT))
			atomic_set(&folio->_nr_pages_mapped, pages);
		kunit_info(fx->test,
			   "repaired the %s's mapcount from %d to its %d PTEs (and %u pages' own or mm slots)\n",
			   what, mapcount, mapped, wrong);
		wrong++;
	}
	delta = refs + mapped - folio_ref_count(folio);
	if (delta) {
		kunit_info(fx->test,
			   "repaired the %s's references from %d by %+d to %u besides its %d PTEs\n",
			   what, folio_ref_count(folio), delta, refs, mapped);
		if (delta > 0)
			folio_ref_add(folio, delta);
		else
			folio_ref_sub(folio, -delta);
		wrong++;
	}
	return wrong;
}

/*
 * After lazyfree_repair_ptes(), and only while the test holds @refs
 * references to the folio besides its mappings and pins: make the folio's
 * counts agree with the PTEs that map it (lazyfree_repair_counts()).  This
 * reaches into rmap's counters as a debugger would: rmap has no call that
 * sets a count (folio_add_anon_rmap_ptes() and folio_remove_rmap_ptes()
 * only move counts that must already be right, and warn or free the folio
 * when they are not), and a count left wrong would make the mm's teardown
 * report "Bad page map", free a mapped page or free the folio under the
 * test, failing later tests for this one's bug.  Only a failing case (the
 * kernel under test broke the counts) ever gets here with anything to
 * change.  Returns what lazyfree_repair_counts() returns.
 */
int lazyfree_repair_folio(struct lazyfree_fixture *fx, unsigned int refs)
{
	/* A split folio's pages are folios of their own: nothing to repair. */
	if (folio_ref_count(fx->folio) > 0 && !lazyfree_folio_intact(fx))
		return 0;
	return lazyfree_repair_counts(fx, fx->folio, "folio", fx->page_ptes,
				      fx->present, refs + fx->pins + fx->cache_refs);
}

/*
 * The neighbour, no longer mapped: its counts made those of a folio only
 * the test's reference holds (lazyfree_repair_counts()).
 */
int lazyfree_repair_unmapped_neighbour(struct lazyfree_fixture *fx)
{
	static const unsigned int none[LAZYFREE_MAX_PAGES];

	return lazyfree_repair_counts(fx, fx->neighbour, "neighbour", none,
				      none, 1);
}

/*
 * Before the mms' teardown (munmap, mmput), a folio_putback_lru() or the
 * drop of a pin relies on the folio's counts, and while the test holds
 * @refs references to it besides its pins: make them agree with the PTEs
 * (lazyfree_repair_folio()), failing the case if anything was wrong.
 * Returns false, with the PTEs cleared and the folio leaked, if it has no
 * reference left (@when: at which step).
 */
bool lazyfree_counts_sound(struct lazyfree_fixture *fx, unsigned int refs,
			   const char *when)
{
	int changed;

	/* References the per-CPU LRU batches hold are no count to repair. */
	lru_add_drain_all();
	lazyfree_repair_ptes(fx);
	changed = lazyfree_repair_folio(fx, refs);
	if (changed < 0) {
		lazyfree_forget_folio(fx, when);
		return false;
	}
	KUNIT_EXPECT_EQ_MSG(fx->test, changed, 0,
			    "the folio's mapcounts and references must match its PTEs %s (repaired)",
			    when);
	return true;
}

static int lazyfree_forget_pte(pte_t *ptep, unsigned long addr,
			       unsigned long next, struct mm_walk *walk)
{
	struct lazyfree_fixture *fx = walk->private;
	pte_t pte = ptep_get(ptep);

	if (!lazyfree_maps_folio(fx, pte))
		return 0;
	ptep_get_and_clear(walk->mm, addr, ptep);
	add_mm_counter(walk->mm, fx->rss_member, -1);
	fx->repaired++;
	return 0;
}

static const struct mm_walk_ops lazyfree_forget_ops = {
	.pte_entry = lazyfree_forget_pte,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * The kernel under test dropped the folio's last reference although the
 * test held one (@when: where the test found it so), e.g. a batch that
 * dropped the references of entries it never cleared.  Clear every PTE
 * still mapping one of its pages, in every mm, with the RSS it holds,
 * touching no page, and let go of the folio without a put: it may be free
 * or another folio's by now.  It is leaked on purpose, and the mms go
 * without freeing its pages once more.
 */
void lazyfree_forget_folio(struct lazyfree_fixture *fx, const char *when)
{
	fx->repaired = 0;
	lazyfree_change_mms(fx, &lazyfree_forget_ops);
	kunit_remove_action(fx->test, lazyfree_putback_lru_action, fx->folio);
	kunit_remove_action(fx->test, lazyfree_folio_put_action, fx->folio);
	fx->isolated = false;
	fx->leaked = true;
	KUNIT_FAIL(fx->test,
		   "the folio has no reference left %s although the test held one: cleared the %u PTEs still mapping it, leaving the folio alone (leaked)",
		   when, fx->repaired);
}
