// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for batched unmap of lazyfree large folios: the model, the
 * end state a layout must reach, and the layouts' names.
 */

#include "rmap_lazyfree_batch.h"

bool lazyfree_in_hole(const struct lazyfree_layout *l, unsigned int i)
{
	return i >= l->hole_start && i < l->hole_start + l->hole_len;
}

/* Whether @entry punches a hole in the folio, or takes its unmaps alone. */
static bool lazyfree_punches(enum lazyfree_entry entry)
{
	return entry == LAZYFREE_PUNCH_HOLE || entry == LAZYFREE_UNMAP_AS_PUNCH;
}

/* Whether @entry splits the folio (a hole punch does), or unmaps as one. */
static bool lazyfree_splits(enum lazyfree_entry entry)
{
	return entry == LAZYFREE_SPLIT || entry == LAZYFREE_UNMAP_AS_SPLIT ||
	       lazyfree_punches(entry);
}

/*
 * The pages LAZYFREE_PUNCH_HOLE punches out of a folio of @nr pages: from
 * page nr/4 + 1 (nr/2 for nr = 2), max(1, nr/4) of them, so that the
 * split around them leaves pieces of several orders on either side
 * (folio_split() splits at the hole's first page, then at the page after
 * it) and page 0, which the test looks the pieces up from, outside.
 */
void lazyfree_punch_range(unsigned int nr, unsigned int *start,
			  unsigned int *len)
{
	*start = nr == 2 ? 1 : nr / 4 + 1;
	*len = max(1U, nr / 4);
}

/* Whether page @i of a folio of @nr pages is one lazyfree_punch_range() names. */
bool lazyfree_in_punch(unsigned int nr, unsigned int i)
{
	unsigned int start, len;

	lazyfree_punch_range(nr, &start, &len);
	return i >= start && i < start + len;
}

/**
 * lazyfree_pageout_splits() - whether MADV_PAGEOUT splits @l's folio
 * @l: the layout
 *
 * MADV_PAGEOUT splits a folio mapped by one mm that it does not see whole
 * in one batch, and a batch ends where the contiguous bit changes: a
 * write-protected PTE unfolds its block for good and leaves the others
 * of a larger folio folded.  (Layouts MADV_PAGEOUT sees in part for other
 * reasons are kept from it where they are drawn.)
 *
 * Return: whether it does.
 */
bool lazyfree_pageout_splits(const struct lazyfree_layout *l)
{
	return LAZYFREE_CONT_PTES > 1 && l->wrprotect != UINT_MAX &&
	       l->nr > LAZYFREE_CONT_PTES && !l->fork;
}

/**
 * lazyfree_source_makes() - whether the fixture can build a layout
 * @l: the layout, its source included
 * @entry: the reclaim entry it is to go through
 *
 * A faulted folio needs a kernel that faults large folios in; predirty
 * needs MADV_FREE of a faulted anon folio; a neighbour adjacent PFNs, so
 * a hand-built folio.  A shmem folio is never droppable (MAP_DROPPABLE is
 * private), is forked only if faulted (the child faults its PTEs in from
 * the page cache, where only a faulted one is) and goes through
 * try_to_unmap() only, or, if faulted, reclaim_pages(), MADV_PAGEOUT,
 * split_folio() or a hole punch (reclaim and a split need the page cache;
 * an anon folio's split unmaps it with migration entries, not through the
 * batch; fallocate() needs TMPFS; LRU reclaim, which the test drives
 * without swap, never scans the anonymous lists shmem is on).
 * uffd-wp needs an arch with the bit and a VMA userfaultfd takes: not a
 * droppable one.  A second mm with its own mapping of the file takes a
 * faulted shmem folio (it faults its pages in from the page cache), not
 * forked, not under uffd-wp, through try_to_unmap().  A regular file's
 * folio is mapped read-only: nothing writes to it (no redirtied PTE, no
 * write-protected one, no predirty), nothing arms uffd-wp (a VMA of a file
 * other than shmem or hugetlbfs takes only its asynchronous mode); it
 * goes through try_to_unmap(), reclaim_pages() or MADV_PAGEOUT.
 *
 * Return: whether it can; the scenario table and random layouts keep to it.
 */
bool lazyfree_source_makes(const struct lazyfree_layout *l,
			   enum lazyfree_entry entry)
{
	bool faulted = l->source == LAZYFREE_FAULTED ||
		       l->source == LAZYFREE_FAULTED_SHMEM ||
		       l->source == LAZYFREE_FILE;

	if ((faulted && !LAZYFREE_CAN_FAULT) ||
	    (l->predirty && l->source != LAZYFREE_FAULTED) ||
	    (l->neighbour != LAZYFREE_NEIGHBOUR_NONE &&
	     l->source != LAZYFREE_HAND_BUILT))
		return false;
	if (l->uffd_armed &&
	    (!LAZYFREE_CAN_UFFD_WP || l->vma == LAZYFREE_VMA_DROPPABLE))
		return false;
	if (l->other_mm != LAZYFREE_OTHER_MM_NONE &&
	    ((l->source != LAZYFREE_FAULTED_SHMEM && l->source != LAZYFREE_FILE) ||
	     l->fork || l->uffd_armed || entry != LAZYFREE_TRY_TO_UNMAP))
		return false;
	if (entry == LAZYFREE_MADV_PAGEOUT && lazyfree_pageout_splits(l))
		return false;
	if (l->source == LAZYFREE_FILE)
		return LAZYFREE_CAN_EROFS && !l->uffd_armed &&
		       l->vma != LAZYFREE_VMA_DROPPABLE &&
		       l->wrprotect == UINT_MAX &&
		       (l->trigger == LAZYFREE_CLEAN || l->trigger == LAZYFREE_PIN) &&
		       (entry == LAZYFREE_TRY_TO_UNMAP ||
			entry == LAZYFREE_RECLAIM_PAGES ||
			entry == LAZYFREE_MADV_PAGEOUT);
	if (lazyfree_file_source(l->source))
		return LAZYFREE_CAN_SHMEM && l->vma != LAZYFREE_VMA_DROPPABLE &&
		       (!l->fork || faulted) &&
		       (entry == LAZYFREE_TRY_TO_UNMAP ||
			((lazyfree_splits(entry) ||
			  entry == LAZYFREE_RECLAIM_PAGES ||
			  entry == LAZYFREE_MADV_PAGEOUT) && faulted)) &&
		       (!lazyfree_punches(entry) || IS_ENABLED(CONFIG_TMPFS));
	return !lazyfree_splits(entry);
}

/* Whether PTE @i of @l is write-protected by uffd-wp (its bit set). */
bool lazyfree_in_uffd_wp(const struct lazyfree_layout *l, unsigned int i)
{
	return i >= l->uffd_start && i < l->uffd_start + l->uffd_len;
}

/* In @mapped, exactly the PTEs of @l from @first on outside its hole. */
void lazyfree_mapped_from(const struct lazyfree_layout *l,
			  unsigned int first, unsigned long *mapped)
{
	unsigned int i;

	bitmap_zero(mapped, LAZYFREE_MAX_PAGES);
	for (i = first; i < l->nr; i++)
		if (!lazyfree_in_hole(l, i))
			__set_bit(i, mapped);
}

/*
 * The soft-dirty bit of PTE i right before the unmap, where the arch has
 * one: set by the fault that mapped it (pte_mkdirty() sets it) unless the
 * layout cleared it, and set again by a write fault.
 */
static bool lazyfree_soft_dirty(const struct lazyfree_layout *l, unsigned int i)
{
	if ((l->trigger == LAZYFREE_REDIRTY ||
	     l->trigger == LAZYFREE_REDIRTY_PIN) && i == l->at)
		return true;
	return i < l->softclean;
}

/* Whether PTE i is writable right before the unmap. */
static bool lazyfree_writable(const struct lazyfree_layout *l, unsigned int i)
{
	return !l->uffd_armed && i != l->wrprotect;
}

/**
 * lazyfree_young() - whether lazyfree_age() leaves PTE @i young
 * @l: the layout, l->young the page the program read
 * @fx: its fixture
 * @i: the PTE, of mm 0
 *
 * Return: whether PTE @i is PTE l->young, or in its block where that is
 * contiguous (ptep_set_access_flags() makes the whole block young).
 */
bool lazyfree_young(const struct lazyfree_layout *l,
		    const struct lazyfree_fixture *fx, unsigned int i)
{
	if (l->young == UINT_MAX)
		return false;
	if (i == l->young)
		return true;
	return LAZYFREE_CONT_PTES > 1 && lazyfree_folded(fx, l->young) &&
	       lazyfree_cont_first(fx, i) == lazyfree_cont_first(fx, l->young);
}

/* Whether @l's folio is mapped by two VMAs, split at PTE l->split. */
static bool lazyfree_vma_split(const struct lazyfree_layout *l)
{
	return l->kind == LAZYFREE_VMA_STRADDLE ||
	       l->kind == LAZYFREE_MLOCKED_VMA_STRADDLE;
}

/*
 * Whether PTE @i is still contiguous when the walk comes to it: the part
 * of a block in the second VMA is not, once the first VMA's last batch
 * cleared the rest (contpte_try_unfold_partial() unfolds a block a batch
 * covers in part).
 */
static bool lazyfree_folded_at_walk(const struct lazyfree_layout *l,
				    const struct lazyfree_fixture *fx,
				    unsigned int i)
{
	if (LAZYFREE_CONT_PTES == 1 ||
	    (lazyfree_vma_split(l) && i >= l->split &&
	     lazyfree_cont_first(fx, i) < (int)l->split))
		return false;
	return lazyfree_folded(fx, i);
}

/*
 * Whether a batch holding PTE i - 1 must end before PTE i: at a hole, at the
 * end of a page table, at the end of a VMA, where the write or the
 * soft-dirty bit changes (folio_unmap_pte_batch() uses FPB_RESPECT_WRITE
 * and FPB_RESPECT_SOFT_DIRTY), where the uffd-wp bit does (no FPB_ flag
 * ignores it) and where the contiguous bit does (neither: ptep_get()
 * passes arm64's PTE_CONT on).
 */
static bool lazyfree_batch_ends_before(const struct lazyfree_layout *l,
				       const struct lazyfree_fixture *fx,
				       unsigned int i)
{
	if (lazyfree_in_hole(l, i) || lazyfree_in_hole(l, i - 1))
		return true;
	if (IS_ALIGNED(lazyfree_page_addr(fx, i), PMD_SIZE))
		return true;
	if (lazyfree_vma_split(l) && i == l->split)
		return true;
	if (IS_ENABLED(CONFIG_MEM_SOFT_DIRTY) &&
	    lazyfree_soft_dirty(l, i) != lazyfree_soft_dirty(l, i - 1))
		return true;
	if (lazyfree_folded_at_walk(l, fx, i) !=
	    lazyfree_folded_at_walk(l, fx, i - 1))
		return true;
	return lazyfree_writable(l, i) != lazyfree_writable(l, i - 1) ||
	       lazyfree_in_uffd_wp(l, i) != lazyfree_in_uffd_wp(l, i - 1);
}

/* The first PTE of the batch that holds PTE @i. */
static unsigned int lazyfree_batch_start(const struct lazyfree_layout *l,
					 const struct lazyfree_fixture *fx,
					 unsigned int i)
{
	while (i && !lazyfree_batch_ends_before(l, fx, i))
		i--;
	return i;
}

/* The PTE after the last of the batch that starts at PTE @i. */
static unsigned int lazyfree_batch_end(const struct lazyfree_layout *l,
				       const struct lazyfree_fixture *fx,
				       unsigned int i)
{
	while (++i < l->nr && !lazyfree_batch_ends_before(l, fx, i))
		;
	return i;
}

/*
 * The first PTE whose batch finds the dirty bit of PTE l->at, written to
 * by the layout's trigger: the first of its block where that was
 * contiguous then (@fx->at_folded) or is before the unmap.  A write fault
 * dirties every PTE of a contiguous block (contpte_ptep_set_access_flags()),
 * and folding or unfolding one ORs a PTE's dirty bit into all
 * (contpte_convert()): arming uffd-wp on all or part of it does, and a
 * batch that covers part of it (contpte_try_unfold_partial()).
 */
static unsigned int lazyfree_dirty_from(const struct lazyfree_layout *l,
					const struct lazyfree_fixture *fx)
{
	if (LAZYFREE_CONT_PTES > 1 &&
	    (fx->at_folded || lazyfree_folded(fx, l->at)))
		return max(lazyfree_cont_first(fx, l->at), 0);
	return l->at;
}

/*
 * Where the walk that would end at @walk_end in the first mm ends with a
 * second mm's mapping of its own in it (see lazyfree_model()): the second
 * mm's PTEs in @exp, and the first mm's end returned.
 */
static unsigned int lazyfree_model_other_mm(const struct lazyfree_layout *l,
					    unsigned int walk_end,
					    struct lazyfree_expect *exp)
{
	unsigned int first_end = lazyfree_vma_split(l) ? l->split : l->nr;

	/*
	 * Only try_to_unmap() without uffd-wp takes a second mm's own mapping
	 * (lazyfree_source_makes()): @freed and @markers, and what reclaim
	 * and the LRU derive from @mapped, are not made for two mms.
	 */
	exp->other_differs = true;
	if (l->other_mm == LAZYFREE_OTHER_MM_MLOCKED) {
		lazyfree_mapped_from(l, 0, exp->mapped_other);
		/* Its one VMA: whole in one page table but across a PMD. */
		exp->mlocked = l->kind != LAZYFREE_PMD_STRADDLE && !l->hole_len;
		return first_end;
	}
	lazyfree_mapped_from(l, l->nr, exp->mapped_other);
	return walk_end;
}

/*
 * The end state reclaim must leave, derived from the layout: the rmap walk
 * visits the VMAs and, within one, the PTEs in address order; an mlocked
 * VMA ends the walk untouched (and the folio is mlocked if the walk found
 * it fully mapped in one page table); MADV_PAGEOUT leaves a folio mapped
 * by two mms alone.  A pin aborts the first batch, a redirtied PTE the
 * batch holding it (unless the VMA is droppable), and the abort ends the
 * walk; every PTE before that stays unmapped.  The folio becomes dirty if
 * the walk cleared the redirtied PTE, and swapbacked with it unless the
 * VMA is droppable.
 *
 * A shmem (file) folio has no restore path: a pin or a redirtied PTE
 * aborts nothing, so the walk unmaps every PTE up to an mlocked VMA (the
 * i_mmap tree orders a file's VMAs by offset, as the anon_vma tree does),
 * and the folio comes out dirty if a cleared PTE was (the read fault left
 * them clean, so only a redirtied one is); it stays swapbacked.  A split
 * unmaps every PTE, mlocked VMAs included, unless the folio is pinned:
 * then it neither splits nor unmaps anything (the test's own unmap as a
 * split does not look at pins).  Reclaim (reclaim_pages(), MADV_PAGEOUT)
 * unmaps as try_to_unmap() does, then frees a file folio it unmapped
 * whole if it is clean and unpinned (a clean shmem page holds what a hole
 * would: the test's data in it was never written through a PTE), and
 * keeps any other (pageout() of a dirty one, without swap, redirties it).
 * A second mm with a mapping of its own (&enum lazyfree_other_mm) comes
 * in the walk after the first mm's VMA that starts at the folio and
 * before the first mm's others: the first mm's first VMA is unmapped,
 * then the second mm's, unless VM_LOCKED, where the walk stops (and
 * mlocks the folio if that VMA, which covers the folio, maps it whole in
 * one page table: a VMA split of the first mm's is not in it), and the
 * first mm's second VMA last.
 * A hole punch unmaps the punched PTEs first, pinned or not, and the
 * folio comes out dirty however its PTEs were (truncation marks a folio
 * it cuts into dirty).  Each PTE cleared
 * that was write-protected by uffd-wp becomes a uffd-wp marker, and one
 * in a hole was one already (an anon VMA gets none: the folio is
 * discarded, and a fault there maps a new page).
 */
void lazyfree_model(const struct lazyfree_layout *l,
		    struct lazyfree_fixture *fx,
		    enum lazyfree_trigger trigger,
		    enum lazyfree_entry entry,
		    struct lazyfree_expect *exp)
{
	bool redirtied = trigger == LAZYFREE_REDIRTY ||
			 trigger == LAZYFREE_REDIRTY_PIN;
	bool droppable = l->vma == LAZYFREE_VMA_DROPPABLE;
	unsigned int walk_end = l->nr, first = 0, dirty_batch = l->nr;
	unsigned int keep_from, restored, i;
	bool cleared;

	if (lazyfree_splits(entry))
		walk_end = (entry == LAZYFREE_SPLIT || entry == LAZYFREE_PUNCH_HOLE) &&
			   (trigger == LAZYFREE_PIN ||
			    trigger == LAZYFREE_REDIRTY_PIN) ? 0 : l->nr;
	else if (l->vma == LAZYFREE_VMA_MLOCKED ||
		 (entry == LAZYFREE_MADV_PAGEOUT && l->fork))
		walk_end = 0;
	else if (l->kind == LAZYFREE_MLOCKED_VMA_STRADDLE)
		walk_end = l->split;
	memset(exp, 0, sizeof(*exp));
	if (LAZYFREE_CONT_PTES > 1) {
		lazyfree_read_folds(fx);
		exp->must_fold = lazyfree_must_fold(l);
	}
	exp->mlocked = l->vma == LAZYFREE_VMA_MLOCKED && !l->hole_len &&
		       l->kind == LAZYFREE_IN_TABLE && !lazyfree_splits(entry);
	if (lazyfree_file_source(l->source)) {
		if (l->other_mm != LAZYFREE_OTHER_MM_NONE && walk_end)
			walk_end = lazyfree_model_other_mm(l, walk_end, exp);
		lazyfree_mapped_from(l, walk_end, exp->mapped);
		for (i = 0; i < l->nr; i++) {
			bool punched = lazyfree_punches(entry) &&
				       lazyfree_in_punch(l->nr, i);

			if (punched) {
				__clear_bit(i, exp->mapped);
				__set_bit(i, exp->zapped);
			}
			if (lazyfree_in_uffd_wp(l, i) &&
			    (i < walk_end || lazyfree_in_hole(l, i) || punched))
				__set_bit(i, exp->markers);
		}
		exp->dirty = entry == LAZYFREE_PUNCH_HOLE ||
			     (redirtied && (lazyfree_dirty_from(l, fx) < walk_end ||
					    (lazyfree_punches(entry) &&
					     lazyfree_in_punch(l->nr, l->at))));
		exp->swapbacked = l->source != LAZYFREE_FILE;
		exp->freed = bitmap_empty(exp->mapped, l->nr) && !exp->dirty &&
			     trigger != LAZYFREE_PIN &&
			     trigger != LAZYFREE_REDIRTY_PIN;
		return;
	}

	while (first < l->nr && lazyfree_in_hole(l, first))
		first++;
	if (redirtied)
		dirty_batch = lazyfree_batch_start(l, fx, lazyfree_dirty_from(l, fx));

	keep_from = walk_end;
	if (trigger == LAZYFREE_PIN || trigger == LAZYFREE_REDIRTY_PIN)
		keep_from = 0;
	else if (trigger == LAZYFREE_REDIRTY && !droppable)
		keep_from = min(keep_from, dirty_batch);
	cleared = dirty_batch < walk_end &&
		  (trigger == LAZYFREE_REDIRTY || dirty_batch == first);

	/* The batch the abort restored, if the walk came to it. */
	restored = keep_from ? keep_from : first;
	if (LAZYFREE_CONT_PTES > 1 && restored < walk_end && keep_from < walk_end)
		lazyfree_model_cont(fx, restored,
				    lazyfree_batch_end(l, fx, restored), exp);

	lazyfree_mapped_from(l, keep_from, exp->mapped);
	exp->dirty = redirtied && cleared;
	exp->swapbacked = exp->dirty && !droppable;
	exp->freed = bitmap_empty(exp->mapped, l->nr);
}

/* Whether PTE @i lies in an mlocked VMA. */
bool lazyfree_in_mlocked_vma(const struct lazyfree_layout *l,
			     unsigned int i)
{
	return l->vma == LAZYFREE_VMA_MLOCKED ||
	       (l->kind == LAZYFREE_MLOCKED_VMA_STRADDLE && i >= l->split);
}

/*
 * The names of the values of a layout's enums, as its name and its fields
 * (lazyfree_write_fields()) write them; "" for the value a name leaves out.
 */
static const char * const lazyfree_source_names[] = {
	[LAZYFREE_HAND_BUILT] = "",
	[LAZYFREE_FAULTED] = "faulted",
	[LAZYFREE_SHMEM] = "shmem",
	[LAZYFREE_FAULTED_SHMEM] = "faulted_shmem",
	[LAZYFREE_FILE] = "file",
};

static const char * const lazyfree_kind_names[] = {
	[LAZYFREE_IN_TABLE] = "in_table",
	[LAZYFREE_PMD_STRADDLE] = "pmd_straddle",
	[LAZYFREE_VMA_STRADDLE] = "vma_straddle",
	[LAZYFREE_MLOCKED_VMA_STRADDLE] = "mlocked_vma_straddle",
};

static const char * const lazyfree_vma_names[] = {
	[LAZYFREE_VMA_PLAIN] = "",
	[LAZYFREE_VMA_MLOCKED] = "mlocked",
	[LAZYFREE_VMA_DROPPABLE] = "droppable",
};

static const char * const lazyfree_neighbour_names[] = {
	[LAZYFREE_NEIGHBOUR_NONE] = "",
	[LAZYFREE_NEIGHBOUR_AFTER] = "after",
	[LAZYFREE_NEIGHBOUR_BEFORE] = "before",
};

static const char * const lazyfree_trigger_names[] = {
	[LAZYFREE_CLEAN] = "",
	[LAZYFREE_REDIRTY] = "redirty",
	[LAZYFREE_PIN] = "pin",
	[LAZYFREE_REDIRTY_PIN] = "redirty_pin",
};

static const char * const lazyfree_other_mm_names[] = {
	[LAZYFREE_OTHER_MM_NONE] = "",
	[LAZYFREE_OTHER_MM_PLAIN] = "plain",
	[LAZYFREE_OTHER_MM_MLOCKED] = "mlocked",
};

static const char * const lazyfree_entry_names[] = {
	[LAZYFREE_TRY_TO_UNMAP] = "unmap",
	[LAZYFREE_RECLAIM_PAGES] = "reclaim",
	[LAZYFREE_MADV_PAGEOUT] = "pageout",
	[LAZYFREE_REFERENCES] = "references",
	[LAZYFREE_LRU] = "lru",
	[LAZYFREE_SPLIT] = "split",
	[LAZYFREE_UNMAP_AS_SPLIT] = "unmap_as_split",
	[LAZYFREE_PUNCH_HOLE] = "punch",
	[LAZYFREE_UNMAP_AS_PUNCH] = "unmap_as_punch",
};

/*
 * Write a layout's name into @desc of @size bytes, e.g.
 * "order4_pmd_straddle_8_8_wrprotect_4_redirty_5", "faulted_order2_in_table";
 * returns its length.
 */
int lazyfree_name(const struct lazyfree_layout *l, char *desc, int size)
{
	int n;

	n = scnprintf(desc, size, "%s%sorder%u_%s",
		      lazyfree_source_names[l->source],
		      l->source == LAZYFREE_HAND_BUILT ? "" : "_", l->order,
		      lazyfree_kind_names[l->kind]);
	if (l->kind != LAZYFREE_IN_TABLE)
		n += scnprintf(desc + n, size - n, "_%u_%u",
			       l->split, l->nr - l->split);
	if (l->hole_len)
		n += scnprintf(desc + n, size - n, "_hole_%u_%u",
			       l->hole_start, l->hole_len);
	if (l->wrprotect != UINT_MAX)
		n += scnprintf(desc + n, size - n,
			       "_wrprotect_%u", l->wrprotect);
	if (l->softclean != UINT_MAX)
		n += scnprintf(desc + n, size - n,
			       "_softclean_%u", l->softclean);
	if (l->young != UINT_MAX)
		n += scnprintf(desc + n, size - n, "_young_%u", l->young);
	if (l->vma != LAZYFREE_VMA_PLAIN)
		n += scnprintf(desc + n, size - n, "_%s",
			       lazyfree_vma_names[l->vma]);
	if (l->neighbour != LAZYFREE_NEIGHBOUR_NONE)
		n += scnprintf(desc + n, size - n, "_neighbour_%s",
			       lazyfree_neighbour_names[l->neighbour]);
	if (l->predirty)
		n += scnprintf(desc + n, size - n, "_predirty");
	if (l->fork)
		n += scnprintf(desc + n, size - n, "_forked");
	if (l->other_mm != LAZYFREE_OTHER_MM_NONE)
		n += scnprintf(desc + n, size - n, "_other_mm%s",
			       l->other_mm == LAZYFREE_OTHER_MM_MLOCKED ?
			       "_mlocked" : "");
	if (l->uffd_armed)
		n += scnprintf(desc + n, size - n, "_uffd_wp_%u_%u",
			       l->uffd_start, l->uffd_len);
	if (l->trigger != LAZYFREE_CLEAN)
		n += scnprintf(desc + n, size - n, "_%s_%u",
			       lazyfree_trigger_names[l->trigger], l->at);
	return n;
}

/*
 * Write the name of @l through @entry into @desc of @size bytes, e.g.
 * "order5_pmd_straddle_3_29_hole_0_4_pin_9_reclaim"; returns its length.
 */
int lazyfree_name_entry(const struct lazyfree_layout *l,
			enum lazyfree_entry entry, char *desc, int size)
{
	int n = lazyfree_name(l, desc, size);

	return n + scnprintf(desc + n, size - n, "_%s",
			     lazyfree_entry_names[entry]);
}

/**
 * struct lazyfree_field - a member of &struct lazyfree_layout as a field
 *	"key=value" of lazyfree_write_fields()
 * @key: the member's name
 * @offset: its offset
 * @is_bool: a bool; else an unsigned int or an enum
 * @names: the names of its values (an enum), or NULL: a number
 * @nr_names: how many
 * @none: its value when the field is left out
 */
struct lazyfree_field {
	const char *key;
	size_t offset;
	bool is_bool;
	const char * const *names;
	unsigned int nr_names;
	unsigned int none;
};

#define LAZYFREE_MEMBER(m)	.offset = offsetof(struct lazyfree_layout, m)

/* Every member but @nr, which @order says; order and kind always written. */
static const struct lazyfree_field lazyfree_fields[] = {
	{ .key = "source", LAZYFREE_MEMBER(source),
	  .names = lazyfree_source_names,
	  .nr_names = ARRAY_SIZE(lazyfree_source_names) },
	{ .key = "order", LAZYFREE_MEMBER(order), .none = UINT_MAX },
	{ .key = "kind", LAZYFREE_MEMBER(kind), .names = lazyfree_kind_names,
	  .nr_names = ARRAY_SIZE(lazyfree_kind_names), .none = UINT_MAX },
	{ .key = "split", LAZYFREE_MEMBER(split) },
	{ .key = "hole_start", LAZYFREE_MEMBER(hole_start) },
	{ .key = "hole_len", LAZYFREE_MEMBER(hole_len) },
	{ .key = "wrprotect", LAZYFREE_MEMBER(wrprotect), .none = UINT_MAX },
	{ .key = "softclean", LAZYFREE_MEMBER(softclean), .none = UINT_MAX },
	{ .key = "young", LAZYFREE_MEMBER(young), .none = UINT_MAX },
	{ .key = "vma", LAZYFREE_MEMBER(vma), .names = lazyfree_vma_names,
	  .nr_names = ARRAY_SIZE(lazyfree_vma_names) },
	{ .key = "neighbour", LAZYFREE_MEMBER(neighbour),
	  .names = lazyfree_neighbour_names,
	  .nr_names = ARRAY_SIZE(lazyfree_neighbour_names) },
	{ .key = "predirty", LAZYFREE_MEMBER(predirty), .is_bool = true },
	{ .key = "trigger", LAZYFREE_MEMBER(trigger),
	  .names = lazyfree_trigger_names,
	  .nr_names = ARRAY_SIZE(lazyfree_trigger_names) },
	{ .key = "at", LAZYFREE_MEMBER(at), .none = UINT_MAX },
	{ .key = "fork", LAZYFREE_MEMBER(fork), .is_bool = true },
	{ .key = "other_mm", LAZYFREE_MEMBER(other_mm),
	  .names = lazyfree_other_mm_names,
	  .nr_names = ARRAY_SIZE(lazyfree_other_mm_names) },
	{ .key = "uffd_armed", LAZYFREE_MEMBER(uffd_armed), .is_bool = true },
	{ .key = "uffd_start", LAZYFREE_MEMBER(uffd_start) },
	{ .key = "uffd_len", LAZYFREE_MEMBER(uffd_len) },
};

static unsigned int lazyfree_field_get(const struct lazyfree_layout *l,
				       const struct lazyfree_field *f)
{
	const void *p = (const void *)l + f->offset;

	return f->is_bool ? *(const bool *)p : *(const unsigned int *)p;
}

static void lazyfree_field_set(struct lazyfree_layout *l,
			       const struct lazyfree_field *f, unsigned int v)
{
	void *p = (void *)l + f->offset;

	if (f->is_bool)
		*(bool *)p = v;
	else
		*(unsigned int *)p = v;
}

/**
 * lazyfree_write_fields() - write a layout as fields
 * @l: the layout
 * @entry: the reclaim entry it goes through
 * @buf: where to write
 * @size: @buf's size
 *
 * Writes "key=value" for every member of @l that is not left out, and the
 * entry, separated by ':', e.g.
 * "order=4:kind=pmd_straddle:split=3:trigger=pin:at=9:entry=reclaim", as
 * lazyfree_parse_fields() reads them.
 *
 * Return: the length written.
 */
int lazyfree_write_fields(const struct lazyfree_layout *l,
			  enum lazyfree_entry entry, char *buf, int size)
{
	const struct lazyfree_field *f;
	unsigned int v;
	int n = 0;

	for (f = lazyfree_fields; f < lazyfree_fields + ARRAY_SIZE(lazyfree_fields); f++) {
		v = lazyfree_field_get(l, f);
		if (v == f->none || (f->names && v < f->nr_names && !*f->names[v]))
			continue;
		if (f->names && v < f->nr_names)
			n += scnprintf(buf + n, size - n, "%s=%s:", f->key,
				       f->names[v]);
		else
			n += scnprintf(buf + n, size - n, "%s=%u:", f->key, v);
	}
	return n + scnprintf(buf + n, size - n, "entry=%s",
			     lazyfree_entry_names[entry]);
}

/**
 * lazyfree_field_value() - the name of a value of a layout's field
 * @key: the field's key, as lazyfree_write_fields() writes it
 * @v: the value
 *
 * Return: the name ("" for a value a name leaves out), or NULL if the
 * field has no names for its values.
 */
const char *lazyfree_field_value(const char *key, unsigned int v)
{
	const struct lazyfree_field *f;

	for (f = lazyfree_fields; f < lazyfree_fields + ARRAY_SIZE(lazyfree_fields); f++)
		if (!strcmp(key, f->key))
			return f->names && v < f->nr_names ? f->names[v] : NULL;
	return NULL;
}

/* The index of @s in the @n @names, or -1. */
static int lazyfree_name_index(const char *s, const char * const *names,
			       unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (*names[i] && !strcmp(s, names[i]))
			return i;
	return -1;
}

/**
 * lazyfree_parse_fields() - read a layout written by lazyfree_write_fields()
 * @fields: the fields; changed (split at the ':' and '=')
 * @l: the layout read
 * @entry: the entry read
 *
 * A field left out takes the value a layout without it has; whether the
 * layout is one the fixture can build is not checked here.
 *
 * Return: false for a key or value that is none, or no entry.
 */
bool lazyfree_parse_fields(char *fields, struct lazyfree_layout *l,
			   enum lazyfree_entry *entry)
{
	const struct lazyfree_field *f;
	char *field, *key;
	bool has_entry = false;
	unsigned int v;
	int i;

	memset(l, 0, sizeof(*l));
	for (f = lazyfree_fields; f < lazyfree_fields + ARRAY_SIZE(lazyfree_fields); f++)
		lazyfree_field_set(l, f, f->none);
	while ((field = strsep(&fields, ":"))) {
		key = strsep(&field, "=");
		if (!field)
			return false;
		if (!strcmp(key, "entry")) {
			i = lazyfree_name_index(field, lazyfree_entry_names,
						ARRAY_SIZE(lazyfree_entry_names));
			if (i < 0)
				return false;
			*entry = i;
			has_entry = true;
			continue;
		}
		for (f = lazyfree_fields; f < lazyfree_fields + ARRAY_SIZE(lazyfree_fields); f++)
			if (!strcmp(key, f->key))
				break;
		if (f == lazyfree_fields + ARRAY_SIZE(lazyfree_fields))
			return false;
		if (f->names) {
			i = lazyfree_name_index(field, f->names, f->nr_names);
			if (i < 0)
				return false;
			v = i;
		} else if (kstrtouint(field, 10, &v)) {
			return false;
		}
		lazyfree_field_set(l, f, v);
	}
	l->nr = l->order < PMD_ORDER ? 1U << l->order : 0;
	return has_entry;
}
