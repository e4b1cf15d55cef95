// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for batched unmap of lazyfree large folios: the checks after
 * an unmap attempt.
 */

#include "rmap_lazyfree_batch.h"

/* Bytes at the start of each page the program reads back. */
#define LAZYFREE_READ_BYTES	8

static int lazyfree_save_pte(pte_t *ptep, unsigned long addr,
			     unsigned long next, struct mm_walk *walk)
{
	struct lazyfree_fixture *fx = walk->private;

	pte_t pte = lazyfree_raw_ptep_get(ptep);

	fx->orig[lazyfree_walk_mm_index(walk)][lazyfree_walk_page_index(walk, addr)] = pte;
	if (LAZYFREE_CONT_PTES > 1 && lazyfree_pte_cont(pte))
		lazyfree_cont_ptes++;
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
		fx->neighbour_orig[i] = lazyfree_raw_ptep_get(ptep + i);
	if (ptep)
		pte_unmap_unlock(ptep, ptl);
	mmap_read_unlock(fx->mm);
	KUNIT_ASSERT_NOT_NULL_MSG(fx->test, ptep, "the neighbour has no page table");
}

/* Right before an unmap: record every PTE, arm the canaries. */
/* The count of TLB flushes reclaim deferred in @mm (0 where it cannot). */
static int lazyfree_tlb_batched(struct mm_struct *mm)
{
#ifdef CONFIG_ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH
	return atomic_read(&mm->tlb_flush_batched);
#else
	return 0;
#endif
}

void lazyfree_snapshot(struct lazyfree_fixture *fx)
{
	unsigned long cont_ptes = LAZYFREE_CONT_PTES > 1 ? lazyfree_cont_ptes : 0;
	unsigned int k;
	int c;

	lazyfree_walk_mms(fx, &lazyfree_save_ops);
	if (LAZYFREE_CONT_PTES > 1 && lazyfree_cont_ptes != cont_ptes)
		lazyfree_cont_unmaps++;
	for (k = 0; k < fx->nr_mms; k++) {
		fx->tlb_batched[k] = lazyfree_tlb_batched(fx->mms[k]);
		for (c = 0; c < NR_MM_COUNTERS; c++)
			fx->rss_before[k][c] = lazyfree_rss(fx->mms[k], c);
	}
	fx->rss_saved = true;
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
	if (lazyfree_diff_to_report(d))
		KUNIT_FAIL(fx->test, "mm %u PTE %u/%u: %s bit %d, was %d before the unmap",
			   k, i, fx->nr_pages, bit, now, before);
	return false;
}

/*
 * Check PTE i of mm @k against the expectation (mapped; else a uffd-wp
 * marker if @marker, else none), a difference counted in @d.  Returns
 * whether it matched.
 */
static bool lazyfree_check_pte(const struct lazyfree_fixture *fx, unsigned int k,
			       unsigned int i, bool mapped, bool marker,
			       struct lazyfree_diffs *d)
{
	pte_t pte = lazyfree_read_pte(fx->mms[k], lazyfree_page_addr(fx, i));
	const char *cleared = marker ? "a uffd-wp marker" : "none";
	unsigned long want = fx->pfn + i;
	struct kunit *test = fx->test;

	if (!mapped) {
		if (marker ? pte_is_uffd_wp_marker(pte) : pte_none(pte))
			return true;
		if (!lazyfree_diff_to_report(d))
			return false;
		if (pte_present(pte))
			KUNIT_FAIL(test,
				   "mm %u PTE %u/%u: expected %s, found %#llx (pfn %#lx, folio page %ld)",
				   k, i, fx->nr_pages, cleared, (u64)pte_val(pte),
				   (unsigned long)pte_pfn(pte), (long)(pte_pfn(pte) - fx->pfn));
		else
			KUNIT_FAIL(test, "mm %u PTE %u/%u: expected %s, found %s (%#llx)",
				   k, i, fx->nr_pages, cleared,
				   pte_none(pte) ? "none" :
				   pte_is_uffd_wp_marker(pte) ? "a uffd-wp marker" :
				   "another non-present entry", (u64)pte_val(pte));
		return false;
	}

	if (!pte_present(pte)) {
		if (lazyfree_diff_to_report(d))
			KUNIT_FAIL(test,
				   "mm %u PTE %u/%u: expected present with pfn %#lx, found %s %#llx",
				   k, i, fx->nr_pages, want,
				   pte_none(pte) ? "none" : "non-present",
				   (u64)pte_val(pte));
		return false;
	}
	if (is_zero_pfn(pte_pfn(pte))) {
		if (lazyfree_diff_to_report(d))
			KUNIT_FAIL(test, "mm %u PTE %u/%u: maps the shared zero page",
				   k, i, fx->nr_pages);
		return false;
	}
	if (pte_pfn(pte) != want) {
		if (lazyfree_diff_to_report(d))
			KUNIT_FAIL(test,
				   "mm %u PTE %u/%u: maps pfn %#lx (folio page %ld), expected pfn %#lx (folio page %u)",
				   k, i, fx->nr_pages, (unsigned long)pte_pfn(pte),
				   (long)(pte_pfn(pte) - fx->pfn), want, i);
		return false;
	}
	return lazyfree_check_bit(fx, k, i, "write", pte_write(pte),
				  pte_write(fx->orig[k][i]), d) &&
	       lazyfree_check_bit(fx, k, i, "soft-dirty", pte_soft_dirty(pte),
				  pte_soft_dirty(fx->orig[k][i]), d) &&
	       (!LAZYFREE_CAN_UFFD_WP ||
		lazyfree_check_bit(fx, k, i, "uffd-wp", lazyfree_pte_uffd_wp(pte),
				   lazyfree_pte_uffd_wp(fx->orig[k][i]), d));
}

/* The PTEs @exp expects to map the folio in mm @k. */
static const unsigned long *lazyfree_mapped_in(const struct lazyfree_expect *exp,
					       unsigned int k)
{
	return k && exp->other_differs ? exp->mapped_other : exp->mapped;
}

/* How many PTEs of all mms @exp expects to map the folio. */
static unsigned int lazyfree_mappings(const struct lazyfree_fixture *fx,
				      const struct lazyfree_expect *exp)
{
	unsigned int k, n = 0;

	for (k = 0; k < fx->nr_mms; k++)
		n += bitmap_weight(lazyfree_mapped_in(exp, k), fx->nr_pages);
	return n;
}

/*
 * Whether reclaim deferred the TLB flush of a batch it cleared in mm @k:
 * never unless the mm is live on another CPU (@fx->shared) or the arch
 * defers every flush (LAZYFREE_ALWAYS_DEFERS_FLUSH), always then if a
 * present PTE of the folio there ended up unmapped by a batch (not
 * zapped by a hole punch).  (A batch it restored was cleared too, and may
 * have deferred or not.)
 */
static void lazyfree_expect_tlb_flush(const struct lazyfree_fixture *fx,
				      const struct lazyfree_expect *exp,
				      unsigned int k)
{
	bool deferred = lazyfree_tlb_batched(fx->mms[k]) != fx->tlb_batched[k];
	bool unmapped = false;
	unsigned int i;

	for (i = 0; i < fx->nr_pages; i++)
		if (pte_present(fx->orig[k][i]) && !test_bit(i, exp->zapped) &&
		    !test_bit(i, lazyfree_mapped_in(exp, k)))
			unmapped = true;
	if (!LAZYFREE_ALWAYS_DEFERS_FLUSH &&
	    (!LAZYFREE_CAN_DEFER_FLUSH || !fx->shared))
		KUNIT_EXPECT_FALSE_MSG(fx->test, deferred,
				       "mm %u: reclaim deferred a TLB flush, though the mm is live on no other CPU",
				       k);
	else if (unmapped)
		KUNIT_EXPECT_TRUE_MSG(fx->test, deferred,
				      "mm %u: reclaim flushed the TLB at once, though %s",
				      k, LAZYFREE_ALWAYS_DEFERS_FLUSH ?
				      "the arch defers every flush" :
				      "the mm is live on another CPU");
}

/*
 * Every PTE of every mm, and each mm's RSS counter of the folio's kind
 * (MM_ANONPAGES, MM_SHMEMPAGES, MM_FILEPAGES), the others as they were
 * before the unmap (a file folio counted as shmem, or the other way
 * round, changes two counters); the first LAZYFREE_MAX_REPORTS
 * differences are reported one by one, the rest counted.  Returns whether
 * everything matched.  Reads no folio state, so it is safe after reclaim
 * freed the folio.
 */
bool lazyfree_expect_ptes(const struct lazyfree_fixture *fx,
			  const struct lazyfree_expect *exp)
{
	struct lazyfree_diffs d = { .test = fx->test };
	const unsigned long *mapped;
	unsigned int i, k;
	int c;

	for (k = 0; k < fx->nr_mms; k++) {
		mapped = lazyfree_mapped_in(exp, k);
		for (i = 0; i < fx->nr_pages; i++)
			lazyfree_check_pte(fx, k, i, test_bit(i, mapped),
					   test_bit(i, exp->markers), &d);
		if (LAZYFREE_CONT_PTES > 1)
			lazyfree_expect_cont(fx, exp, mapped, k, &d);
		lazyfree_expect_tlb_flush(fx, exp, k);
		KUNIT_EXPECT_EQ_MSG(fx->test, lazyfree_rss(fx->mms[k], fx->rss_member),
				    fx->rss_base[k] + bitmap_weight(mapped, fx->nr_pages),
				    "%s of mm %u", lazyfree_rss_name(fx->rss_member), k);
		for (c = 0; c < NR_MM_COUNTERS && fx->rss_saved; c++)
			if (c != fx->rss_member)
				KUNIT_EXPECT_EQ_MSG(fx->test, lazyfree_rss(fx->mms[k], c),
						    fx->rss_before[k][c],
						    "%s of mm %u: the unmap of a folio counted in %s changed it",
						    lazyfree_rss_name(c), k,
						    lazyfree_rss_name(fx->rss_member));
	}
	return !lazyfree_diffs_end(&d, "PTEs differ");
}

/*
 * The checks every unmap attempt ends with: every PTE of every mm, the
 * page-table canaries and the neighbour's PTEs.  Returns whether the PTEs
 * and canaries were as expected: if not, the folio may be gone and must
 * not be looked at.
 */
bool lazyfree_expect_unmap(struct lazyfree_fixture *fx,
			   const struct lazyfree_expect *exp)
{
	bool ok;

	ok = lazyfree_expect_ptes(fx, exp);
	ok = lazyfree_expect_canaries(fx) && ok;
	lazyfree_expect_neighbour(fx);
	return ok;
}

/*
 * After folio_referenced(): every PTE it looked at is old, since it clears
 * the accessed bits of each batch, all of it (and of all of a contiguous
 * block the batch covers in part); the PTEs of an mlocked VMA, which it
 * does not look at, keep theirs.
 */
void lazyfree_expect_aged(const struct lazyfree_fixture *fx,
			  const struct lazyfree_layout *l)
{
	struct lazyfree_diffs d = { .test = fx->test };
	bool young, want, kept = true;
	unsigned int i, k;
	pte_t pte;

	for (i = 0; i < fx->nr_pages; i++)
		if (lazyfree_young(l, fx, i) && !lazyfree_in_mlocked_vma(l, i))
			kept = false;
	for (k = 0; k < fx->nr_mms; k++) {
		for (i = 0; i < fx->nr_pages; i++) {
			pte = lazyfree_read_pte(fx->mms[k], lazyfree_page_addr(fx, i));
			if (!pte_present(pte))
				continue;
			young = pte_young(pte);
			want = k == 0 && kept && lazyfree_young(l, fx, i);
			if (young != want && lazyfree_diff_to_report(&d))
				KUNIT_FAIL(fx->test,
					   "mm %u PTE %u/%u: %s after folio_referenced(), expected %s",
					   k, i, fx->nr_pages, young ? "young" : "old",
					   want ? "young (an mlocked VMA: not looked at)" :
						  "old (its batch's accessed bits cleared)");
		}
	}
	lazyfree_diffs_end(&d, "accessed bits differ");
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
 * tables as reclaim left them.  Not for a file folio: reading there maps
 * the folio again from the page cache, fault-around mapping more than the
 * page read (lazyfree_expect_page_cache() checks the cache instead).
 */
void lazyfree_expect_reads(struct lazyfree_fixture *fx,
			   const unsigned long *mapped, bool unmapped_too)
{
	struct lazyfree_diffs d = { .test = fx->test };
	unsigned int i, run = UINT_MAX;
	u8 buf[LAZYFREE_READ_BYTES], want;
	u8 *at;

	if (fx->file)
		unmapped_too = false;
	for (i = 0; i <= fx->nr_pages; i++) {
		bool map = i < fx->nr_pages && test_bit(i, mapped);

		if (run != UINT_MAX && (map || i == fx->nr_pages)) {
			lazyfree_zap_range(fx, fx->mm, run, i);
			run = UINT_MAX;
		}
		if (i == fx->nr_pages || (!map && !unmapped_too))
			continue;
		if (!map && run == UINT_MAX)
			run = i;
		want = map ? lazyfree_pattern(i) : 0;
		if (copy_from_user(buf, (void __user *)lazyfree_page_addr(fx, i),
				   sizeof(buf))) {
			if (lazyfree_diff_to_report(&d))
				KUNIT_FAIL(fx->test, "page %u/%u: the program cannot read it",
					   i, fx->nr_pages);
			continue;
		}
		at = memchr_inv(buf, want, sizeof(buf));
		if (at && lazyfree_diff_to_report(&d))
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
void lazyfree_expect_reads_before(struct lazyfree_fixture *fx,
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
		    lazyfree_diff_to_report(&d))
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
		pte_t pte = lazyfree_raw_ptep_get(ptep + i), was = fx->neighbour_orig[i];

		if (pte_same(pte, was))
			continue;
		if (lazyfree_diff_to_report(&d))
			KUNIT_FAIL(fx->test,
				   "neighbour PTE %u/%u: %#llx (pfn %#lx), was %#llx (pfn %#lx) before the unmap",
				   i, nr, (u64)pte_val(pte), (unsigned long)pte_pfn(pte),
				   (u64)pte_val(was), (unsigned long)pte_pfn(was));
		/*
		 * Through none: arm64 warns of a valid PTE's accessed or
		 * dirty bit cleared in place (__check_safe_pte_update()).
		 */
		if (repair) {
			ptep_get_and_clear(fx->mm, fx->neighbour_addr + i * PAGE_SIZE,
					   ptep + i);
			set_pte_at(fx->mm, fx->neighbour_addr + i * PAGE_SIZE,
				   ptep + i, was);
		}
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
void lazyfree_expect_neighbour(struct lazyfree_fixture *fx)
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
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio), nr + 1,
			    "neighbour's folio_ref_count(): one per PTE + the test's");
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
	unsigned int i, k;

	if (!IS_ENABLED(CONFIG_PAGE_MAPCOUNT))
		return;
	for (i = 0; i < fx->nr_pages; i++) {
		int got = atomic_read(&folio_page(fx->folio, i)->_mapcount) + 1;
		int want = 0;

		for (k = 0; k < fx->nr_mms; k++)
			want += test_bit(i, lazyfree_mapped_in(exp, k));

		if (got != want && lazyfree_diff_to_report(&d))
			KUNIT_FAIL(fx->test, "page %u/%u: mapcount %d, expected %d",
				   i, fx->nr_pages, got, want);
	}
	lazyfree_diffs_end(&d, "page mapcounts differ");
}

/*
 * The folio's own state: mapcounts, references (@refs held by the test
 * besides mappings and pins), flags and data.
 */
void lazyfree_expect_folio(const struct lazyfree_fixture *fx,
			   const struct lazyfree_expect *exp,
			   unsigned int refs, bool on_lru)
{
	unsigned int mappings = lazyfree_mappings(fx, exp);
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
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio),
			    refs + fx->cache_refs + mappings + fx->pins,
			    "folio_ref_count(): %u held by the test + %u by the page cache + one per mapping + %u pinned",
			    refs, fx->cache_refs, fx->pins);
	KUNIT_EXPECT_EQ_MSG(test, folio_test_swapbacked(folio), exp->swapbacked,
			    "folio_test_swapbacked()");
	KUNIT_EXPECT_EQ_MSG(test, folio_test_dirty(folio), exp->dirty,
			    "folio_test_dirty()");
	KUNIT_EXPECT_EQ_MSG(test, folio_test_mlocked(folio), exp->mlocked,
			    "folio_test_mlocked(): the folio is %sfully mapped in one page table of a VM_LOCKED VMA",
			    exp->mlocked ? "" : "not ");
	KUNIT_EXPECT_EQ_MSG(test, folio_test_lru(folio), on_lru,
			    "folio_test_lru()");
	if (LAZYFREE_CAN_SHMEM && fx->file)
		lazyfree_expect_page_cache(fx);
	lazyfree_expect_data(fx);
}

/* The mTHP counters of @order, summed over CPUs (all 0 without them). */
#if defined(CONFIG_TRANSPARENT_HUGEPAGE) && defined(CONFIG_SYSFS)
void lazyfree_read_mthp(unsigned int order, long *stats)
{
	unsigned int item;
	int cpu;

	memset(stats, 0, sizeof(long) * __MTHP_STAT_COUNT);
	for_each_possible_cpu(cpu)
		for (item = 0; item < __MTHP_STAT_COUNT; item++)
			stats[item] += per_cpu(mthp_stats, cpu).stats[order][item];
}
#else
void lazyfree_read_mthp(unsigned int order, long *stats)
{
	memset(stats, 0, sizeof(long) * __MTHP_STAT_COUNT);
}
#endif

/* How often a folio of @order was split (where the kernel counts it). */
long lazyfree_mthp_splits(unsigned int order)
{
	long stats[__MTHP_STAT_COUNT];

	lazyfree_read_mthp(order, stats);
	return stats[MTHP_STAT_SPLIT];
}

/* A vm event counter (enum vm_event_item), summed over CPUs. */
unsigned long lazyfree_vm_event(struct kunit *test,
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

static void lazyfree_fold_local_vmstats(struct work_struct *work)
{
	unsigned long flags;

	local_irq_save(flags);
	cpu_vm_stats_fold(smp_processor_id());
	local_irq_restore(flags);
}

/*
 * Fold every CPU's vmstat deltas into the zone and node counters, each on
 * its own CPU with interrupts off (only that CPU writes its deltas).
 * Reclaim reads the zone counters (watermarks, the LRU sizes without
 * memcg), and on SMP a small folio's pages can hide in the deltas, below
 * the stat threshold.
 */
void lazyfree_fold_vmstats(void)
{
	if (IS_ENABLED(CONFIG_SMP))
		schedule_on_each_cpu(lazyfree_fold_local_vmstats);
}

/*
 * A node counter (enum node_stat_item) summed over nodes, with what each
 * CPU has not folded in yet: exact, where global_node_page_state() lags.
 */
unsigned long lazyfree_node_stat(enum node_stat_item item)
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
	/* A kernel that dropped too many references may have freed it. */
	if (folio_ref_count(folio) <= 0 || !folio_try_get(folio))
		return 3;
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
 * One that PTEs map but that has no reference left was freed under them:
 * the PTEs are cleared and the folio left alone (lazyfree_forget_folio()).
 * Returns whether the reference was taken; if not, the case fails.
 */
bool lazyfree_hold_folio(struct lazyfree_fixture *fx)
{
	int ret = lazyfree_walk_mms(fx, &lazyfree_hold_ops);

	if (ret == 3) {
		lazyfree_forget_folio(fx, "while PTEs map it");
		return false;
	}
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
 * must have split it (lazyfree_model_folio_split()); the PTEs were checked as
 * expected already.  The pages must be in other folios now, and read back
 * as they were; the pieces go with the munmap at the end of the case.
 */
bool lazyfree_expect_folio_split(struct lazyfree_fixture *fx,
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
	fx->folio_split = true;
	lazyfree_folios_split++;
	lazyfree_expect_reads(fx, exp->mapped, true);
	return true;
}

/*
 * The neighbour's end, once its mappings are gone: unmapped, and held by
 * the test's reference alone, which then frees it.
 */
static void lazyfree_release_neighbour(struct lazyfree_fixture *fx)
{
	struct folio *folio = fx->neighbour;
	struct kunit *test = fx->test;
	int ret;

	kunit_remove_action(test, lazyfree_folio_put_action, folio);
	ret = vm_munmap(fx->neighbour_addr, folio_nr_pages(folio) * PAGE_SIZE);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "munmap() of the neighbour's range");
	lru_add_drain_all();
	KUNIT_EXPECT_EQ_MSG(test, folio_mapcount(folio), 0,
			    "neighbour's folio_mapcount() once unmapped");
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio), 1,
			    "neighbour's folio_ref_count() once unmapped: only the test's own reference may be left");
	ret = lazyfree_repair_unmapped_neighbour(fx);
	KUNIT_EXPECT_GE_MSG(test, ret, 0,
			    "the neighbour has no reference left although the test held one: leaving it alone (leaked)");
	if (ret >= 0)
		folio_put(folio);
	fx->neighbour = NULL;
}

static void lazyfree_release_folio(struct lazyfree_fixture *fx)
{
	struct folio *folio = fx->folio;
	struct kunit *test = fx->test;
	bool released;
	int ret;

	if (fx->reclaimed_pages) {
		lazyfree_folios_freed++;
		return;
	}
	if (fx->folio_split || fx->leaked)
		return;
	if (!fx->isolated &&
	    !((LAZYFREE_CAN_SHMEM && fx->cached) ? lazyfree_hold_cached(fx) :
	      lazyfree_hold_folio(fx)))
		return;
	lru_add_drain_all();
	if (!lazyfree_counts_sound(fx, 1, "before the mms are torn down"))
		return;
	ret = vm_munmap(fx->addr, fx->nr_pages * PAGE_SIZE);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "munmap() of the folio's range");
	if (fx->nr_mms > 1)
		kunit_release_action(test, lazyfree_mmput_action, fx->mms[1]);
	fx->nr_mms = 1;
	lru_add_drain_all();

	released = !folio_mapped(folio) &&
		   folio_ref_count(folio) == 1 + fx->cache_refs;
	KUNIT_EXPECT_EQ_MSG(test, folio_mapcount(folio), 0,
			    "folio_mapcount() with every mm gone");
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio), 1 + fx->cache_refs,
			    "folio_ref_count() with every mm gone: only the test's own reference and the page cache's %u may be left",
			    fx->cache_refs);
	if (!released && !lazyfree_counts_sound(fx, 1, "with every mm gone"))
		return;
	if (LAZYFREE_CAN_SHMEM && fx->file && !lazyfree_truncate(fx))
		return;
	if (fx->isolated)
		kunit_release_action(test, lazyfree_putback_lru_action, folio);
	else
		kunit_release_action(test, lazyfree_folio_put_action, folio);
	lazyfree_folios_freed += released;
}

/*
 * The end of a case that got this far.  Unless reclaim freed the folio,
 * remove every mapping (munmap in the test's mm, drop the child mm): then
 * the test's own reference must be the only one left, and no mapcount, or
 * the kernel under test leaked one.  Dropping that reference frees the
 * folio.  Neither the teardown nor that last put is done on the strength
 * of counts the kernel under test may have broken: they are read and
 * repaired first (lazyfree_counts_sound()), and a folio that lost its
 * last reference under the test is leaked rather than touched.  Then the
 * neighbour, the same way (lazyfree_release_neighbour()).
 */
void lazyfree_release_and_expect(struct lazyfree_fixture *fx)
{
	lazyfree_release_folio(fx);
	if (!fx->neighbour)
		return;
	if (fx->nr_mms > 1)
		kunit_release_action(fx->test, lazyfree_mmput_action, fx->mms[1]);
	fx->nr_mms = 1;
	lazyfree_release_neighbour(fx);
}
