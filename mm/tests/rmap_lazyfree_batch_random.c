// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for batched unmap of lazyfree large folios: random layouts,
 * with the model as the oracle.
 */

#include "rmap_lazyfree_batch.h"

/*
 * random_layouts draws layouts from a PRNG seeded with
 * rmap_lazyfree_batch_kunit.random_seed (default 1) and runs
 * lazyfree_random_count of them (boot parameter ...random_count) from
 * index ...random_first on (default 0; the ones before are drawn and
 * dropped): every dimension of the scenario table combined freely, each
 * through one reclaim entry, with the end state from lazyfree_model().
 * The same seed gives the same layout at each index in every boot; each
 * result is named after its seed, its index and its layout, and
 * random_first=index random_count=1 runs that one alone.  Left out, as in
 * the table: what the fixture cannot build or the model does not decide
 * (see lazyfree_draw()).
 */
static unsigned int lazyfree_random_seed = 1;
module_param_named(random_seed, lazyfree_random_seed, uint, 0444);
MODULE_PARM_DESC(random_seed, "seed of the random_layouts case");

/*
 * 3000 where the folios are only hand-built (on UML the case then runs in
 * under a second); 1500 where half the layouts are on faulted folios,
 * which is slower under emulation (x86_64 under QEMU's TCG).
 */
static unsigned int lazyfree_random_count = LAZYFREE_CAN_FAULT ? 1500 : 3000;
module_param_named(random_count, lazyfree_random_count, uint, 0444);
MODULE_PARM_DESC(random_count, "number of layouts random_layouts runs");

static unsigned int lazyfree_random_first;
module_param_named(random_first, lazyfree_random_first, uint, 0444);
MODULE_PARM_DESC(random_first, "index of the first layout random_layouts runs");

/*
 * Layouts given instead of a draw, separated by commas: a drawn layout's
 * name as random_layouts wrote it ("seed<S>_<I>_..."), which runs layout I
 * of seed S, or a layout's fields as a failing layout's report gives them
 * (lazyfree_write_fields()), e.g. "order=4:kind=in_table:entry=unmap":
 * to run a failing layout again alone, or smaller ones made from it.
 */
static char *lazyfree_random_layout;
module_param_named(random_layout, lazyfree_random_layout, charp, 0444);
MODULE_PARM_DESC(random_layout,
		 "run only these layouts (names or fields, comma-separated) in random_layouts");

/**
 * struct lazyfree_random_layout - one parameter of random_layouts
 * @l: the layout
 * @entry: the reclaim entry it goes through
 * @seed: the seed it was drawn with
 * @index: its index in the draw
 * @given: its fields given by random_layout=, not drawn
 * @drawable: a layout lazyfree_draw() can draw (lazyfree_random_drawable());
 *	a given one that is not is skipped
 */
struct lazyfree_random_layout {
	struct lazyfree_layout l;
	enum lazyfree_entry entry;
	unsigned int seed;
	unsigned int index;
	bool given;
	bool drawable;
};

/* A number in [0, @n). */
static unsigned int lazyfree_rand(struct rnd_state *rnd, unsigned int n)
{
	return prandom_u32_state(rnd) % n;
}

/* True @percent times in a hundred. */
static bool lazyfree_chance(struct rnd_state *rnd, unsigned int percent)
{
	return lazyfree_rand(rnd, 100) < percent;
}

/* A PTE of @l outside its hole. */
static unsigned int lazyfree_rand_mapped(struct rnd_state *rnd,
					 const struct lazyfree_layout *l)
{
	unsigned int i = lazyfree_rand(rnd, l->nr - l->hole_len);

	return i < l->hole_start ? i : i + l->hole_len;
}

/*
 * Draw the layout's shape: source (faulted half the time where the kernel
 * makes folios), order, kind and split, hole (any start and length that
 * leave a PTE mapped), a write-protected PTE, soft-dirty bits
 * (CONFIG_MEM_SOFT_DIRTY only), the folio's own VMA (in one page table or
 * across a PMD, as the table has it), a neighbour (hand-built, in one page
 * table, plain VMA), predirty (faulted only).
 */
static void lazyfree_draw_shape(struct rnd_state *rnd, struct lazyfree_layout *l)
{
	unsigned int min_order = 1;

	memset(l, 0, sizeof(*l));
	l->source = LAZYFREE_HAND_BUILT;
	if (LAZYFREE_CAN_FAULT && lazyfree_chance(rnd, 50)) {
		l->source = LAZYFREE_FAULTED;
		min_order = LAZYFREE_MIN_FAULT_ORDER;
	}
	l->order = min_order + lazyfree_rand(rnd, PMD_ORDER - min_order);
	l->nr = 1U << l->order;
	l->kind = lazyfree_rand(rnd, LAZYFREE_MLOCKED_VMA_STRADDLE + 1);
	if (l->kind != LAZYFREE_IN_TABLE)
		l->split = 1 + lazyfree_rand(rnd, l->nr - 1);
	if (lazyfree_chance(rnd, 40)) {
		l->hole_start = lazyfree_rand(rnd, l->nr);
		l->hole_len = 1 + lazyfree_rand(rnd, l->nr - l->hole_start);
		if (l->hole_len == l->nr)
			l->hole_len--;
	}
	l->wrprotect = lazyfree_chance(rnd, 30) ? lazyfree_rand_mapped(rnd, l) :
						 UINT_MAX;
	l->softclean = IS_ENABLED(CONFIG_MEM_SOFT_DIRTY) &&
		       lazyfree_chance(rnd, 30) ? lazyfree_rand(rnd, l->nr) :
						  UINT_MAX;
	l->young = UINT_MAX;
	if ((l->kind == LAZYFREE_IN_TABLE || l->kind == LAZYFREE_PMD_STRADDLE) &&
	    lazyfree_chance(rnd, 20))
		l->vma = lazyfree_chance(rnd, 50) || VM_DROPPABLE == VM_NONE ?
			 LAZYFREE_VMA_MLOCKED : LAZYFREE_VMA_DROPPABLE;
	if (l->kind == LAZYFREE_IN_TABLE && l->source == LAZYFREE_HAND_BUILT &&
	    l->vma == LAZYFREE_VMA_PLAIN && lazyfree_chance(rnd, 25))
		l->neighbour = lazyfree_chance(rnd, 50) ? LAZYFREE_NEIGHBOUR_AFTER :
							  LAZYFREE_NEIGHBOUR_BEFORE;
	l->predirty = l->source == LAZYFREE_FAULTED && lazyfree_chance(rnd, 25);
}

/* The entries lazyfree_draw() chooses from, in the order it lists them. */
static const enum lazyfree_entry lazyfree_draw_entries[] = {
	LAZYFREE_TRY_TO_UNMAP,
	LAZYFREE_REFERENCES,
	LAZYFREE_RECLAIM_PAGES,
	LAZYFREE_MADV_PAGEOUT,
	LAZYFREE_LRU,
};

/*
 * Whether a random layout may go through @entry: as lazyfree_row_runs()
 * has it for the table, and reclaim_pages() or LRU reclaim in an mlocked
 * VMA only for a folio that is not pinned (see lazyfree_draw()).  Not
 * through MADV_PAGEOUT where uffd-wp bits differ: folio_pte_batch() ends
 * a batch where the bit changes, so MADV_PAGEOUT takes the folio for a
 * partly mapped one, and splits it (as lazyfree_pageout_splits() says
 * for contiguous bits).
 */
static bool lazyfree_random_entry_runs(const struct lazyfree_layout *l,
				       enum lazyfree_entry entry)
{
	switch (entry) {
	case LAZYFREE_RECLAIM_PAGES:
	case LAZYFREE_LRU:
		return l->vma == LAZYFREE_VMA_PLAIN ||
		       (l->vma == LAZYFREE_VMA_MLOCKED &&
			(l->trigger == LAZYFREE_CLEAN ||
			 l->trigger == LAZYFREE_REDIRTY));
	case LAZYFREE_MADV_PAGEOUT:
		return l->vma == LAZYFREE_VMA_PLAIN &&
		       (l->fork || (l->kind == LAZYFREE_IN_TABLE && !l->hole_len)) &&
		       (!l->uffd_len || l->uffd_len == l->nr) &&
		       !lazyfree_pageout_splits(l);
	default:
		return true;
	}
}

/*
 * Draw a layout and its entry.  A fork only with a plain VMA, no mlocked
 * part and no neighbour (the child's VMA is not mlocked, and which mm the
 * rmap walk visits first would decide the end state; the neighbour would
 * be shared), and only with no trigger or a pin (a write would COW).  A
 * redirtied PTE is not the write-protected one (its write fault would
 * COW).  The entry is one the layout runs through (lazyfree_row_runs()),
 * and not reclaim_pages() or LRU reclaim for a pinned folio in an mlocked
 * VMA: the first attempt mlocks it, and the second would hand reclaim an
 * unevictable folio, which no caller does (shrink_folio_list() BUGs).  A
 * young PTE only with references checked, by folio_referenced() or by
 * LRU reclaim, the entries that look at it.
 */
static void lazyfree_draw_anon(struct rnd_state *rnd,
			       struct lazyfree_random_layout *r)
{
	enum lazyfree_entry entries[ARRAY_SIZE(lazyfree_draw_entries)];
	struct lazyfree_layout *l = &r->l;
	unsigned int i, nr_entries = 0;

	lazyfree_draw_shape(rnd, l);
	l->fork = l->vma == LAZYFREE_VMA_PLAIN &&
		  l->kind != LAZYFREE_MLOCKED_VMA_STRADDLE &&
		  l->neighbour == LAZYFREE_NEIGHBOUR_NONE &&
		  lazyfree_chance(rnd, 20);
	l->trigger = lazyfree_rand(rnd, LAZYFREE_REDIRTY_PIN + 1);
	if (l->fork && l->trigger != LAZYFREE_CLEAN)
		l->trigger = LAZYFREE_PIN;
	l->at = UINT_MAX;
	if (l->trigger != LAZYFREE_CLEAN)
		l->at = lazyfree_rand_mapped(rnd, l);
	if ((l->trigger == LAZYFREE_REDIRTY || l->trigger == LAZYFREE_REDIRTY_PIN) &&
	    l->at == l->wrprotect)
		l->wrprotect = UINT_MAX;

	for (i = 0; i < ARRAY_SIZE(lazyfree_draw_entries); i++)
		if (lazyfree_random_entry_runs(l, lazyfree_draw_entries[i]))
			entries[nr_entries++] = lazyfree_draw_entries[i];
	r->entry = entries[lazyfree_rand(rnd, nr_entries)];
	if ((r->entry == LAZYFREE_REFERENCES || r->entry == LAZYFREE_LRU) &&
	    lazyfree_chance(rnd, 50))
		l->young = lazyfree_rand_mapped(rnd, l);
}

/**
 * struct lazyfree_draws - the PRNG streams of a seed
 * @anon: draws each layout as an anon one (lazyfree_draw_anon())
 * @file: one number per layout: whether it becomes a shmem folio (a
 *	quarter of the time; half where the kernel faults shmem folios in,
 *	which has fewer layouts to draw them in)
 * @uffd: three numbers per layout: whether it goes under uffd-wp, and
 *	which PTEs are write-protected by it
 * @split: one number per layout: whether a faulted shmem folio goes
 *	through a split (where the kernel faults them in)
 * @punch: one number per layout: whether that split is a hole punch's
 *	(half of them) rather than split_folio()'s
 * @other: two numbers per layout: whether a faulted shmem folio through
 *	try_to_unmap(), not forked, is mapped by a second mm of its own too
 *	(a quarter of them; &enum lazyfree_other_mm), and whether that
 *	mapping is mlocked (half of those)
 * @regular: one number per layout: whether a faulted shmem folio through
 *	try_to_unmap(), reclaim_pages() or MADV_PAGEOUT becomes a regular
 *	file's (half of them, where the fixture makes those)
 *
 * One stream per dimension added later, so that adding it left the
 * layouts of every seed as they were before (the mutants they catch, the
 * examples in the docs) but for that dimension.  (Faulted shmem layouts
 * keeping the anon draw's reclaim_pages() or MADV_PAGEOUT changed the
 * entries of those, not their layouts.)
 */
struct lazyfree_draws {
	struct rnd_state anon;
	struct rnd_state file;
	struct rnd_state uffd;
	struct rnd_state split;
	struct rnd_state punch;
	struct rnd_state other;
	struct rnd_state regular;
};

static void lazyfree_draws_init(struct lazyfree_draws *d, unsigned int seed)
{
	prandom_seed_state(&d->anon, seed);
	prandom_seed_state(&d->file, ((u64)seed << 32) | 0x73686d);
	prandom_seed_state(&d->uffd, ((u64)seed << 32) | 0x756666);
	prandom_seed_state(&d->split, ((u64)seed << 32) | 0x73706c);
	prandom_seed_state(&d->punch, ((u64)seed << 32) | 0x70756e);
	prandom_seed_state(&d->other, ((u64)seed << 32) | 0x6f7468);
	prandom_seed_state(&d->regular, ((u64)seed << 32) | 0x726567);
}

/*
 * Draw the next layout: an anon one, made a shmem folio (hand-built or
 * faulted as it was) where the file stream says so and the fixture can
 * make it (lazyfree_source_makes(): nothing only anon folios have), through
 * reclaim_pages() or MADV_PAGEOUT where the anon draw says so and the
 * fixture can (faulted), else try_to_unmap(); or, a quarter of the time
 * where it can (faulted), a split (split_folio() or, half of those, a
 * hole punch), with no young PTE (nothing looks at it there), and, a
 * quarter of the time where the fixture can, mapped by a second mm of its
 * own too; half of the faulted shmem ones that can, a regular file's folio
 * instead (nothing writes to it: no write-protected PTE, a write trigger
 * dropped, a pin kept); then, a
 * quarter of the time where the fixture can, put under uffd-wp, its
 * write-protected PTEs any run of them (none included; all or none
 * through MADV_PAGEOUT, see lazyfree_random_entry_runs()).
 */
static void lazyfree_draw(struct lazyfree_draws *d,
			  struct lazyfree_random_layout *r)
{
	bool file = lazyfree_chance(&d->file, LAZYFREE_CAN_FAULT ? 50 : 25);
	bool split = lazyfree_chance(&d->split, 25);
	bool punch = lazyfree_chance(&d->punch, 50);
	bool other = lazyfree_chance(&d->other, 25);
	bool other_mlocked = lazyfree_chance(&d->other, 50);
	bool uffd_wp = lazyfree_chance(&d->uffd, 25);
	bool regular = lazyfree_chance(&d->regular, 50);
	struct lazyfree_layout *l = &r->l, shmem, regfile;
	unsigned int start, len;

	lazyfree_draw_anon(&d->anon, r);
	start = lazyfree_rand(&d->uffd, l->nr);
	len = lazyfree_rand(&d->uffd, l->nr - start + 1);
	shmem = *l;
	shmem.source = l->source == LAZYFREE_FAULTED ? LAZYFREE_FAULTED_SHMEM :
						       LAZYFREE_SHMEM;
	shmem.young = UINT_MAX;
	if (file && lazyfree_source_makes(&shmem, LAZYFREE_TRY_TO_UNMAP)) {
		*l = shmem;
		if ((r->entry != LAZYFREE_RECLAIM_PAGES &&
		     r->entry != LAZYFREE_MADV_PAGEOUT) ||
		    !lazyfree_source_makes(l, r->entry))
			r->entry = LAZYFREE_TRY_TO_UNMAP;
		if (split && lazyfree_source_makes(l, LAZYFREE_SPLIT))
			r->entry = punch ? LAZYFREE_PUNCH_HOLE : LAZYFREE_SPLIT;
		l->other_mm = other_mlocked ? LAZYFREE_OTHER_MM_MLOCKED :
					      LAZYFREE_OTHER_MM_PLAIN;
		if (!other || !lazyfree_source_makes(l, r->entry))
			l->other_mm = LAZYFREE_OTHER_MM_NONE;
		regfile = *l;
		regfile.source = LAZYFREE_FILE;
		regfile.wrprotect = UINT_MAX;
		if (regfile.trigger == LAZYFREE_REDIRTY)
			regfile.at = UINT_MAX;
		regfile.trigger = regfile.trigger == LAZYFREE_REDIRTY_PIN ? LAZYFREE_PIN :
			       regfile.trigger == LAZYFREE_REDIRTY ? LAZYFREE_CLEAN :
			       regfile.trigger;
		if (regular && l->source == LAZYFREE_FAULTED_SHMEM &&
		    lazyfree_source_makes(&regfile, r->entry))
			*l = regfile;
	}
	l->uffd_armed = uffd_wp;
	if (!lazyfree_source_makes(l, r->entry)) {
		l->uffd_armed = false;
	} else if (uffd_wp && len &&
		   (r->entry != LAZYFREE_MADV_PAGEOUT || len == l->nr)) {
		l->uffd_start = start;
		l->uffd_len = len;
	}
}

/* Whether @i is one of @l's PTEs (not UINT_MAX), outside its hole. */
static bool lazyfree_random_mapped(const struct lazyfree_layout *l,
				   unsigned int i)
{
	return i < l->nr && !lazyfree_in_hole(l, i);
}

/*
 * Whether lazyfree_draw() can draw @r: the rules above, stated as a test
 * of a layout.  random_layouts checks every draw against it, and skips a
 * layout given by name that fails it, so that whoever makes a failing
 * layout smaller need not know them.
 */
static bool lazyfree_random_drawable(const struct lazyfree_random_layout *r)
{
	const struct lazyfree_layout *l = &r->l;
	bool faulted = l->source == LAZYFREE_FAULTED;
	bool writes = l->trigger == LAZYFREE_REDIRTY ||
		      l->trigger == LAZYFREE_REDIRTY_PIN;

	if (!lazyfree_source_makes(l, r->entry) || l->order >= PMD_ORDER ||
	    l->order < (faulted ? LAZYFREE_MIN_FAULT_ORDER : 1) ||
	    l->nr != 1U << l->order)
		return false;
	if (l->uffd_start + l->uffd_len > l->nr ||
	    (l->uffd_start && !l->uffd_len) || (l->uffd_len && !l->uffd_armed))
		return false;
	if (l->kind == LAZYFREE_IN_TABLE ? l->split : !l->split || l->split >= l->nr)
		return false;
	if (l->hole_len >= l->nr || l->hole_start + l->hole_len > l->nr)
		return false;
	if ((l->wrprotect != UINT_MAX && !lazyfree_random_mapped(l, l->wrprotect)) ||
	    (l->young != UINT_MAX && !lazyfree_random_mapped(l, l->young)) ||
	    (l->softclean != UINT_MAX &&
	     (!IS_ENABLED(CONFIG_MEM_SOFT_DIRTY) || l->softclean >= l->nr)))
		return false;
	if (l->trigger == LAZYFREE_CLEAN ? l->at != UINT_MAX :
					   !lazyfree_random_mapped(l, l->at))
		return false;
	if (l->vma != LAZYFREE_VMA_PLAIN && l->kind != LAZYFREE_IN_TABLE &&
	    l->kind != LAZYFREE_PMD_STRADDLE)
		return false;
	if (l->vma == LAZYFREE_VMA_DROPPABLE && VM_DROPPABLE == VM_NONE)
		return false;
	if (l->neighbour != LAZYFREE_NEIGHBOUR_NONE &&
	    (l->kind != LAZYFREE_IN_TABLE || l->vma != LAZYFREE_VMA_PLAIN))
		return false;
	if (l->fork && (l->vma != LAZYFREE_VMA_PLAIN ||
			l->kind == LAZYFREE_MLOCKED_VMA_STRADDLE ||
			l->neighbour != LAZYFREE_NEIGHBOUR_NONE ||
			(l->trigger != LAZYFREE_CLEAN && l->trigger != LAZYFREE_PIN)))
		return false;
	if (writes && l->at == l->wrprotect)
		return false;
	if (l->young != UINT_MAX && r->entry != LAZYFREE_REFERENCES &&
	    r->entry != LAZYFREE_LRU)
		return false;
	return lazyfree_random_entry_runs(l, r->entry);
}

/* e.g. "seed1_17_order5_pmd_straddle_3_29_hole_0_4_pin_9_reclaim" */
static void lazyfree_random_describe(struct kunit *test, const void *param,
				     char *desc)
{
	const struct lazyfree_random_layout *r = param;
	int n = 0;

	if (!r->given)
		n = scnprintf(desc, KUNIT_PARAM_DESC_SIZE, "seed%u_%u_",
			      r->seed, r->index);
	lazyfree_name_entry(&r->l, r->entry, desc + n, KUNIT_PARAM_DESC_SIZE - n);
}

/* Draw layouts 0 to @index of @seed into @r: the last one stays. */
static void lazyfree_draw_index(struct lazyfree_random_layout *r,
				unsigned int seed, unsigned int index)
{
	struct lazyfree_draws d;
	unsigned int i;

	lazyfree_draws_init(&d, seed);
	for (i = 0; i <= index; i++)
		lazyfree_draw(&d, r);
	r->seed = seed;
	r->index = index;
	r->drawable = lazyfree_random_drawable(r);
}

/*
 * The layout random_layout= gives as @text, a drawn layout's name or a
 * layout's fields, into @r; false if it is neither.
 */
static bool lazyfree_parse_given(char *text, struct lazyfree_random_layout *r)
{
	char name[KUNIT_PARAM_DESC_SIZE];
	unsigned int seed, index;

	if (sscanf(text, "seed%u_%u_", &seed, &index) == 2) {
		lazyfree_draw_index(r, seed, index);
		lazyfree_random_describe(NULL, r, name);
		return !strcmp(name, text);
	}
	if (!lazyfree_parse_fields(text, &r->l, &r->entry))
		return false;
	r->given = true;
	r->drawable = lazyfree_random_drawable(r);
	return true;
}

/*
 * The layouts random_layout= gives, in @layouts (room for as many as it has
 * commas and one more); their number, or -EINVAL for one that is none.
 */
static int lazyfree_parse_layouts(struct kunit *test,
				  struct lazyfree_random_layout *layouts)
{
	char *texts, *rest, *text;
	int n = 0;

	texts = kstrdup(lazyfree_random_layout, GFP_KERNEL);
	if (!texts)
		return -ENOMEM;
	rest = texts;
	while ((text = strsep(&rest, ","))) {
		if (!lazyfree_parse_given(text, &layouts[n++])) {
			kunit_err(test, "random_layout=: %s is no drawn layout's name and no layout's fields",
				  text);
			kfree(texts);
			return -EINVAL;
		}
	}
	kfree(texts);
	return n;
}

static int lazyfree_random_params_init(struct kunit *test)
{
	unsigned int i, first = lazyfree_random_first;
	unsigned int count = min(lazyfree_random_count, UINT_MAX - first);
	struct lazyfree_random_layout *layouts;
	struct lazyfree_draws d;
	const char *c;
	int given;

	if (lazyfree_random_layout)
		for (count = 1, c = lazyfree_random_layout; *c; c++)
			count += *c == ',';
	layouts = kunit_kcalloc(test, max(count, 1U), sizeof(*layouts),
				GFP_KERNEL);
	if (!layouts)
		return -ENOMEM;
	if (lazyfree_random_layout) {
		given = lazyfree_parse_layouts(test, layouts);
		if (given < 0)
			return given;
		kunit_register_params_array(test, layouts, given,
					    lazyfree_random_describe);
		return 0;
	}
	lazyfree_draws_init(&d, lazyfree_random_seed);
	for (i = 0; i < first + count; i++) {
		struct lazyfree_random_layout *r = &layouts[i < first ? 0 : i - first];

		lazyfree_draw(&d, r);
		r->seed = lazyfree_random_seed;
		r->index = i;
		r->drawable = lazyfree_random_drawable(r);
		if (!r->drawable) {
			kunit_err(test, "seed %u, layout %u: lazyfree_draw() drew what lazyfree_random_drawable() refuses",
				  lazyfree_random_seed, i);
			return -EINVAL;
		}
	}
	kunit_info(test, "%u layouts of seed %u from index %u\n", count,
		   lazyfree_random_seed, first);
	kunit_register_params_array(test, layouts, count,
				    lazyfree_random_describe);
	return 0;
}

/* ===== A layout as a row of the table ===== */

static const char * const lazyfree_pos_names[] = {
	[LAZYFREE_POS_NONE] = "",
	[LAZYFREE_POS_FIRST] = "first",
	[LAZYFREE_POS_SECOND] = "second",
	[LAZYFREE_POS_QUARTER] = "quarter",
	[LAZYFREE_POS_AFTER_QUARTER] = "after_quarter",
	[LAZYFREE_POS_HALF] = "half",
	[LAZYFREE_POS_LAST] = "last",
};

static const char * const lazyfree_hole_names[] = {
	[LAZYFREE_HOLE_NONE] = "",
	[LAZYFREE_HOLE_HEAD] = "head",
	[LAZYFREE_HOLE_MIDDLE] = "middle",
	[LAZYFREE_HOLE_TAIL] = "tail",
};

static const char * const lazyfree_uffd_wp_names[] = {
	[LAZYFREE_UFFD_WP_NONE] = "",
	[LAZYFREE_UFFD_WP_ARMED] = "armed",
	[LAZYFREE_UFFD_WP_HEAD] = "head",
	[LAZYFREE_UFFD_WP_MIDDLE] = "middle",
	[LAZYFREE_UFFD_WP_TAIL] = "tail",
	[LAZYFREE_UFFD_WP_ALL] = "all",
};

/* The position naming PTE @i of a folio of @nr pages; LAZYFREE_POS_NONE if none. */
static enum lazyfree_pos lazyfree_pos_of(unsigned int i, unsigned int nr)
{
	enum lazyfree_pos pos;

	for (pos = LAZYFREE_POS_FIRST; pos <= LAZYFREE_POS_LAST; pos++)
		if (lazyfree_pos_index(pos, nr) == i)
			return pos;
	return LAZYFREE_POS_NONE;
}

/**
 * lazyfree_write_positions() - the PTEs the table can name at an order
 * @order: the folio order
 * @buf: where to write
 * @size: @buf's size
 *
 * Writes the PTE index of each position and the first PTE and length of
 * each hole, e.g. "0,1,4,5,8,15 holes 0+4,8+4,12+4" at order 4.
 *
 * Return: the length written.
 */
static int lazyfree_write_positions(unsigned int order, char *buf, int size)
{
	unsigned int nr = 1U << order, start, len;
	enum lazyfree_hole hole;
	enum lazyfree_pos pos;
	int n = 0;

	for (pos = LAZYFREE_POS_FIRST; pos <= LAZYFREE_POS_LAST; pos++)
		n += scnprintf(buf + n, size - n, "%s%u",
			       pos == LAZYFREE_POS_FIRST ? "" : ",",
			       lazyfree_pos_index(pos, nr));
	for (hole = LAZYFREE_HOLE_HEAD; hole <= LAZYFREE_HOLE_TAIL; hole++) {
		lazyfree_hole_range(hole, nr, &start, &len);
		n += scnprintf(buf + n, size - n, "%s%u+%u",
			       hole == LAZYFREE_HOLE_HEAD ? " holes " : ",",
			       start, len);
	}
	return n;
}

/* ":key=name" of @v in @names, if it is not the first ("" or none). */
static int lazyfree_write_named(char *buf, int size, const char *key,
				const char *name)
{
	return *name ? scnprintf(buf, size, ":%s=%s", key, name) : 0;
}

/**
 * lazyfree_write_row() - write a layout as a row of the scenario table
 * @l: the layout
 * @entry: the reclaim entry it goes through
 * @buf: where to write
 * @size: @buf's size
 *
 * Finds the row of lazyfree_scenarios[] (of the uffd-wp rows' table, for a
 * layout under uffd-wp) that lazyfree_resolve() makes @l of at @l's order
 * and that runs through @entry, and writes the case that runs it and its
 * members as "key=value" separated by ':', e.g.
 * "try_to_unmap_scenarios kind=pmd_straddle:split=half:trigger=pin:at=last:min_order=4";
 * or "none: " and why there is no such row.
 *
 * Return: the length written.
 */
static int lazyfree_write_row(const struct lazyfree_layout *l,
			      enum lazyfree_entry entry, char *buf, int size)
{
	struct lazyfree_row row = {
		.kind = l->kind,
		.split = l->kind == LAZYFREE_IN_TABLE ? LAZYFREE_POS_NONE :
			 lazyfree_pos_of(l->split, l->nr),
		.wrprotect = lazyfree_pos_of(l->wrprotect, l->nr),
		.softclean = lazyfree_pos_of(l->softclean, l->nr),
		.young = lazyfree_pos_of(l->young, l->nr),
		.vma = l->vma,
		.neighbour = l->neighbour,
		.predirty = l->predirty,
		.trigger = l->trigger,
		.at = lazyfree_pos_of(l->at, l->nr),
		.fork = l->fork,
		.other_mm = l->other_mm,
		.min_order = l->order > 1 ? l->order : 0,
	};
	struct lazyfree_layout again;
	unsigned int start, len;
	const char *c;
	int n;

	for (row.hole = LAZYFREE_HOLE_NONE; row.hole <= LAZYFREE_HOLE_TAIL; row.hole++) {
		lazyfree_hole_range(row.hole, l->nr, &start, &len);
		if (start == l->hole_start && len == l->hole_len)
			break;
	}
	row.reclaim = row.young == LAZYFREE_POS_NONE &&
		     (entry == LAZYFREE_RECLAIM_PAGES ||
		      entry == LAZYFREE_REFERENCES || entry == LAZYFREE_LRU);
	if (row.hole > LAZYFREE_HOLE_TAIL)
		return scnprintf(buf, size, "none: hole %u+%u is no hole the table names",
				 l->hole_start, l->hole_len);
	for (row.uffd_wp = LAZYFREE_UFFD_WP_NONE; row.uffd_wp < LAZYFREE_UFFD_WP_ALL;
	     row.uffd_wp++) {
		lazyfree_resolve(&row, l->order, l->source, &again);
		if (again.uffd_armed == l->uffd_armed &&
		    again.uffd_start == l->uffd_start && again.uffd_len == l->uffd_len)
			break;
	}
	lazyfree_resolve(&row, l->order, l->source, &again);
	if (memcmp(&again, l, sizeof(again)))
		return scnprintf(buf, size, "none: a PTE of it is at no position the table names");
	c = row.uffd_wp == LAZYFREE_UFFD_WP_NONE ? lazyfree_entry_case(entry) :
	    LAZYFREE_CAN_UFFD_WP ? lazyfree_uffd_wp_case(entry) : NULL;
	if (!c || !lazyfree_row_runs(&row, entry))
		return scnprintf(buf, size, "none: no row like it runs through %s",
				 c ?: lazyfree_entry_case(entry));
	n = scnprintf(buf, size, "%s kind=%s", c,
		      lazyfree_field_value("kind", row.kind));
	n += lazyfree_write_named(buf + n, size - n, "split",
				  lazyfree_pos_names[row.split]);
	n += lazyfree_write_named(buf + n, size - n, "hole",
				  lazyfree_hole_names[row.hole]);
	n += lazyfree_write_named(buf + n, size - n, "wrprotect",
				  lazyfree_pos_names[row.wrprotect]);
	n += lazyfree_write_named(buf + n, size - n, "softclean",
				  lazyfree_pos_names[row.softclean]);
	n += lazyfree_write_named(buf + n, size - n, "young",
				  lazyfree_pos_names[row.young]);
	n += lazyfree_write_named(buf + n, size - n, "vma",
				  lazyfree_field_value("vma", row.vma));
	n += lazyfree_write_named(buf + n, size - n, "neighbour",
				  lazyfree_field_value("neighbour", row.neighbour));
	n += lazyfree_write_named(buf + n, size - n, "predirty",
				  row.predirty ? "true" : "");
	n += lazyfree_write_named(buf + n, size - n, "trigger",
				  lazyfree_field_value("trigger", row.trigger));
	n += lazyfree_write_named(buf + n, size - n, "at",
				  lazyfree_pos_names[row.at]);
	n += lazyfree_write_named(buf + n, size - n, "fork",
				  row.fork ? "true" : "");
	n += lazyfree_write_named(buf + n, size - n, "other_mm",
				  lazyfree_field_value("other_mm", row.other_mm));
	n += lazyfree_write_named(buf + n, size - n, "uffd_wp",
				  lazyfree_uffd_wp_names[row.uffd_wp]);
	if (row.min_order)
		n += scnprintf(buf + n, size - n, ":min_order=%u", row.min_order);
	return n + lazyfree_write_named(buf + n, size - n, "reclaim",
					row.reclaim ? "true" : "");
}

/*
 * After a layout failed, say what it takes to run it again alone, and to
 * make a smaller one: its fields, the PTEs the table can name at its
 * order, and the row of the table it is, if it is one.
 */
static void lazyfree_random_report_action(void *param)
{
	const struct lazyfree_random_layout *r = param;
	struct kunit *test = kunit_get_current_test();
	char buf[256];

	if (!test || test->status != KUNIT_FAILURE)
		return;
	lazyfree_write_fields(&r->l, r->entry, buf, sizeof(buf));
	kunit_info(test, "fields %s\n", buf);
	lazyfree_write_positions(r->l.order, buf, sizeof(buf));
	kunit_info(test, "positions %s\n", buf);
	lazyfree_write_row(&r->l, r->entry, buf, sizeof(buf));
	kunit_info(test, "row %s\n", buf);
}

/* Random layouts, each through its entry, against the model. */
static void random_layouts(struct kunit *test)
{
	const struct lazyfree_random_layout *r = test->param_value;
	int ret;

	if (!r->drawable)
		kunit_skip(test, "a layout lazyfree_draw() never draws");
	/* Runs last, after the fixture's own cleanup has checked too. */
	ret = kunit_add_action(test, lazyfree_random_report_action, (void *)r);
	KUNIT_ASSERT_EQ(test, ret, 0);
	lazyfree_run_layout(test, &r->l, r->entry);
}

static struct kunit_case rmap_lazyfree_batch_random_test_cases[] = {
	KUNIT_CASE_PARAM_WITH_INIT(random_layouts, kunit_array_gen_params,
				   lazyfree_random_params_init, NULL),
	{}
};

static struct kunit_suite rmap_lazyfree_batch_random_test_suite = {
	.name = "rmap_lazyfree_batch_random",
	.suite_init = lazyfree_suite_init,
	.suite_exit = lazyfree_suite_exit,
	.test_cases = rmap_lazyfree_batch_random_test_cases,
};

kunit_test_suite(rmap_lazyfree_batch_random_test_suite);
