// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for batched unmap of lazyfree large folios: folios the kernel
 * made itself, where it maps mTHP on a fault (built with
 * CONFIG_RMAP_LAZYFREE_BATCH_FAULT_KUNIT_TEST: THP on x86_64, booted with
 * thp_anon= enabling the sizes below PMD_ORDER).
 *
 * lazyfree_fault_folio() lets the kernel make the folio of a layout: a
 * write fault, MADV_FREE, and mremap() to the layout's address; every row
 * of the scenario table and every random layout then also runs on such a
 * folio.  The cases here: fault_fidelity compares the hand-built fixture
 * with a faulted one field by field, and madv_cut_scenarios cuts a faulted
 * folio with a madvise() range that covers part of it.
 */

#include <linux/unistd.h>
#include <asm/syscall.h>

#include "rmap_lazyfree_batch.h"

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

/*
 * mremap(@from, @len, @len, MREMAP_MAYMOVE | MREMAP_FIXED, @to), as the
 * test's own thread would make the call.  mm/mremap.c has no entry point
 * but the syscall (do_mremap() is static), and what the test needs is
 * exactly what a program gets: the PTEs moved by move_ptes(), the folio
 * left where the fault put it.  Hence the syscall table, with the
 * arguments in a pt_regs as the syscall entry code passes them; on x86_64
 * and arm64, whose syscall tables both take a struct pt_regs filled by
 * syscall_set_arguments().
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

/*
 * A VMA of exactly @size bytes aligned to @size, with no neighbour it could
 * merge with: cut out of a mapping three times as large.
 */
unsigned long lazyfree_map_alone(struct kunit *test, unsigned long size)
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
 * Fault a folio of @order alone at @from, the start of a VMA of exactly its
 * size and alignment (lazyfree_map_alone()), so that the fault maps a folio
 * of exactly @order, and fill it.  A private anonymous VMA takes a write
 * fault (alloc_anon_folio(); thp_anon= must enable the size); a shared one
 * (!@write) a read fault, which leaves a shmem folio and its PTEs clean,
 * the PTEs writable (shmem wants no write notification; thp_shmem= must
 * enable the size).
 */
void lazyfree_fault_at(struct lazyfree_fixture *fx, unsigned long from,
		       unsigned int order, bool write)
{
	struct kunit *test = fx->test;
	struct folio *folio;
	unsigned long pfn;
	long ret;
	pte_t pte;

	fx->rss_base[0] = lazyfree_rss(fx->mm, fx->rss_member);
	mmap_read_lock(fx->mm);
	ret = fixup_user_fault(fx->mm, from, write ? FAULT_FLAG_WRITE : 0, NULL);
	mmap_read_unlock(fx->mm);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "fault at %#lx failed", from);
	pte = lazyfree_read_pte(fx->mm, from);
	KUNIT_ASSERT_TRUE_MSG(test, pte_present(pte), "the fault mapped nothing");
	pfn = pte_pfn(pte);
	folio = pfn_folio(pfn);
	KUNIT_ASSERT_EQ_MSG(test, folio_order(folio), order,
			    "the fault mapped an order-%u folio: is the size enabled by %s?",
			    folio_order(folio), write ? "thp_anon=" : "thp_shmem=");
	KUNIT_ASSERT_EQ_MSG(test, folio_pfn(folio), pfn,
			    "the fault mapped the folio from its page %lu",
			    pfn - folio_pfn(folio));
	fx->folio = folio;
	fx->pfn = pfn;
	lazyfree_fill(folio, 0);
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
		if ((pte_dirty(pte) || pte_young(pte)) && lazyfree_diff_to_report(&d))
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
void lazyfree_move_faulted(struct lazyfree_fixture *fx, unsigned long from)
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
void lazyfree_fault_folio(struct lazyfree_fixture *fx,
			  const struct lazyfree_layout *layout)
{
	unsigned long from = lazyfree_map_alone(fx->test, PAGE_SIZE << layout->order);

	lazyfree_fault_at(fx, from, layout->order, true);
	lazyfree_folios_made++;
	lazyfree_madv_free_alone(fx, from, layout->predirty);
	lazyfree_move_faulted(fx, from);
}

static const struct lazyfree_row lazyfree_fidelity_row = {
	.kind = LAZYFREE_IN_TABLE,
};

/*
 * fault_fidelity: the in-table layout at every order the fault path maps,
 * anon and shmem.
 */
static int lazyfree_fidelity_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, &lazyfree_fidelity_row, 1,
					 LAZYFREE_TRY_TO_UNMAP,
					 BIT(LAZYFREE_FAULTED) | BIT(LAZYFREE_FAULTED_SHMEM));
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
	nr = lazyfree_only_row(layouts, nr, sizeof(*layouts), lazyfree_cut_describe);
	kunit_register_params_array(test, layouts, nr, lazyfree_cut_describe);
	return 0;
}

/**
 * struct lazyfree_made - what making a fixture changed outside the folio
 * @rss: MM_ANONPAGES (shmem: MM_SHMEMPAGES) of the test's mm
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

	int member = lazyfree_file_source(l->source) ? MM_SHMEMPAGES : MM_ANONPAGES;

	made->rss = lazyfree_rss(current->mm, member);
	lazyfree_read_mthp(l->order, before);
	fx = lazyfree_fixture_create(test, l);
	made->rss = lazyfree_rss(fx->mm, member) - made->rss;
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

/*
 * Per page and per PTE: exclusive flag, own mapcount, PTE bits but the PFN;
 * for shmem also but the soft-dirty bit: mremap() sets it on the PTEs it
 * moves (move_soft_dirty_pte()), where a read fault in place leaves it
 * clear (the anon write fault set it already).
 */
static void lazyfree_expect_same_pages(const struct lazyfree_fixture *hand,
				       const struct lazyfree_fixture *faulted)
{
	u64 moved = hand->file ? pte_val(pte_mksoft_dirty(__pte(0))) : 0;
	struct lazyfree_diffs d = { .test = hand->test };
	struct kunit *test = hand->test;
	unsigned int i;

	for (i = 0; i < hand->nr_pages; i++) {
		struct page *hp = folio_page(hand->folio, i);
		struct page *fp = folio_page(faulted->folio, i);
		pte_t hpte = lazyfree_read_pte(hand->mm, lazyfree_page_addr(hand, i));
		pte_t fpte = lazyfree_read_pte(faulted->mm,
					       lazyfree_page_addr(faulted, i));
		u64 diff = (pte_val(hpte) ^
			    pte_val(lazyfree_pte_with_pfn(fpte, hand->pfn + i))) & ~moved;
		bool same = !diff &&
			    PageAnonExclusive(hp) == PageAnonExclusive(fp) &&
			    atomic_read(&hp->_mapcount) == atomic_read(&fp->_mapcount);

		if (same || !lazyfree_diff_to_report(&d))
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
 * field by field once both are lazyfree (or, shmem, read-faulted) and
 * isolated.
 */
static void fault_fidelity(struct kunit *test)
{
	struct lazyfree_made hand_made, faulted_made;
	struct lazyfree_fixture *hand, *faulted;
	enum lazyfree_source faulted_source;
	struct lazyfree_layout l;
	struct folio *h, *f;
	unsigned int item;
	char what[64];

	lazyfree_use_mm(test);
	l = *(const struct lazyfree_layout *)test->param_value;
	faulted_source = l.source;
	l.source = faulted_source == LAZYFREE_FAULTED ? LAZYFREE_HAND_BUILT :
							LAZYFREE_SHMEM;
	hand = lazyfree_make(test, &l, &hand_made);
	l.source = faulted_source;
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
	lazyfree_expect_same(test, lazyfree_rss_name(hand->rss_member),
			     hand_made.rss, faulted_made.rss);
	for (item = 0; item < __MTHP_STAT_COUNT; item++) {
		snprintf(what, sizeof(what), "mTHP counter %u (enum mthp_stat_item) change", item);
		lazyfree_expect_same(test, what, hand_made.mthp[item],
				     faulted_made.mthp[item]);
	}

	/* Each counts the other's pages in its mm's RSS base, or not. */
	hand->rss_base[0] += faulted->nr_pages;
	lazyfree_release_and_expect(hand);
	faulted->rss_base[0] -= hand->nr_pages;
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
			if (!pte_none(pte) && lazyfree_diff_to_report(&d))
				KUNIT_FAIL(fx->test, "PTE %u/%u in the range: %#llx, expected none",
					   i, fx->nr_pages, (u64)pte_val(pte));
			continue;
		}
		if (!pte_present(pte) || pte_pfn(pte) != fx->pfn + i) {
			if (lazyfree_diff_to_report(&d))
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
		      (pte_dirty(pte) || pte_young(pte)))) && lazyfree_diff_to_report(&d))
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
	from = lazyfree_map_alone(test, PAGE_SIZE << c->order);
	lazyfree_fault_at(fx, from, c->order, true);
	if (c->advice == MADV_PAGEOUT)
		lazyfree_madv_free_alone(fx, from, false);
	lazyfree_move_faulted(fx, from);

	splits = lazyfree_mthp_splits(c->order);
	lazyfree_madvise_pages(fx, c->first, c->end, c->advice);
	KUNIT_EXPECT_EQ_MSG(test, lazyfree_mthp_splits(c->order) - splits, 1,
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

/* The scenario table's rows on faulted shmem folios, through a split. */
static int lazyfree_split_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, lazyfree_scenarios,
					 lazyfree_nr_scenarios, LAZYFREE_SPLIT,
					 BIT(LAZYFREE_FAULTED_SHMEM));
}

/*
 * A split of a large file folio (truncation of part of it, migration)
 * unmaps it through the same batches first, mlocked VMAs included, and
 * leaves its order-0 pieces in the page cache: see
 * lazyfree_split_and_expect().
 */
static void split_folio_scenarios(struct kunit *test)
{
	lazyfree_run_layout(test, test->param_value, LAZYFREE_SPLIT);
}

/* The scenario table's rows on faulted shmem folios, through a hole punch. */
static int lazyfree_punch_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, lazyfree_scenarios,
					 lazyfree_nr_scenarios, LAZYFREE_PUNCH_HOLE,
					 BIT(LAZYFREE_FAULTED_SHMEM));
}

/*
 * A hole punched into a mapped large shmem folio: zapped PTEs in the hole,
 * then the split around it unmaps the rest through the batch (a pinned
 * folio is kept whole, mapped): see lazyfree_punch_and_expect().
 */
static void punch_hole_scenarios(struct kunit *test)
{
	lazyfree_run_layout(test, test->param_value, LAZYFREE_PUNCH_HOLE);
}

static struct kunit_case rmap_lazyfree_batch_fault_test_cases[] = {
	KUNIT_CASE_PARAM_WITH_INIT(madv_cut_scenarios, kunit_array_gen_params,
				   lazyfree_cut_params_init, NULL),
	KUNIT_CASE_PARAM_WITH_INIT(split_folio_scenarios, kunit_array_gen_params,
				   lazyfree_split_params_init, NULL),
	KUNIT_CASE_PARAM_WITH_INIT(punch_hole_scenarios, kunit_array_gen_params,
				   lazyfree_punch_params_init, NULL),
	KUNIT_CASE_PARAM_WITH_INIT(fault_fidelity, kunit_array_gen_params,
				   lazyfree_fidelity_params_init, NULL),
	{}
};

static struct kunit_suite rmap_lazyfree_batch_fault_test_suite = {
	.name = "rmap_lazyfree_batch_fault",
	.suite_init = lazyfree_suite_init,
	.suite_exit = lazyfree_suite_exit,
	.test_cases = rmap_lazyfree_batch_fault_test_cases,
};

kunit_test_suite(rmap_lazyfree_batch_fault_test_suite);
