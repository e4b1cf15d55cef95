// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for batched unmap of lazyfree large folios: contiguous PTEs.
 *
 * With ARM64_CONTPTE, arm64 maps 16 aligned PTEs of a large folio as one
 * contiguous block (PTE_CONT in each, one TLB entry), and the batch meets
 * arch code that changes PTEs beyond those it clears: a batch ends where
 * the contiguous bit changes, clearing part of a block unfolds all of it
 * first (contpte_try_unfold_partial()), folding and unfolding OR the
 * block's dirty and young bits into each PTE, and the abort's restore
 * folds the aligned blocks it covers whole (contpte_set_ptes()).  The
 * model reads which blocks are folded before the unmap; this file checks
 * each block before and after it, and unfolds a block a kernel under
 * test left unsound before the test's cleanup.
 */

#include "rmap_lazyfree_batch.h"

/* ===== The model's contiguous blocks ===== */

/*
 * The unmaps that began with some PTEs of the folio contiguous, and those PTEs
 * (lazyfree_snapshot()); lazyfree_suite_exit() reports both.
 */
unsigned int lazyfree_cont_unmaps;
unsigned long lazyfree_cont_ptes;

/*
 * The first PTE of PTE @i's contiguous block (see LAZYFREE_CONT_PTES): the
 * arch folds naturally aligned blocks of addresses.  Negative where the
 * block starts before the folio's first PTE.
 */
int lazyfree_cont_first(const struct lazyfree_fixture *fx, unsigned int i)
{
	return (int)i - (int)((lazyfree_page_addr(fx, i) >> PAGE_SHIFT) %
			      LAZYFREE_CONT_PTES);
}

/* Read which PTEs of mm 0 are contiguous into @fx->cont (lazyfree_folded()). */
void lazyfree_read_folds(struct lazyfree_fixture *fx)
{
	unsigned int i;
	pte_t pte;

	bitmap_zero(fx->cont, LAZYFREE_MAX_PAGES);
	for (i = 0; i < fx->nr_pages; i++) {
		pte = lazyfree_read_pte(fx->mm, lazyfree_page_addr(fx, i));
		if (lazyfree_pte_cont(pte))
			__set_bit(i, fx->cont);
	}
}

/**
 * lazyfree_folded() - whether PTE @i of mm 0 is contiguous before the unmap
 * @fx: the fixture, its PTEs read by lazyfree_model()
 * @i: the PTE
 *
 * arm64 folds a block when a set_ptes() covers it whole (contpte_set_ptes():
 * a fault, fork(), mremap(), the unmap's restore) or sets its last PTE
 * (contpte_try_fold(): the fixture's installs), if its PTEs map as many
 * pages of one folio from an aligned address and PFN with the same bits
 * but dirty and young, and unfolds it when one PTE changes alone.  Which
 * blocks a fault path folds depends on the order it maps pages in, so the
 * model reads the contiguous bits; lazyfree_expect_cont() checks each
 * such block, and that the simplest layouts are folded whole.
 *
 * Return: whether PTE @i is contiguous.
 */
bool lazyfree_folded(const struct lazyfree_fixture *fx, unsigned int i)
{
	return test_bit(i, fx->cont);
}

/**
 * lazyfree_must_fold() - whether every PTE of @l's folio is contiguous
 * @l: the layout
 *
 * Return: whether the fixture set each block of the folio's PTEs in order
 * (contpte_try_fold() folds a block when its last PTE is set) and nothing
 * changed in it since: a hand-built folio of a block or more, inside one
 * page table, alone, with no hole, write-protected PTE, uffd-wp or fork.
 */
bool lazyfree_must_fold(const struct lazyfree_layout *l)
{
	return l->nr >= LAZYFREE_CONT_PTES && l->source == LAZYFREE_HAND_BUILT &&
	       l->kind == LAZYFREE_IN_TABLE && !l->hole_len &&
	       l->wrprotect == UINT_MAX && !l->uffd_armed && !l->fork &&
	       l->neighbour == LAZYFREE_NEIGHBOUR_NONE;
}

/*
 * In @exp, the PTEs whose contiguous block the unmap restored, @first to
 * @end - 1: contpte_set_ptes() folds each aligned block it covers whole
 * (@exp->refolded), and leaves the rest of one it covers in part
 * unfolded, as the batch's unfold left it (@exp->unfolded).
 */
void lazyfree_model_cont(const struct lazyfree_fixture *fx,
			 unsigned int first, unsigned int end,
			 struct lazyfree_expect *exp)
{
	int start, last;
	unsigned int i;

	for (i = first; i < end; i++) {
		start = lazyfree_cont_first(fx, i);
		last = start + LAZYFREE_CONT_PTES;
		if (start >= (int)first && last <= (int)end &&
		    (fx->pfn + start) % LAZYFREE_CONT_PTES == 0)
			__set_bit(i, exp->refolded);
		else if (lazyfree_folded(fx, i))
			bitmap_set(exp->unfolded, max(start, 0),
				   min_t(int, last, fx->nr_pages) - max(start, 0));
	}
}

/* ===== Checks and repair ===== */

/*
 * Why PTE @j of mm @k could not have been folded into the contiguous block
 * that starts at PTE @first, before the unmap: the block must map as many
 * pages of the folio from an aligned PFN, its PTEs contiguous and alike
 * but for dirty and young (__contpte_try_fold()); NULL if it could.
 */
static const char *lazyfree_cont_unsound(const struct lazyfree_fixture *fx,
					 unsigned int k, int first,
					 unsigned int j)
{
	pte_t pte = fx->orig[k][j], head;

	if (first < 0 || first + LAZYFREE_CONT_PTES > fx->nr_pages)
		return "the block is not all in the folio";
	head = fx->orig[k][first];
	if ((fx->pfn + first) % LAZYFREE_CONT_PTES)
		return "the folio's pages are not aligned to the block";
	if (!pte_present(pte) || pte_pfn(pte) != fx->pfn + j)
		return "it does not map its page of the folio";
	if (!lazyfree_pte_cont(pte))
		return "it is not contiguous";
	if (pte_write(pte) != pte_write(head) ||
	    lazyfree_pte_uffd_wp(pte) != lazyfree_pte_uffd_wp(head))
		return "its write or uffd-wp bit differs from the block's first";
	return NULL;
}

/*
 * Where the arch has contiguous blocks (LAZYFREE_CONT_PTES), the
 * contiguous bits of mm @k, differences counted in @d: before the unmap,
 * every block with one set must be sound (lazyfree_cont_unsound()), and
 * all set where @exp->must_fold; after it, a mapped PTE must be
 * contiguous if its whole block is still mapped and was contiguous
 * before and not restored in part, or restored whole (@exp->refolded,
 * @exp->unfolded), and not otherwise.
 */
void lazyfree_expect_cont(const struct lazyfree_fixture *fx,
			  const struct lazyfree_expect *exp,
			  const unsigned long *mapped, unsigned int k,
			  struct lazyfree_diffs *d)
{
	const char *unsound;
	bool was, now, want;
	unsigned int i, j;
	int first;

	for (i = 0; i < fx->nr_pages; i++) {
		was = lazyfree_pte_cont(fx->orig[k][i]);
		first = lazyfree_cont_first(fx, i);
		unsound = NULL;
		for (j = max(first, 0); was && !unsound &&
		     j < min_t(int, first + LAZYFREE_CONT_PTES, fx->nr_pages); j++)
			unsound = lazyfree_cont_unsound(fx, k, first, j);
		if (unsound && lazyfree_diff_to_report(d))
			KUNIT_FAIL(fx->test,
				   "mm %u PTE %u/%u: contiguous before the unmap, but PTE %u of its block: %s",
				   k, i, fx->nr_pages, j - 1, unsound);
		if (!k && exp->must_fold && !was && lazyfree_diff_to_report(d))
			KUNIT_FAIL(fx->test,
				   "mm 0 PTE %u/%u: not contiguous before the unmap, though the fixture set its block in order and changed nothing in it",
				   i, fx->nr_pages);
		if (!test_bit(i, mapped))
			continue;
		want = test_bit(i, exp->refolded) ||
		       (was && !test_bit(i, exp->unfolded));
		want &= first >= 0;
		for (j = max(first, 0); want && j < first + LAZYFREE_CONT_PTES; j++)
			want = j < fx->nr_pages && test_bit(j, mapped);
		now = lazyfree_pte_cont(lazyfree_read_pte(fx->mms[k],
							  lazyfree_page_addr(fx, i)));
		if (now != want && lazyfree_diff_to_report(d))
			KUNIT_FAIL(fx->test,
				   "mm %u PTE %u/%u: contiguous bit %d after the unmap, expected %d (before: %d)",
				   k, i, fx->nr_pages, now, want, was);
	}
}

/**
 * lazyfree_unfold_unsound() - unfold the contiguous blocks a kernel broke
 * @mm: the mm
 * @start: the first address to look at
 * @end: the address after the last
 *
 * A kernel under test may leave PTE_CONT set in a block that no longer maps 16
 * consecutive pages: arm64 then loops reading it (contpte_ptep_get_lockless())
 * and the mm's teardown reports bad page maps.  Clear each such block's
 * PTEs and set them again without the bit, as the page table holds them,
 * so that the test's cleanup leaves the kernel as it found it.  The
 * checks have reported the block already.
 */
void lazyfree_unfold_unsound(struct mm_struct *mm, unsigned long start,
			     unsigned long end)
{
	unsigned long addr;
	spinlock_t *ptl;	/* the PTE table's lock */
	pte_t *ptep, pte[CONT_PTES];
	bool any, sound;
	int i;

	mmap_read_lock(mm);
	for (addr = ALIGN_DOWN(start, CONT_PTE_SIZE); addr < end;
	     addr += CONT_PTE_SIZE) {
		ptep = lazyfree_pte_lock(mm, addr, false, &ptl);
		if (!ptep)
			continue;
		any = false;
		sound = true;
		for (i = 0; i < CONT_PTES; i++) {
			pte[i] = __ptep_get(ptep + i);
			any |= pte_valid_cont(pte[i]);
			sound &= pte_valid_cont(pte[i]) &&
				 pte_pfn(pte[i]) == pte_pfn(pte[0]) + i &&
				 IS_ALIGNED(pte_pfn(pte[0]), CONT_PTES);
		}
		for (i = 0; any && !sound && i < CONT_PTES; i++)
			if (pte_valid_cont(pte[i]))
				pte[i] = __ptep_get_and_clear(mm, addr + i * PAGE_SIZE,
							      ptep + i);
		if (any && !sound) {
			flush_tlb_mm(mm);
			for (i = 0; i < CONT_PTES; i++)
				if (pte_valid_cont(pte[i]))
					__set_ptes(mm, addr + i * PAGE_SIZE, ptep + i,
						   pte_mknoncont(pte[i]), 1);
		}
		pte_unmap_unlock(ptep, ptl);
	}
	mmap_read_unlock(mm);
}

/* ===== Layouts that cut a contiguous block at every offset ===== */

/* The order of the block layouts' folios: two contiguous blocks. */
#define LAZYFREE_BLOCK_ORDER	(ilog2(LAZYFREE_CONT_PTES) + 1)
/* Their last PTE, where a trigger on the far side of a cut lands. */
#define LAZYFREE_BLOCK_LAST	(2 * LAZYFREE_CONT_PTES - 1)

/*
 * Append to the @nr layouts in @layouts an order-LAZYFREE_BLOCK_ORDER
 * folio made by @source, of @kind split at PTE @split, with @trigger at
 * PTE @at, if the fixture can make it (lazyfree_source_makes()); returns
 * it for the caller to add a hole, a write-protected PTE or a fork to
 * first, NULL if it cannot.
 */
static struct lazyfree_layout *
lazyfree_block_layout(struct lazyfree_layout *layouts, unsigned int *nr,
		      enum lazyfree_source source, enum lazyfree_layout_kind kind,
		      unsigned int split, enum lazyfree_trigger trigger,
		      unsigned int at)
{
	struct lazyfree_layout *l = &layouts[*nr];

	memset(l, 0, sizeof(*l));
	l->source = source;
	l->order = LAZYFREE_BLOCK_ORDER;
	l->nr = 1U << LAZYFREE_BLOCK_ORDER;
	l->kind = kind;
	l->split = split;
	l->wrprotect = UINT_MAX;
	l->softclean = UINT_MAX;
	l->young = UINT_MAX;
	l->trigger = trigger;
	l->at = trigger == LAZYFREE_CLEAN ? UINT_MAX : at;
	return l;
}

/* Keep the layout lazyfree_block_layout() began, if the fixture makes it. */
static void lazyfree_block_keep(struct lazyfree_layout *layouts, unsigned int *nr)
{
	if (lazyfree_source_makes(&layouts[*nr], LAZYFREE_TRY_TO_UNMAP))
		(*nr)++;
}

/*
 * The block layouts, for every source the fixture makes them from: a folio
 * of two blocks (order 5 with 4K pages) cut at every offset by a VMA end
 * (both VMAs plain, or the second mlocked), by a PMD, by a one-page hole
 * and by a write-protected PTE, clean, redirtied on the far side of the
 * cut or pinned, and shared over fork with a VMA end at every
 * offset.  Where the cut falls inside a contiguous block, the batch that
 * ends there must unfold the whole block (contpte_try_unfold_partial()), a
 * redirtied page dirties every batch its block meets, and a restore
 * refolds only whole blocks.
 */
static int lazyfree_block_params_init(struct kunit *test)
{
	static const struct {
		enum lazyfree_layout_kind kind;
		enum lazyfree_trigger trigger;
		unsigned int at;
	} cuts[] = {
		{ LAZYFREE_VMA_STRADDLE, LAZYFREE_CLEAN, 0 },
		{ LAZYFREE_VMA_STRADDLE, LAZYFREE_REDIRTY, LAZYFREE_BLOCK_LAST },
		{ LAZYFREE_VMA_STRADDLE, LAZYFREE_REDIRTY, 0 },
		{ LAZYFREE_VMA_STRADDLE, LAZYFREE_PIN, 0 },
		{ LAZYFREE_MLOCKED_VMA_STRADDLE, LAZYFREE_CLEAN, 0 },
		{ LAZYFREE_MLOCKED_VMA_STRADDLE, LAZYFREE_REDIRTY, LAZYFREE_BLOCK_LAST },
		{ LAZYFREE_PMD_STRADDLE, LAZYFREE_CLEAN, 0 },
		{ LAZYFREE_PMD_STRADDLE, LAZYFREE_REDIRTY, LAZYFREE_BLOCK_LAST },
	};
	unsigned int pages = 1U << LAZYFREE_BLOCK_ORDER, nr = 0, i, k;
	struct lazyfree_layout *layouts, *l;
	enum lazyfree_source source;

	layouts = kunit_kcalloc(test, LAZYFREE_NR_SOURCES *
				(ARRAY_SIZE(cuts) * pages + 3 * pages),
				sizeof(*layouts), GFP_KERNEL);
	if (!layouts)
		return -ENOMEM;
	for (source = 0; source < LAZYFREE_NR_SOURCES; source++) {
		for (i = 0; i < ARRAY_SIZE(cuts); i++)
			for (k = 1; k < pages; k++) {
				lazyfree_block_layout(layouts, &nr, source, cuts[i].kind,
						      k, cuts[i].trigger, cuts[i].at);
				lazyfree_block_keep(layouts, &nr);
			}
		for (k = 0; k < pages; k++) {
			l = lazyfree_block_layout(layouts, &nr, source,
						  LAZYFREE_IN_TABLE, 0, LAZYFREE_REDIRTY,
						  k < pages / 2 ? pages - 1 : 0);
			l->hole_start = k;
			l->hole_len = 1;
			lazyfree_block_keep(layouts, &nr);
			l = lazyfree_block_layout(layouts, &nr, source,
						  LAZYFREE_IN_TABLE, 0, LAZYFREE_REDIRTY,
						  k < pages / 2 ? pages - 1 : 0);
			l->wrprotect = k;
			lazyfree_block_keep(layouts, &nr);
			l = lazyfree_block_layout(layouts, &nr, source,
						  k ? LAZYFREE_VMA_STRADDLE : LAZYFREE_IN_TABLE,
						  k, LAZYFREE_CLEAN, 0);
			l->fork = true;
			lazyfree_block_keep(layouts, &nr);
		}
	}
	nr = lazyfree_only_row(layouts, nr, sizeof(*layouts), lazyfree_describe);
	kunit_register_params_array(test, layouts, nr, lazyfree_describe);
	return 0;
}

/* The block layouts through try_to_unmap(), as the scenario table's. */
static void cont_block_scenarios(struct kunit *test)
{
	lazyfree_run_layout(test, test->param_value, LAZYFREE_TRY_TO_UNMAP);
}

static struct kunit_case rmap_lazyfree_batch_contpte_test_cases[] = {
	KUNIT_CASE_PARAM_WITH_INIT(cont_block_scenarios, kunit_array_gen_params,
				   lazyfree_block_params_init, NULL),
	{}
};

static struct kunit_suite rmap_lazyfree_batch_contpte_test_suite = {
	.name = "rmap_lazyfree_batch_contpte",
	.suite_init = lazyfree_suite_init,
	.suite_exit = lazyfree_suite_exit,
	.test_cases = rmap_lazyfree_batch_contpte_test_cases,
};

kunit_test_suite(rmap_lazyfree_batch_contpte_test_suite);
