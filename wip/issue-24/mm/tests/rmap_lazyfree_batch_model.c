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

/*
 * Whether a batch holding PTE i - 1 must end before PTE i: at a hole, at the
 * end of a page table, at the end of a VMA, and where the write or the
 * soft-dirty bit changes (folio_unmap_pte_batch() uses FPB_RESPECT_WRITE
 * and FPB_RESPECT_SOFT_DIRTY).
 */
static bool lazyfree_batch_ends_before(const struct lazyfree_layout *l,
				       const struct lazyfree_fixture *fx,
				       unsigned int i)
{
	if (lazyfree_in_hole(l, i) || lazyfree_in_hole(l, i - 1))
		return true;
	if (IS_ALIGNED(lazyfree_page_addr(fx, i), PMD_SIZE))
		return true;
	if ((l->kind == LAZYFREE_VMA_STRADDLE ||
	     l->kind == LAZYFREE_VMA_STRADDLE_MLOCKED) && i == l->split)
		return true;
	if (IS_ENABLED(CONFIG_MEM_SOFT_DIRTY) &&
	    lazyfree_soft_dirty(l, i) != lazyfree_soft_dirty(l, i - 1))
		return true;
	return i == l->wrprotect || i - 1 == l->wrprotect;
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
 */
void lazyfree_model(const struct lazyfree_layout *l,
		    const struct lazyfree_fixture *fx,
		    enum lazyfree_trigger trigger,
		    enum lazyfree_entry entry,
		    struct lazyfree_expect *exp)
{
	bool redirtied = trigger == LAZYFREE_REDIRTY ||
			 trigger == LAZYFREE_REDIRTY_PIN;
	bool droppable = l->vma == LAZYFREE_VMA_DROPPABLE;
	unsigned int walk_end = l->nr, first = 0, dirty_batch = l->nr;
	unsigned int keep_from;
	bool cleared;

	if (l->vma == LAZYFREE_VMA_MLOCKED ||
	    (entry == LAZYFREE_MADV_PAGEOUT && l->fork))
		walk_end = 0;
	else if (l->kind == LAZYFREE_VMA_STRADDLE_MLOCKED)
		walk_end = l->split;
	while (first < l->nr && lazyfree_in_hole(l, first))
		first++;
	if (redirtied)
		dirty_batch = lazyfree_batch_start(l, fx, l->at);

	keep_from = walk_end;
	if (trigger == LAZYFREE_PIN || trigger == LAZYFREE_REDIRTY_PIN)
		keep_from = 0;
	else if (trigger == LAZYFREE_REDIRTY && !droppable)
		keep_from = min(keep_from, dirty_batch);
	cleared = dirty_batch < walk_end &&
		  (trigger == LAZYFREE_REDIRTY || dirty_batch == first);

	memset(exp, 0, sizeof(*exp));
	lazyfree_mapped_from(l, keep_from, exp->mapped);
	exp->dirty = redirtied && cleared;
	exp->swapbacked = exp->dirty && !droppable;
	exp->mlocked = l->vma == LAZYFREE_VMA_MLOCKED && !l->hole_len &&
		       l->kind == LAZYFREE_IN_TABLE;
}

/* Whether PTE @i lies in an mlocked VMA. */
bool lazyfree_in_mlocked_vma(const struct lazyfree_layout *l,
			     unsigned int i)
{
	return l->vma == LAZYFREE_VMA_MLOCKED ||
	       (l->kind == LAZYFREE_VMA_STRADDLE_MLOCKED && i >= l->split);
}

/*
 * What folio_referenced() must return: the number of VMAs in which it
 * found a young PTE of the folio.  Only PTE l->young of mm 0 is young
 * (lazyfree_age()), and it counts unless an mlocked VMA holds it: there
 * folio_referenced_one() counts the PTEs without looking at them (and
 * mlocks the folio if it finds it fully mapped in one page table).
 */
int lazyfree_model_referenced(const struct lazyfree_layout *l)
{
	return l->young != UINT_MAX && !lazyfree_in_mlocked_vma(l, l->young);
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
unsigned int lazyfree_model_looks(const struct lazyfree_layout *l,
				  const struct lazyfree_expect *exp,
				  unsigned int nr_pages)
{
	if (!bitmap_empty(exp->mapped, nr_pages) && !exp->swapbacked)
		return 0;
	return 1 + lazyfree_model_referenced(l);
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
bool lazyfree_model_split(const struct lazyfree_expect *exp,
			  unsigned int nr_pages, unsigned int pins)
{
	unsigned int mapped = bitmap_weight(exp->mapped, nr_pages);

	return IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) && nr_pages >= 4 &&
	       !pins && mapped && mapped < nr_pages;
}

static const char * const lazyfree_kind_names[] = {
	[LAZYFREE_IN_TABLE] = "in_table",
	[LAZYFREE_PMD_STRADDLE] = "pmd_straddle",
	[LAZYFREE_VMA_STRADDLE] = "vma_straddle",
	[LAZYFREE_VMA_STRADDLE_MLOCKED] = "mlocked_vma_straddle",
};

static const char * const lazyfree_trigger_names[] = {
	[LAZYFREE_CLEAN] = "",
	[LAZYFREE_REDIRTY] = "_redirty",
	[LAZYFREE_PIN] = "_pin",
	[LAZYFREE_REDIRTY_PIN] = "_redirty_pin",
};

static const char * const lazyfree_neighbour_names[] = {
	[LAZYFREE_NEIGHBOUR_NONE] = "",
	[LAZYFREE_NEIGHBOUR_AFTER] = "_neighbour_after",
	[LAZYFREE_NEIGHBOUR_BEFORE] = "_neighbour_before",
};

static const char * const lazyfree_vma_names[] = {
	[LAZYFREE_VMA_PLAIN] = "",
	[LAZYFREE_VMA_MLOCKED] = "_mlocked",
	[LAZYFREE_VMA_DROPPABLE] = "_droppable",
};

/*
 * Write a layout's name into @desc of @size bytes, e.g.
 * "order4_pmd_straddle_8_8_wrprotect_4_redirty_5", "faulted_order2_in_table";
 * returns its length.
 */
int lazyfree_name(const struct lazyfree_layout *l, char *desc, int size)
{
	int n;

	n = scnprintf(desc, size, "%sorder%u_%s",
		      l->source == LAZYFREE_FAULTED ? "faulted_" : "", l->order,
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
	n += scnprintf(desc + n, size - n, "%s%s%s",
		       lazyfree_vma_names[l->vma],
		       lazyfree_neighbour_names[l->neighbour],
		       l->predirty ? "_predirty" : "");
	if (l->fork)
		n += scnprintf(desc + n, size - n, "_forked");
	if (l->trigger != LAZYFREE_CLEAN)
		n += scnprintf(desc + n, size - n, "%s_%u",
			       lazyfree_trigger_names[l->trigger], l->at);
	return n;
}

static const char * const lazyfree_entry_names[] = {
	[LAZYFREE_TRY_TO_UNMAP] = "unmap",
	[LAZYFREE_RECLAIM_PAGES] = "reclaim",
	[LAZYFREE_MADV_PAGEOUT] = "pageout",
	[LAZYFREE_REFERENCES] = "references",
	[LAZYFREE_LRU] = "lru",
};

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

/* If *@s starts with @prefix, step over it. */
static bool lazyfree_eat(const char **s, const char *prefix)
{
	size_t len = strlen(prefix);

	if (strncmp(*s, prefix, len))
		return false;
	*s += len;
	return true;
}

/* If *@s starts with a decimal number below 1 << 16, step over it. */
static bool lazyfree_eat_uint(const char **s, unsigned int *v)
{
	const char *p = *s;
	unsigned int x = 0;

	if (!isdigit(*p))
		return false;
	while (isdigit(*p) && x < 1U << 16)
		x = x * 10 + (*p++ - '0');
	if (x >= 1U << 16)
		return false;
	*v = x;
	*s = p;
	return true;
}

/* The longest of the @n @names *@s starts with, stepped over; -1 if none. */
static int lazyfree_eat_name(const char **s, const char * const *names,
			     unsigned int n)
{
	size_t len, best_len = 0;
	unsigned int i;
	int best = -1;

	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		if (len >= best_len && !strncmp(*s, names[i], len)) {
			best = i;
			best_len = len;
		}
	}
	*s += best_len;
	return best;
}

/* "_<what>_<number>", if *@s starts so; *@v is left alone if not. */
static bool lazyfree_eat_field(const char **s, const char *what,
			       unsigned int *v)
{
	const char *p = *s;

	if (!lazyfree_eat(&p, what) || !lazyfree_eat_uint(&p, v))
		return false;
	*s = p;
	return true;
}

/*
 * Parse @name as lazyfree_name_entry() writes it into @l and @entry.
 * Returns false unless the whole name parsed, describes a layout (every
 * position inside the folio) and is written back the same.
 */
bool lazyfree_parse_layout(const char *name, struct lazyfree_layout *l,
			   enum lazyfree_entry *entry)
{
	char again[KUNIT_PARAM_DESC_SIZE];
	const char *s = name;
	unsigned int rest;
	int i;

	memset(l, 0, sizeof(*l));
	l->wrprotect = UINT_MAX;
	l->softclean = UINT_MAX;
	l->young = UINT_MAX;
	l->at = UINT_MAX;
	l->source = lazyfree_eat(&s, "faulted_") ? LAZYFREE_FAULTED :
						    LAZYFREE_HAND_BUILT;
	if (!lazyfree_eat(&s, "order") || !lazyfree_eat_uint(&s, &l->order) ||
	    !l->order || l->order >= PMD_ORDER || !lazyfree_eat(&s, "_"))
		return false;
	l->nr = 1U << l->order;
	i = lazyfree_eat_name(&s, lazyfree_kind_names,
			      ARRAY_SIZE(lazyfree_kind_names));
	if (i < 0)
		return false;
	l->kind = i;
	if (l->kind != LAZYFREE_IN_TABLE &&
	    (!lazyfree_eat_field(&s, "_", &l->split) ||
	     !lazyfree_eat_field(&s, "_", &rest) || !l->split ||
	     l->split + rest != l->nr))
		return false;
	if (lazyfree_eat_field(&s, "_hole_", &l->hole_start) &&
	    (!lazyfree_eat_field(&s, "_", &l->hole_len) || !l->hole_len ||
	     l->hole_start + l->hole_len > l->nr))
		return false;
	lazyfree_eat_field(&s, "_wrprotect_", &l->wrprotect);
	lazyfree_eat_field(&s, "_softclean_", &l->softclean);
	lazyfree_eat_field(&s, "_young_", &l->young);
	l->vma = max(0, lazyfree_eat_name(&s, lazyfree_vma_names,
					  ARRAY_SIZE(lazyfree_vma_names)));
	l->neighbour = max(0, lazyfree_eat_name(&s, lazyfree_neighbour_names,
						ARRAY_SIZE(lazyfree_neighbour_names)));
	l->predirty = lazyfree_eat(&s, "_predirty");
	l->fork = lazyfree_eat(&s, "_forked");
	l->trigger = max(0, lazyfree_eat_name(&s, lazyfree_trigger_names,
					      ARRAY_SIZE(lazyfree_trigger_names)));
	if (l->trigger != LAZYFREE_CLEAN && !lazyfree_eat_field(&s, "_", &l->at))
		return false;
	if (!lazyfree_eat(&s, "_"))
		return false;
	i = lazyfree_eat_name(&s, lazyfree_entry_names,
			      ARRAY_SIZE(lazyfree_entry_names));
	if (i < 0 || *s)
		return false;
	*entry = i;
	if ((l->wrprotect != UINT_MAX && l->wrprotect >= l->nr) ||
	    (l->softclean != UINT_MAX && l->softclean >= l->nr) ||
	    (l->young != UINT_MAX && l->young >= l->nr) ||
	    (l->at != UINT_MAX && l->at >= l->nr))
		return false;
	lazyfree_name_entry(l, *entry, again, sizeof(again));
	return !strcmp(again, name);
}
