// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for batched unmap of lazyfree large folios: the scenario
 * table, and each row resolved at every folio order as a case's
 * parameters.
 *
 * Each row of the table is a layout (inside one page table, straddling a
 * PMD at every split point that matters, straddling a VMA end, partly
 * mapped, with mixed write and soft-dirty bits, shared with a second mm
 * over fork, alone in an mlocked or a droppable VMA, next to another folio)
 * and what happens between MADV_FREE and reclaim (a redirtied PTE, a pin,
 * both, a young PTE).  Batch sizes are not visible from outside
 * mm/rmap.c, so the rows are built so that each batch boundary shows in
 * the end state: a dirty PTE aborts only the batch it lies in, and every
 * batch before it stays unmapped.
 */

#include "rmap_lazyfree_batch.h"

/* ===== The scenario table ===== */

/*
 * The scenario table; each row runs for every order from max(1, min_order)
 * to PMD_ORDER - 1, through try_to_unmap(), through reclaim_pages() where
 * .reclaim says so, and through MADV_PAGEOUT where that takes the
 * folio whole (lazyfree_row_runs()); where LAZYFREE_CAN_FAULT, all of it
 * once more on a faulted folio, from order LAZYFREE_MIN_FAULT_ORDER.  A
 * row's min_order is the smallest order at which its positions are
 * distinct PTEs (e.g. a hole in the middle with mapped PTEs on both sides
 * needs four pages); smaller orders have no such layout.
 */
const struct lazyfree_row lazyfree_scenarios[] = {
	/* Fully inside one page table: one batch. */
	{ .kind = LAZYFREE_IN_TABLE, .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .trigger = LAZYFREE_REDIRTY,
	  .at = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_IN_TABLE, .trigger = LAZYFREE_PIN,
	  .at = LAZYFREE_POS_FIRST, .reclaim = true },
	/* Straddling a PMD: 1 + rest, half + half, rest + 1. */
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_SECOND },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .reclaim = true },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_SECOND,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST,
	  .reclaim = true },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_LAST,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_FIRST },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .trigger = LAZYFREE_PIN, .at = LAZYFREE_POS_LAST },
	/* Straddling a VMA end, both VMAs unlocked: two batches. */
	{ .kind = LAZYFREE_VMA_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .reclaim = true },
	{ .kind = LAZYFREE_VMA_STRADDLE, .split = LAZYFREE_POS_SECOND,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_VMA_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	/* Straddling a VMA end, the second VMA mlocked. */
	{ .kind = LAZYFREE_MLOCKED_VMA_STRADDLE, .split = LAZYFREE_POS_HALF },
	{ .kind = LAZYFREE_MLOCKED_VMA_STRADDLE, .split = LAZYFREE_POS_SECOND },
	{ .kind = LAZYFREE_MLOCKED_VMA_STRADDLE, .split = LAZYFREE_POS_LAST },
	/* Partly mapped: only the mapped runs are unmapped. */
	{ .kind = LAZYFREE_IN_TABLE, .hole = LAZYFREE_HOLE_HEAD },
	{ .kind = LAZYFREE_IN_TABLE, .hole = LAZYFREE_HOLE_MIDDLE,
	  .min_order = 2, .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .hole = LAZYFREE_HOLE_TAIL },
	{ .kind = LAZYFREE_IN_TABLE, .hole = LAZYFREE_HOLE_MIDDLE,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST,
	  .min_order = 2 },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .hole = LAZYFREE_HOLE_HEAD, .trigger = LAZYFREE_REDIRTY,
	  .at = LAZYFREE_POS_LAST, .min_order = 2 },
	/* Mixed write bits: batches split around the write-protected PTE. */
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .wrprotect = LAZYFREE_POS_QUARTER, .min_order = 2 },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .wrprotect = LAZYFREE_POS_QUARTER, .trigger = LAZYFREE_REDIRTY,
	  .at = LAZYFREE_POS_FIRST, .min_order = 2 },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .wrprotect = LAZYFREE_POS_QUARTER, .trigger = LAZYFREE_REDIRTY,
	  .at = LAZYFREE_POS_AFTER_QUARTER, .min_order = 3 },
	{ .kind = LAZYFREE_IN_TABLE, .wrprotect = LAZYFREE_POS_SECOND,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_FIRST },
	{ .kind = LAZYFREE_IN_TABLE, .wrprotect = LAZYFREE_POS_FIRST,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	/*
	 * Shared with a second mm over fork (no redirty: a write would COW);
	 * the rmap walk visits both mms' VMAs in an order the test does not
	 * choose, so only rows whose end state does not depend on it.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .fork = true },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .fork = true, .reclaim = true },
	{ .kind = LAZYFREE_VMA_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .fork = true },
	{ .kind = LAZYFREE_IN_TABLE, .trigger = LAZYFREE_PIN,
	  .at = LAZYFREE_POS_LAST, .fork = true },
	/*
	 * Shmem mapped by a second mm through a mapping of its own, in the
	 * rmap walk between the first mm's first VMA and its others: where
	 * it is mlocked the walk stops there (mlocking the folio if that VMA
	 * maps it whole in one page table), else it is unmapped.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .other_mm = LAZYFREE_OTHER_MM_PLAIN },
	{ .kind = LAZYFREE_IN_TABLE, .other_mm = LAZYFREE_OTHER_MM_MLOCKED },
	{ .kind = LAZYFREE_VMA_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .other_mm = LAZYFREE_OTHER_MM_MLOCKED },
	{ .kind = LAZYFREE_VMA_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .other_mm = LAZYFREE_OTHER_MM_MLOCKED, .trigger = LAZYFREE_REDIRTY,
	  .at = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_MLOCKED_VMA_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .other_mm = LAZYFREE_OTHER_MM_PLAIN },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .other_mm = LAZYFREE_OTHER_MM_MLOCKED },
	{ .kind = LAZYFREE_IN_TABLE, .hole = LAZYFREE_HOLE_MIDDLE,
	  .min_order = 2, .other_mm = LAZYFREE_OTHER_MM_MLOCKED },
	{ .kind = LAZYFREE_IN_TABLE, .vma = LAZYFREE_VMA_MLOCKED,
	  .other_mm = LAZYFREE_OTHER_MM_PLAIN },
	/*
	 * The folio alone in an mlocked VMA: nothing is unmapped, and the
	 * folio is mlocked only if the walk found it fully mapped in one
	 * page table.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .vma = LAZYFREE_VMA_MLOCKED,
	  .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .vma = LAZYFREE_VMA_MLOCKED,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_IN_TABLE, .vma = LAZYFREE_VMA_MLOCKED,
	  .hole = LAZYFREE_HOLE_MIDDLE, .min_order = 2, .reclaim = true },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .vma = LAZYFREE_VMA_MLOCKED, .reclaim = true },
	/*
	 * The folio alone in a droppable VMA: discarded even though
	 * redirtied.  Not through reclaim_pages(): shrink_folio_list() then
	 * finds the unmapped folio dirty, pageout() refuses an anon folio
	 * outside the swap cache, and reclaim reports it kept (0, PGLAZYFREED
	 * unchanged) although no PTE maps it (the putback frees it): nothing
	 * the test may look at.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .vma = LAZYFREE_VMA_DROPPABLE },
	{ .kind = LAZYFREE_IN_TABLE, .vma = LAZYFREE_VMA_DROPPABLE,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .vma = LAZYFREE_VMA_DROPPABLE, .trigger = LAZYFREE_REDIRTY,
	  .at = LAZYFREE_POS_FIRST },
	/*
	 * Dirty before MADV_FREE (faulted folios only): MADV_FREE must clean
	 * the folio and its PTEs, or reclaim keeps it.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .predirty = true, .reclaim = true },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .predirty = true, .trigger = LAZYFREE_REDIRTY,
	  .at = LAZYFREE_POS_LAST },
	/*
	 * The next mTHP right after (before) the folio, in use, its PFNs
	 * continuing (preceding) the folio's: only the folio's end stops the
	 * batch, the neighbour comes out untouched, and an aborted batch
	 * restores the folio's PTEs and no more.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .neighbour = LAZYFREE_NEIGHBOUR_AFTER,
	  .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .neighbour = LAZYFREE_NEIGHBOUR_BEFORE,
	  .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .neighbour = LAZYFREE_NEIGHBOUR_AFTER,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	/*
	 * Redirtied and pinned at once: the first batch aborts, and the
	 * folio comes back swapbacked exactly when that batch held the
	 * dirty PTE.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .trigger = LAZYFREE_REDIRTY_PIN,
	  .at = LAZYFREE_POS_FIRST, .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .trigger = LAZYFREE_REDIRTY_PIN,
	  .at = LAZYFREE_POS_LAST, .reclaim = true },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .trigger = LAZYFREE_REDIRTY_PIN, .at = LAZYFREE_POS_LAST,
	  .reclaim = true },
	/*
	 * Mixed soft-dirty bits (CONFIG_MEM_SOFT_DIRTY only): batches split
	 * where the bit changes, and an aborted batch comes back with each
	 * PTE's bit as it was.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .softclean = LAZYFREE_POS_HALF,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_FIRST },
	{ .kind = LAZYFREE_IN_TABLE, .softclean = LAZYFREE_POS_HALF,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST,
	  .min_order = 2 },
	{ .kind = LAZYFREE_IN_TABLE, .softclean = LAZYFREE_POS_HALF,
	  .trigger = LAZYFREE_PIN, .at = LAZYFREE_POS_FIRST, .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .softclean = LAZYFREE_POS_SECOND,
	  .reclaim = true },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .softclean = LAZYFREE_POS_QUARTER, .trigger = LAZYFREE_REDIRTY,
	  .at = LAZYFREE_POS_FIRST, .min_order = 2 },
	/*
	 * One page read after MADV_FREE (folio_referenced_scenarios only):
	 * folio_referenced() must find its young PTE whichever batch holds
	 * it, clear it, and count the VMA once, so that reclaim keeps the
	 * folio; in an mlocked VMA it looks at no PTE.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .young = LAZYFREE_POS_FIRST },
	{ .kind = LAZYFREE_IN_TABLE, .young = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .young = LAZYFREE_POS_SECOND },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .young = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_VMA_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .young = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_MLOCKED_VMA_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .young = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_IN_TABLE, .hole = LAZYFREE_HOLE_MIDDLE,
	  .young = LAZYFREE_POS_LAST, .min_order = 2 },
	{ .kind = LAZYFREE_IN_TABLE, .wrprotect = LAZYFREE_POS_SECOND,
	  .young = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_IN_TABLE, .young = LAZYFREE_POS_LAST,
	  .fork = true },
	{ .kind = LAZYFREE_IN_TABLE, .vma = LAZYFREE_VMA_MLOCKED,
	  .young = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_IN_TABLE, .neighbour = LAZYFREE_NEIGHBOUR_AFTER,
	  .young = LAZYFREE_POS_LAST },
};

const unsigned int lazyfree_nr_scenarios = ARRAY_SIZE(lazyfree_scenarios);

/*
 * Which rows run through @entry: all through try_to_unmap() but those with
 * a young PTE, which only folio_referenced() looks at; those marked
 * through reclaim_pages() and folio_referenced(), with the young ones; and
 * through MADV_PAGEOUT those it reclaims
 * whole and those it must leave alone: a folio mapped by two mms (neither
 * split nor reclaimed).  Not through MADV_PAGEOUT: a folio it does not see
 * whole in one walk of one page table of one mm (a hole, a PMD or VMA end
 * inside it), which it splits; an mlocked VMA, which it refuses (-EINVAL);
 * a droppable VMA (as for reclaim_pages()).  Through a split
 * (split_folio_scenarios) all but the young ones, as through
 * try_to_unmap().
 */
bool lazyfree_row_runs(const struct lazyfree_row *row,
		       enum lazyfree_entry entry)
{
	if (row->young != LAZYFREE_POS_NONE)
		return entry == LAZYFREE_REFERENCES || entry == LAZYFREE_LRU;
	switch (entry) {
	case LAZYFREE_RECLAIM_PAGES:
	case LAZYFREE_REFERENCES:
	case LAZYFREE_LRU:
		return row->reclaim;
	case LAZYFREE_MADV_PAGEOUT:
		if (row->vma != LAZYFREE_VMA_PLAIN)
			return false;
		return row->fork || (row->kind == LAZYFREE_IN_TABLE &&
				    row->hole == LAZYFREE_HOLE_NONE);
	default:
		return true;
	}
}

/* ===== Parameters: each row at every order ===== */

/*
 * Each scenario case registers its parameters in its param_init: an array
 * of the layouts it runs, every row resolved once at every order (struct
 * lazyfree_layout), which KUnit numbers and names ("1..N").
 */

/* The PTE index @pos stands for in a folio of @nr pages; UINT_MAX for none. */
unsigned int lazyfree_pos_index(enum lazyfree_pos pos, unsigned int nr)
{
	switch (pos) {
	case LAZYFREE_POS_FIRST:
		return 0;
	case LAZYFREE_POS_SECOND:
		return 1;
	case LAZYFREE_POS_QUARTER:
		return nr / 4;
	case LAZYFREE_POS_AFTER_QUARTER:
		return nr / 4 + 1;
	case LAZYFREE_POS_HALF:
		return nr / 2;
	case LAZYFREE_POS_LAST:
		return nr - 1;
	default:
		return UINT_MAX;
	}
}

/* The PTEs @hole zaps in a folio of @nr pages: max(1, @nr / 4) of them. */
void lazyfree_hole_range(enum lazyfree_hole hole, unsigned int nr,
			 unsigned int *start, unsigned int *len)
{
	unsigned int quarter = max(1U, nr / 4);

	*len = hole == LAZYFREE_HOLE_NONE ? 0 : quarter;
	*start = hole == LAZYFREE_HOLE_MIDDLE ? nr / 2 :
		 hole == LAZYFREE_HOLE_TAIL ? nr - quarter : 0;
}

/* @row resolved at @order, the folio made by @source. */
void lazyfree_resolve(const struct lazyfree_row *row, unsigned int order,
		      enum lazyfree_source source, struct lazyfree_layout *l)
{
	static const enum lazyfree_hole uffd_wp_runs[] = {
		[LAZYFREE_UFFD_WP_HEAD] = LAZYFREE_HOLE_HEAD,
		[LAZYFREE_UFFD_WP_MIDDLE] = LAZYFREE_HOLE_MIDDLE,
		[LAZYFREE_UFFD_WP_TAIL] = LAZYFREE_HOLE_TAIL,
	};

	memset(l, 0, sizeof(*l));	/* comparable with memcmp() */
	l->source = source;
	l->order = order;
	l->nr = 1U << order;
	l->kind = row->kind;
	l->split = row->kind == LAZYFREE_IN_TABLE ? 0 :
		   lazyfree_pos_index(row->split, l->nr);
	lazyfree_hole_range(row->hole, l->nr, &l->hole_start, &l->hole_len);
	l->wrprotect = lazyfree_pos_index(row->wrprotect, l->nr);
	l->softclean = lazyfree_pos_index(row->softclean, l->nr);
	l->young = lazyfree_pos_index(row->young, l->nr);
	l->vma = row->vma;
	l->neighbour = row->neighbour;
	l->predirty = row->predirty;
	l->trigger = row->trigger;
	l->at = lazyfree_pos_index(row->at, l->nr);
	l->fork = row->fork;
	l->other_mm = row->other_mm;
	l->uffd_armed = row->uffd_wp != LAZYFREE_UFFD_WP_NONE;
	l->uffd_len = row->uffd_wp == LAZYFREE_UFFD_WP_ALL ? l->nr : 0;
	if (row->uffd_wp >= LAZYFREE_UFFD_WP_HEAD && row->uffd_wp <= LAZYFREE_UFFD_WP_TAIL)
		lazyfree_hole_range(uffd_wp_runs[row->uffd_wp], l->nr,
				    &l->uffd_start, &l->uffd_len);
}

/* get_description of the parameter arrays of layouts */
void lazyfree_describe(struct kunit *test, const void *param, char *desc)
{
	lazyfree_name(param, desc, KUNIT_PARAM_DESC_SIZE);
}

/*
 * One parameter's name, e.g. "order4_pmd_straddle_8_8": the cases that
 * pass their parameters through lazyfree_only_row() then run the
 * parameters of that name alone (make run ROW=CASE.NAME).
 */
static char *lazyfree_row;
module_param_named(row, lazyfree_row, charp, 0444);
MODULE_PARM_DESC(row, "run only the parameters of this name in each case");

/**
 * lazyfree_only_row() - keep the parameters the row module parameter names
 * @params: a case's parameter array
 * @nr: how many parameters it holds
 * @size: the size of one
 * @describe: the get_description that names each (called with no test)
 *
 * Return: how many of the @nr parameters @describe names as the row
 * parameter does, moved in their order to the front of @params; @nr if
 * the row parameter is not given.
 */
unsigned int lazyfree_only_row(void *params, unsigned int nr, size_t size,
			       void (*describe)(struct kunit *test,
						const void *param, char *desc))
{
	char name[KUNIT_PARAM_DESC_SIZE];
	unsigned int i, kept = 0;
	u8 *p = params;

	if (!lazyfree_row || !*lazyfree_row)
		return nr;
	for (i = 0; i < nr; i++) {
		describe(NULL, p + i * size, name);
		if (strcmp(name, lazyfree_row))
			continue;
		if (kept != i)
			memcpy(p + kept * size, p + i * size, size);
		kept++;
	}
	return kept;
}

/*
 * Append @row at every order it runs at for @source to the @nr layouts in
 * @layouts, each layout once: at small orders some positions coincide (at
 * order 1, the second PTE is also the half and the last one), and such a
 * row would only repeat an earlier one.
 */
static void lazyfree_add_layouts(struct lazyfree_layout *layouts,
				 unsigned int *nr,
				 const struct lazyfree_row *row,
				 enum lazyfree_source source,
				 enum lazyfree_entry entry)
{
	unsigned int order = max(1U, row->min_order), i;

	if (source == LAZYFREE_FAULTED)
		order = max(order, LAZYFREE_MIN_FAULT_ORDER);
	for (; order < PMD_ORDER; order++) {
		lazyfree_resolve(row, order, source, &layouts[*nr]);
		if (!lazyfree_source_makes(&layouts[*nr], entry))
			return;
		for (i = 0; i < *nr; i++)
			if (!memcmp(&layouts[i], &layouts[*nr], sizeof(*layouts)))
				break;
		if (i == *nr)
			(*nr)++;
	}
}

/*
 * Register the layouts a case runs as its parameter array: every row of
 * @table that runs through @entry (lazyfree_row_runs(); soft-dirty rows
 * only with CONFIG_MEM_SOFT_DIRTY, droppable ones only where VM_DROPPABLE
 * exists) at every order, made by every source that can
 * (lazyfree_source_makes()) among @sources (a mask of BIT(source)), in
 * the order of &enum lazyfree_source.
 */
int lazyfree_register_layouts(struct kunit *test,
			      const struct lazyfree_row *table,
			      unsigned int nr_rows,
			      enum lazyfree_entry entry, unsigned int sources)
{
	enum lazyfree_source source;
	struct lazyfree_layout *layouts;
	unsigned int i, nr = 0;

	layouts = kunit_kcalloc(test, nr_rows * PMD_ORDER * LAZYFREE_NR_SOURCES,
				sizeof(*layouts), GFP_KERNEL);
	if (!layouts)
		return -ENOMEM;
	for (source = 0; source < LAZYFREE_NR_SOURCES; source++) {
		if (!(sources & BIT(source)))
			continue;
		for (i = 0; i < nr_rows; i++) {
			const struct lazyfree_row *row = &table[i];

			if (!lazyfree_row_runs(row, entry))
				continue;
			if (row->softclean != LAZYFREE_POS_NONE &&
			    !IS_ENABLED(CONFIG_MEM_SOFT_DIRTY))
				continue;
			if (row->vma == LAZYFREE_VMA_DROPPABLE &&
			    VM_DROPPABLE == VM_NONE)
				continue;
			lazyfree_add_layouts(layouts, &nr, row, source, entry);
		}
	}
	nr = lazyfree_only_row(layouts, nr, sizeof(*layouts), lazyfree_describe);
	kunit_register_params_array(test, layouts, nr, lazyfree_describe);
	return 0;
}
