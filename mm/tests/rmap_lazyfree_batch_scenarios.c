// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for batched unmap of lazyfree large folios: the scenario
 * table (rmap_lazyfree_batch_table.c) through each entry point of reclaim.
 *
 * Each row of the table is a layout and what happens between MADV_FREE
 * and reclaim; each runs at every folio order below PMD_ORDER.  A
 * case lets reclaim unmap the folio through one entry point: try_to_unmap()
 * as shrink_folio_list() calls it, reclaim_pages() as MADV_PAGEOUT and
 * DAMON do, MADV_PAGEOUT itself, folio_referenced() first as
 * shrink_folio_list() checks references, or the LRU itself
 * (try_to_free_pages()).  Then every PTE of every mm, the mapcounts, the
 * refcount, the RSS counters, the folio flags and the data are checked
 * against lazyfree_model().
 */

#include "rmap_lazyfree_batch.h"

/* try_to_unmap() flags shrink_folio_list() uses for a large folio. */
#define LAZYFREE_TTU_FLAGS	(TTU_BATCH_FLUSH | TTU_SYNC)

/* ===== Triggers: what happens between MADV_FREE and reclaim ===== */

/*
 * Simulate a user write to page @i: a write fault dirties its PTE (a store
 * for a file folio where the MMU is real: lazyfree_store()).
 */
static void lazyfree_write_fault(struct lazyfree_fixture *fx, unsigned int i)
{
	unsigned long addr = lazyfree_page_addr(fx, i);
	struct kunit *test = fx->test;
	pte_t pte;
	int ret;

	if (LAZYFREE_CAN_SHMEM && fx->file && !IS_ENABLED(CONFIG_UML)) {
		ret = lazyfree_store(fx, i);
	} else {
		mmap_read_lock(fx->mm);
		ret = fixup_user_fault(fx->mm, addr, FAULT_FLAG_WRITE, NULL);
		mmap_read_unlock(fx->mm);
	}
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "write fault at PTE %u failed", i);
	pte = lazyfree_read_pte(fx->mm, addr);
	KUNIT_ASSERT_TRUE_MSG(test, pte_dirty(pte), "write fault left PTE %u clean", i);
	fx->at_folded = lazyfree_pte_cont(pte);
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

/*
 * Drop the pin; it may hold the folio's last reference besides the test's
 * isolation one, so the folio's counts are made sound first, and a folio
 * the kernel under test freed under the pin is not touched.
 */
static void lazyfree_unpin(struct lazyfree_fixture *fx, struct page *page)
{
	if (lazyfree_counts_sound(fx, fx->isolated, "before the pin is dropped"))
		kunit_release_action(fx->test, lazyfree_put_page_action, page);
	else
		kunit_remove_action(fx->test, lazyfree_put_page_action, page);
	fx->pins--;
}

/*
 * Make every PTE of the folio old, in every mm, then PTE fx->young of mm 0
 * young: the accessed bits as reclaim finds them when the program read
 * that one page after MADV_FREE (which left them all old).  The accessed
 * bits are cleared as reclaim's aging clears them: an arch whose MMU sets
 * them (arm64) warns of a set_pte_at() that clears one under the
 * hardware's feet (__check_safe_pte_update()).
 */
static int lazyfree_age_pte(pte_t *ptep, unsigned long addr,
			    unsigned long next, struct mm_walk *walk)
{
	if (pte_present(ptep_get(ptep)))
		ptep_test_and_clear_young(walk->vma, addr, ptep);
	return 0;
}

static const struct mm_walk_ops lazyfree_age_ops = {
	.pte_entry = lazyfree_age_pte,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * The read makes PTE fx->young young as a fault on its accessed bit does:
 * where a block is contiguous, ptep_set_access_flags() makes the whole
 * block young and keeps it folded (set_pte_at() would unfold it); x86's
 * leaves the accessed bit to the MMU, so set_pte_at() elsewhere.
 */
static int lazyfree_young_pte(pte_t *ptep, unsigned long addr,
			      unsigned long next, struct mm_walk *walk)
{
	struct lazyfree_fixture *fx = walk->private;
	pte_t pte = ptep_get(ptep);

	if (!pte_present(pte) || lazyfree_walk_mm_index(walk) != 0 ||
	    lazyfree_walk_page_index(walk, addr) != fx->young)
		return 0;
	if (LAZYFREE_CONT_PTES > 1)
		ptep_set_access_flags(walk->vma, addr, ptep, pte_mkyoung(pte), 0);
	else
		set_pte_at(walk->mm, addr, ptep, pte_mkyoung(pte));
	return 0;
}

static const struct mm_walk_ops lazyfree_young_ops = {
	.pte_entry = lazyfree_young_pte,
	.walk_lock = PGWALK_RDLOCK,
};

static void lazyfree_age(struct lazyfree_fixture *fx, unsigned int young)
{
	fx->young = young;
	lazyfree_change_mms(fx, &lazyfree_age_ops);
	if (young != UINT_MAX)
		lazyfree_change_mms(fx, &lazyfree_young_ops);
}

/* ===== Parameters of the cases below ===== */

static int lazyfree_unmap_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, lazyfree_scenarios,
					 lazyfree_nr_scenarios,
					 LAZYFREE_TRY_TO_UNMAP, ~0U);
}

static int lazyfree_reclaim_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, lazyfree_scenarios,
					 lazyfree_nr_scenarios,
					 LAZYFREE_RECLAIM_PAGES, ~0U);
}

static int lazyfree_pageout_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, lazyfree_scenarios,
					 lazyfree_nr_scenarios,
					 LAZYFREE_MADV_PAGEOUT, ~0U);
}

static int lazyfree_referenced_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, lazyfree_scenarios,
					 lazyfree_nr_scenarios,
					 LAZYFREE_REFERENCES, ~0U);
}

static int lazyfree_lru_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, lazyfree_scenarios,
					 lazyfree_nr_scenarios,
					 LAZYFREE_LRU, ~0U);
}

/*
 * What shrink_folio_list() does to a lazyfree large folio it wants to free:
 * try_to_unmap() on the locked, isolated folio, then flush the TLB batch;
 * or, for @entry LAZYFREE_UNMAP_AS_SPLIT, what unmap_folio() does to a
 * file folio it splits: the same with the file's i_mmap lock held
 * (TTU_RMAP_LOCKED), mlocked VMAs included (TTU_IGNORE_MLOCK); for
 * LAZYFREE_UNMAP_AS_PUNCH, that after shmem_fallocate()'s zap of the
 * punched pages (unmap_mapping_pages()).
 */
static void lazyfree_try_to_unmap(struct lazyfree_fixture *fx,
				  enum lazyfree_entry entry)
{
	struct address_space *mapping = fx->file ? fx->file->f_mapping : NULL;
	bool as_split = entry == LAZYFREE_UNMAP_AS_SPLIT ||
			entry == LAZYFREE_UNMAP_AS_PUNCH;
	unsigned int start, len;

	lazyfree_snapshot(fx);

	lazyfree_guard(fx);
	if (entry == LAZYFREE_UNMAP_AS_PUNCH) {
		lazyfree_punch_range(fx->nr_pages, &start, &len);
		unmap_mapping_pages(mapping, fx->folio->index + start, len, false);
	}
	folio_lock(fx->folio);
	if (as_split) {
		i_mmap_lock_read(mapping);
		try_to_unmap(fx->folio, TTU_RMAP_LOCKED | TTU_SYNC |
			     TTU_BATCH_FLUSH | TTU_IGNORE_MLOCK);
		i_mmap_unlock_read(mapping);
	} else {
		try_to_unmap(fx->folio, LAZYFREE_TTU_FLAGS);
	}
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
	lazyfree_fold_vmstats();
	try_to_free_pages(node_zonelist(folio_nid(fx->folio), GFP_HIGHUSER_MOVABLE),
			  0, GFP_HIGHUSER_MOVABLE, NULL);
}

/*
 * The folio was kept (still mapped where @exp says): check its counts and
 * flags, held by the test's reference alone (@on_lru: back on the LRU),
 * then repair what the kernel under test left wrong.
 */
static void lazyfree_expect_kept(struct lazyfree_fixture *fx,
				 const struct lazyfree_expect *exp, bool on_lru)
{
	lazyfree_expect_folio(fx, exp, 1, on_lru);
	lazyfree_repair_ptes(fx);
	lazyfree_repair_folio(fx, 1);
}

/*
 * try_to_unmap() as @entry says (LAZYFREE_TRY_TO_UNMAP, or
 * LAZYFREE_UNMAP_AS_SPLIT or _PUNCH: see lazyfree_try_to_unmap()) and its checks;
 * the folio stays isolated, held by the test.
 */
static bool lazyfree_try_to_unmap_and_expect(struct lazyfree_fixture *fx,
					     const struct lazyfree_layout *l,
					     enum lazyfree_trigger trigger,
					     enum lazyfree_entry entry)
{
	struct lazyfree_expect *exp;
	bool ok;

	exp = kunit_kzalloc(fx->test, sizeof(*exp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(fx->test, exp);
	lazyfree_model(l, fx, trigger, entry, exp);
	lazyfree_expect_reads_before(fx, l);
	lazyfree_try_to_unmap(fx, entry);
	ok = lazyfree_expect_unmap(fx, exp);
	if (folio_ref_count(fx->folio) <= 0) {
		lazyfree_forget_folio(fx, "after try_to_unmap()");
		return false;
	}
	if (ok)
		lazyfree_expect_reads(fx, exp->mapped, true);
	lazyfree_expect_kept(fx, exp, false);
	return ok;
}

/*
 * What folio_referenced() must return: the number of VMAs in which it
 * found a young PTE of the folio.  Only the PTEs lazyfree_young() names
 * are young (lazyfree_age()), and they count unless an mlocked VMA holds
 * them all: there folio_referenced_one() counts the PTEs without looking
 * at them (and mlocks the folio if it finds it fully mapped in one page
 * table); a batch that covers part of a contiguous block looks at all of
 * it (contpte_clear_flush_young_ptes()).
 */
static int lazyfree_model_referenced(const struct lazyfree_layout *l,
				     const struct lazyfree_fixture *fx)
{
	unsigned int i;

	for (i = 0; i < l->nr; i++)
		if (lazyfree_young(l, fx, i) && !lazyfree_in_mlocked_vma(l, i))
			return 1;
	return 0;
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
					 const struct lazyfree_fixture *fx,
					 const struct lazyfree_expect *exp)
{
	if (!bitmap_empty(exp->mapped, fx->nr_pages) && !exp->swapbacked)
		return 0;
	return 1 + lazyfree_model_referenced(l, fx);
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
static bool lazyfree_model_folio_split(const struct lazyfree_expect *exp,
				       unsigned int nr_pages, unsigned int pins)
{
	unsigned int mapped = bitmap_weight(exp->mapped, nr_pages);

	return IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) && nr_pages >= 4 &&
	       !pins && mapped && mapped < nr_pages;
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
 * returning (a shmem folio: see lazyfree_expect_reclaimed_file()).
 * Returns whether the PTEs were as expected: if not, the folio may be
 * gone and must not be touched again.
 */
static bool lazyfree_reclaim_and_expect(struct lazyfree_fixture *fx,
					const struct lazyfree_layout *l,
					enum lazyfree_trigger trigger,
					enum lazyfree_entry entry)
{
	struct kunit *test = fx->test;
	unsigned long reclaimed = 0, lazyfreed, scanned = 0;
	struct lazyfree_expect *exp;
	bool freed, folio_split, ok;
	unsigned int looks;
	long mthp_splits;
	int ret = 0;

	exp = kunit_kzalloc(test, sizeof(*exp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, exp);
	lazyfree_model(l, fx, trigger, entry, exp);
	freed = exp->freed;

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
	/*
	 * try_to_unmap() runs as for a program on one CPU, reclaim from the
	 * LRU as for a multithreaded one: each batch's TLB flush deferred.
	 */
	lazyfree_share_mms(fx->mms, fx->nr_mms);
	fx->shared = true;
	lazyfree_snapshot(fx);
	lazyfreed = lazyfree_vm_event(test, PGLAZYFREED);
	if (entry == LAZYFREE_LRU)
		scanned = lazyfree_node_stat(PGSCAN_DIRECT);
	mthp_splits = lazyfree_mthp_splits(l->order);
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
	looks = entry == LAZYFREE_LRU ? lazyfree_model_looks(l, fx, exp) : 0;
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

	KUNIT_EXPECT_EQ_MSG(test, lazyfreed, freed && !fx->file ? fx->nr_pages : 0,
			    "PGLAZYFREED");
	folio_split = entry == LAZYFREE_LRU &&
		      lazyfree_model_folio_split(exp, fx->nr_pages, fx->pins);
	/* The split remapped each page of its own: none is contiguous. */
	if (folio_split) {
		bitmap_zero(exp->refolded, LAZYFREE_MAX_PAGES);
		bitmap_fill(exp->unfolded, LAZYFREE_MAX_PAGES);
	}
	KUNIT_EXPECT_EQ_MSG(test, lazyfree_mthp_splits(l->order) - mthp_splits,
			    folio_split,
			    "order-%u folios split (mTHP split counter): reclaim must %s",
			    l->order, folio_split ? "split the folio it keeps partly mapped" :
					      "take the folio whole");
	ok = lazyfree_expect_unmap(fx, exp);
	if (LAZYFREE_CAN_SHMEM && fx->file)
		return lazyfree_expect_reclaimed_file(fx, exp, ok);
	if (!ok || freed) {
		if (ok)
			lazyfree_expect_reads(fx, exp->mapped, true);
		lazyfree_repair_ptes(fx);
		return ok;
	}

	if (folio_split)
		return lazyfree_expect_folio_split(fx, exp);
	/* Kept: mapped as the PTEs just showed, so it can be looked at. */
	if (!lazyfree_hold_folio(fx))
		return false;
	lru_add_drain_all();
	lazyfree_expect_reads(fx, exp->mapped, true);
	lazyfree_expect_kept(fx, exp, true);
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
	want = lazyfree_model_referenced(l, fx);

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
	bitmap_zero(exp->refolded, LAZYFREE_MAX_PAGES);
	bitmap_zero(exp->unfolded, LAZYFREE_MAX_PAGES);
	exp->dirty = false;
	exp->swapbacked = false;
	ok = lazyfree_expect_unmap(fx, exp);
	lazyfree_expect_aged(fx, l);
	if (ok && !want && !exp->mlocked)
		return lazyfree_try_to_unmap_and_expect(fx, l, trigger,
							LAZYFREE_TRY_TO_UNMAP);

	lazyfree_expect_kept(fx, exp, false);
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
	if (!fx->file && folio_test_swapbacked(fx->folio)) {
		KUNIT_FAIL(fx->test,
			   "the folio is swapbacked before this attempt: an earlier attempt made it so; not unmapping it again");
		return false;
	}
	if (entry == LAZYFREE_TRY_TO_UNMAP || entry == LAZYFREE_UNMAP_AS_SPLIT ||
	    entry == LAZYFREE_UNMAP_AS_PUNCH)
		return lazyfree_try_to_unmap_and_expect(fx, l, trigger, entry);
	if (LAZYFREE_CAN_SHMEM && entry == LAZYFREE_SPLIT)
		return lazyfree_split_and_expect(fx, l, trigger);
	if (LAZYFREE_CAN_SHMEM && entry == LAZYFREE_PUNCH_HOLE)
		return lazyfree_punch_and_expect(fx, l, trigger);
	if (entry == LAZYFREE_REFERENCES)
		return lazyfree_references_and_expect(fx, l, trigger);
	return lazyfree_reclaim_and_expect(fx, l, trigger, entry);
}

/*
 * One row of a scenario table at one order: build the layout, pin and
 * redirty where the row says (the pin first), arm uffd-wp if it says so,
 * let reclaim unmap the folio through @entry and compare every PTE, count
 * and flag with lazyfree_model().  A pinned lazyfree folio must come out
 * of the first reclaim untouched and be unmapped by a second one once the
 * reference is gone (a file folio is unmapped by the first).
 */
static void lazyfree_run_fixture(struct kunit *test,
				 const struct lazyfree_layout *l,
				 enum lazyfree_entry entry)
{
	bool pin = l->trigger == LAZYFREE_PIN || l->trigger == LAZYFREE_REDIRTY_PIN;
	struct lazyfree_fixture *fx;
	struct page *pinned = NULL;
	bool kept;

	fx = lazyfree_fixture_create(test, l);
	if (pin)
		pinned = lazyfree_pin(fx, l->at);
	if (l->trigger == LAZYFREE_REDIRTY || l->trigger == LAZYFREE_REDIRTY_PIN)
		lazyfree_write_fault(fx, l->at);
	if (LAZYFREE_CAN_UFFD_WP && l->uffd_armed)
		lazyfree_arm_uffd_wp(fx, l);
	kept = lazyfree_attempt(fx, l, l->trigger, entry);
	if (l->trigger == LAZYFREE_PIN)
		KUNIT_EXPECT_TRUE_MSG(test, kept,
				      "the pinned folio was not kept: not reclaiming it again");
	if (pin)
		lazyfree_unpin(fx, pinned);
	if (l->trigger == LAZYFREE_PIN && kept && !fx->file) {
		/*
		 * A second try_to_free_pages() would depend on where the
		 * first left the folio and on shrinker state, not on the
		 * layout (measured on SMP with memcg: the deferred split
		 * shrinker split a partly mapped folio first).
		 */
		if (entry == LAZYFREE_LRU)
			entry = LAZYFREE_RECLAIM_PAGES;
		if (entry == LAZYFREE_RECLAIM_PAGES)
			lazyfree_isolate(fx);
		lazyfree_attempt(fx, l, LAZYFREE_CLEAN, entry);
	}
	lazyfree_release_and_expect(fx);
}

/*
 * One row of a scenario table at one order through @entry (see
 * lazyfree_run_fixture()).  A split (LAZYFREE_SPLIT, or the one a hole
 * punch makes) of an unpinned folio unmaps it and then freezes its counts,
 * which BUGs if a faulty batch broke them: so the layout first goes
 * through the unmaps alone (LAZYFREE_UNMAP_AS_SPLIT, _PUNCH), checked and
 * repaired, and a folio of the same layout is split only if that passed
 * (the same layout unmaps the same way).
 */
void lazyfree_run_layout(struct kunit *test,
			 const struct lazyfree_layout *l,
			 enum lazyfree_entry entry)
{
	bool pin = l->trigger == LAZYFREE_PIN || l->trigger == LAZYFREE_REDIRTY_PIN;

	if ((entry == LAZYFREE_SPLIT || entry == LAZYFREE_PUNCH_HOLE) && !pin) {
		lazyfree_run_fixture(test, l, entry == LAZYFREE_SPLIT ?
					      LAZYFREE_UNMAP_AS_SPLIT :
					      LAZYFREE_UNMAP_AS_PUNCH);
		if (READ_ONCE(test->status) == KUNIT_FAILURE) {
			kunit_err(test,
				  "not splitting a mapped folio of this layout: its unmap as a split failed above, and the split would BUG on the counts it left");
			return;
		}
	}
	lazyfree_run_fixture(test, l, entry);
}

static void lazyfree_run_param(struct kunit *test, enum lazyfree_entry entry)
{
	lazyfree_run_layout(test, test->param_value, entry);
}

static void try_to_unmap_scenarios(struct kunit *test)
{
	lazyfree_run_param(test, LAZYFREE_TRY_TO_UNMAP);
}

/*
 * The same layouts through reclaim_pages(): a clean lazyfree folio is freed
 * there, a redirtied or pinned one is kept, mapped, and put back on the
 * LRU; a faulted shmem folio is unmapped, then freed if clean and unpinned,
 * else kept in the page cache (no swap: a dirty one is redirtied).
 */
static void reclaim_pages_scenarios(struct kunit *test)
{
	lazyfree_run_param(test, LAZYFREE_RECLAIM_PAGES);
}

/* The layouts MADV_PAGEOUT reclaims whole, through MADV_PAGEOUT itself. */
static void madv_pageout_scenarios(struct kunit *test)
{
	lazyfree_run_param(test, LAZYFREE_MADV_PAGEOUT);
}

/*
 * The table's rows marked .reclaim and those with a young PTE, with
 * references checked first (folio_referenced()) as shrink_folio_list()
 * does; see lazyfree_references_and_expect().
 */
static void folio_referenced_scenarios(struct kunit *test)
{
	lazyfree_run_param(test, LAZYFREE_REFERENCES);
}

/*
 * The same rows through the LRU: direct reclaim (try_to_free_pages()) with
 * the folio the only one on the file LRU lists; see
 * lazyfree_reclaim_and_expect().
 */
static void lru_reclaim_scenarios(struct kunit *test)
{
	lazyfree_run_param(test, LAZYFREE_LRU);
}

static struct kunit_case rmap_lazyfree_batch_test_cases[] = {
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
	{}
};

/**
 * lazyfree_entry_case() - the case that runs the table through an entry
 * @entry: the entry
 *
 * Return: the case's name, found by its parameters (split_folio_scenarios
 * and punch_hole_scenarios, of rmap_lazyfree_batch_fault.c, for
 * LAZYFREE_SPLIT and LAZYFREE_PUNCH_HOLE).
 */
const char *lazyfree_entry_case(enum lazyfree_entry entry)
{
	static int (* const params_init[])(struct kunit *test) = {
		[LAZYFREE_TRY_TO_UNMAP] = lazyfree_unmap_params_init,
		[LAZYFREE_RECLAIM_PAGES] = lazyfree_reclaim_params_init,
		[LAZYFREE_MADV_PAGEOUT] = lazyfree_pageout_params_init,
		[LAZYFREE_REFERENCES] = lazyfree_referenced_params_init,
		[LAZYFREE_LRU] = lazyfree_lru_params_init,
	};
	const struct kunit_case *c;

	if (entry == LAZYFREE_SPLIT)
		return "split_folio_scenarios";
	if (entry == LAZYFREE_PUNCH_HOLE)
		return "punch_hole_scenarios";
	if (entry >= ARRAY_SIZE(params_init))
		return "?";
	for (c = rmap_lazyfree_batch_test_cases; c->name; c++)
		if (c->param_init == params_init[entry])
			return c->name;
	return "?";
}

static struct kunit_suite rmap_lazyfree_batch_test_suite = {
	.name = "rmap_lazyfree_batch",
	.suite_init = lazyfree_suite_init,
	.suite_exit = lazyfree_suite_exit,
	.test_cases = rmap_lazyfree_batch_test_cases,
};

kunit_test_suite(rmap_lazyfree_batch_test_suite);
