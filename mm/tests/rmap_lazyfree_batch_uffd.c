// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for batched unmap of lazyfree large folios: folios in a VMA
 * registered for userfaultfd write-protection (uffd-wp).
 *
 * A PTE write-protected by uffd-wp carries the uffd-wp bit, which
 * folio_unmap_pte_batch() does not ignore: a batch ends where the bit
 * changes.  When try_to_unmap_one() clears a batch of a file folio in such
 * a VMA it leaves a uffd-wp marker in each PTE that had the bit
 * (cond_install_uffd_wp_ptes()), so that the write protection outlives the
 * unmap; a lazyfree anon folio is discarded without markers, and a batch
 * it restores must get its bits back.  The rows below put the bit on all,
 * none or some of the folio's PTEs, every PTE write-protected, so that
 * only the uffd-wp bit tells the batches apart.
 */

#include "rmap_lazyfree_batch.h"

/**
 * lazyfree_pte_uffd_wp() - the uffd-wp bit of a present PTE
 * @pte: the PTE
 *
 * Return: whether it is set (pte_uffd(), pte_uffd_wp() before 7.3: this
 * file is built only where the suite runs 7.3).
 */
bool lazyfree_pte_uffd_wp(pte_t pte)
{
	return pte_present(pte) && pte_uffd(pte);
}

/*
 * Register the VMAs holding the folio in @mm for uffd-wp as
 * UFFDIO_REGISTER_MODE_WP does (userfaultfd_set_vm_flags(): VM_UFFD_WP,
 * and a shared VMA's page protection recomputed for write-notify), with
 * no userfaultfd context: nothing writes to the range afterwards.
 */
static void lazyfree_register_uffd_wp(struct lazyfree_fixture *fx,
				      struct mm_struct *mm)
{
	unsigned long end = lazyfree_page_addr(fx, fx->nr_pages);
	struct vm_area_struct *vma;
	struct vma_iterator vmi;

	mmap_write_lock(mm);
	vma_iter_init(&vmi, mm, fx->addr);
	for_each_vma_range(vmi, vma, end) {
		vm_flags_set(vma, VM_UFFD_WP);
		if (vma->vm_flags & VM_SHARED)
			vma_set_page_prot(vma);
	}
	mmap_write_unlock(mm);
}

/*
 * Write-protect PTE i of @mm, by uffd-wp if @uffd_wp, as change_protection()
 * does for one PTE (UFFDIO_WRITEPROTECT, mprotect()): one PTE at a time, so
 * that the dirty bits stay where they were.  A none PTE of a file VMA
 * write-protected by uffd-wp becomes a uffd-wp marker, as
 * UFFDIO_WRITEPROTECT leaves one there (userfaultfd_wp_use_markers()).
 */
static void lazyfree_protect_pte(struct lazyfree_fixture *fx,
				 struct mm_struct *mm, unsigned int i,
				 bool uffd_wp)
{
	unsigned long addr = lazyfree_page_addr(fx, i);
	struct vm_area_struct *vma;
	spinlock_t *ptl;	/* the PTE table's lock */
	pte_t *ptep, old, pte;

	vma = vma_lookup(mm, addr);
	ptep = vma ? lazyfree_pte_lock(mm, addr, false, &ptl) : NULL;
	if (!ptep)
		return;
	old = ptep_get(ptep);
	if (pte_present(old)) {
		old = ptep_modify_prot_start(vma, addr, ptep);
		pte = pte_wrprotect(old);
		if (uffd_wp)
			pte = pte_mkuffd(pte);
		ptep_modify_prot_commit(vma, addr, ptep, old, pte);
	} else if (pte_none(old) && uffd_wp && !vma_is_anonymous(vma)) {
		set_pte_at(mm, addr, ptep, make_pte_marker(PTE_MARKER_UFFD_WP));
	}
	pte_unmap_unlock(ptep, ptl);
}

/**
 * lazyfree_arm_uffd_wp() - put the folio under uffd-wp as @l says
 * @fx: the fixture
 * @l: its layout (@l->uffd_armed set)
 *
 * In every mm: registers the VMAs holding the folio for uffd-wp and
 * write-protects every PTE of the folio, those from @l->uffd_start on
 * (@l->uffd_len of them) by uffd-wp, a none one of a file VMA there with
 * a marker; then checks that the bits and markers are where the layout
 * says.  A redirtied PTE keeps its dirty bit, as it does when
 * UFFDIO_WRITEPROTECT protects it after the write.
 */
void lazyfree_arm_uffd_wp(struct lazyfree_fixture *fx,
			  const struct lazyfree_layout *l)
{
	struct kunit *test = fx->test;
	struct mm_struct *mm;
	unsigned int i, k;
	bool uffd_wp;
	pte_t pte;

	for (k = 0; k < fx->nr_mms; k++) {
		mm = fx->mms[k];
		lazyfree_register_uffd_wp(fx, mm);
		mmap_read_lock(mm);
		for (i = 0; i < fx->nr_pages; i++)
			lazyfree_protect_pte(fx, mm, i, lazyfree_in_uffd_wp(l, i));
		flush_tlb_mm(mm);
		mmap_read_unlock(mm);
		for (i = 0; i < fx->nr_pages; i++) {
			pte = lazyfree_read_pte(mm, lazyfree_page_addr(fx, i));
			uffd_wp = lazyfree_in_uffd_wp(l, i);
			if (!pte_present(pte)) {
				KUNIT_ASSERT_EQ_MSG(test, pte_is_uffd_wp_marker(pte),
						    uffd_wp && fx->file,
						    "mm %u PTE %u: marker not as armed", k, i);
				continue;
			}
			KUNIT_ASSERT_FALSE_MSG(test, pte_write(pte),
					       "mm %u PTE %u still writable", k, i);
			KUNIT_ASSERT_EQ_MSG(test, lazyfree_pte_uffd_wp(pte), uffd_wp,
					    "mm %u PTE %u: uffd-wp bit not as armed", k, i);
		}
	}
}

/* ===== The uffd-wp rows ===== */

/*
 * Every PTE write-protected, in a VMA registered for uffd-wp: each row runs
 * at every order, on every source that can make it, through try_to_unmap(),
 * through a split (faulted shmem folios) and, where .reclaim says so,
 * reclaim_pages() (lazyfree anon folios only).
 */
static const struct lazyfree_row lazyfree_uffd_wp_scenarios[] = {
	/* Registered, no PTE protected by uffd-wp: no marker anywhere. */
	{ .kind = LAZYFREE_IN_TABLE, .uffd_wp = LAZYFREE_UFFD_WP_ARMED,
	  .reclaim = true },
	/* Every PTE: a marker for each one cleared, whatever the batches. */
	{ .kind = LAZYFREE_IN_TABLE, .uffd_wp = LAZYFREE_UFFD_WP_ALL,
	  .reclaim = true },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .uffd_wp = LAZYFREE_UFFD_WP_ALL },
	{ .kind = LAZYFREE_MLOCKED_VMA_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .uffd_wp = LAZYFREE_UFFD_WP_ALL },
	{ .kind = LAZYFREE_IN_TABLE, .hole = LAZYFREE_HOLE_MIDDLE,
	  .uffd_wp = LAZYFREE_UFFD_WP_ALL, .min_order = 2 },
	/* Some PTEs: batches split where the bit changes, markers only there. */
	{ .kind = LAZYFREE_IN_TABLE, .uffd_wp = LAZYFREE_UFFD_WP_HEAD },
	{ .kind = LAZYFREE_IN_TABLE, .uffd_wp = LAZYFREE_UFFD_WP_MIDDLE,
	  .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .uffd_wp = LAZYFREE_UFFD_WP_TAIL },
	{ .kind = LAZYFREE_VMA_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .uffd_wp = LAZYFREE_UFFD_WP_MIDDLE },
	/*
	 * Redirtied before UFFDIO_WRITEPROTECT: a lazyfree folio's batch
	 * holding the dirty PTE comes back with each PTE's bit as it was.
	 */
	{ .kind = LAZYFREE_IN_TABLE, .uffd_wp = LAZYFREE_UFFD_WP_HEAD,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST },
	{ .kind = LAZYFREE_IN_TABLE, .uffd_wp = LAZYFREE_UFFD_WP_TAIL,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_LAST,
	  .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .uffd_wp = LAZYFREE_UFFD_WP_MIDDLE,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_FIRST },
	{ .kind = LAZYFREE_IN_TABLE, .uffd_wp = LAZYFREE_UFFD_WP_MIDDLE,
	  .trigger = LAZYFREE_REDIRTY, .at = LAZYFREE_POS_HALF },
	{ .kind = LAZYFREE_PMD_STRADDLE, .split = LAZYFREE_POS_HALF,
	  .uffd_wp = LAZYFREE_UFFD_WP_ALL, .trigger = LAZYFREE_REDIRTY,
	  .at = LAZYFREE_POS_LAST },
	/* Pinned: a lazyfree folio's first batch comes back, bits and all. */
	{ .kind = LAZYFREE_IN_TABLE, .uffd_wp = LAZYFREE_UFFD_WP_ALL,
	  .trigger = LAZYFREE_PIN, .at = LAZYFREE_POS_FIRST, .reclaim = true },
	{ .kind = LAZYFREE_IN_TABLE, .uffd_wp = LAZYFREE_UFFD_WP_MIDDLE,
	  .trigger = LAZYFREE_PIN, .at = LAZYFREE_POS_HALF },
	/* Shared with a second mm over fork: markers in both. */
	{ .kind = LAZYFREE_IN_TABLE, .uffd_wp = LAZYFREE_UFFD_WP_ALL,
	  .fork = true },
};

static int lazyfree_uffd_wp_unmap_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, lazyfree_uffd_wp_scenarios,
					 ARRAY_SIZE(lazyfree_uffd_wp_scenarios),
					 LAZYFREE_TRY_TO_UNMAP, ~0U);
}

static int lazyfree_uffd_wp_reclaim_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, lazyfree_uffd_wp_scenarios,
					 ARRAY_SIZE(lazyfree_uffd_wp_scenarios),
					 LAZYFREE_RECLAIM_PAGES, ~0U);
}

static int lazyfree_uffd_wp_split_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, lazyfree_uffd_wp_scenarios,
					 ARRAY_SIZE(lazyfree_uffd_wp_scenarios),
					 LAZYFREE_SPLIT, BIT(LAZYFREE_FAULTED_SHMEM));
}

static int lazyfree_uffd_wp_punch_params_init(struct kunit *test)
{
	return lazyfree_register_layouts(test, lazyfree_uffd_wp_scenarios,
					 ARRAY_SIZE(lazyfree_uffd_wp_scenarios),
					 LAZYFREE_PUNCH_HOLE, BIT(LAZYFREE_FAULTED_SHMEM));
}

static void try_to_unmap_uffd_wp(struct kunit *test)
{
	lazyfree_run_layout(test, test->param_value, LAZYFREE_TRY_TO_UNMAP);
}

static void reclaim_pages_uffd_wp(struct kunit *test)
{
	lazyfree_run_layout(test, test->param_value, LAZYFREE_RECLAIM_PAGES);
}

/* A split of a faulted shmem folio leaves markers as reclaim does. */
static void split_folio_uffd_wp(struct kunit *test)
{
	lazyfree_run_layout(test, test->param_value, LAZYFREE_SPLIT);
}

/*
 * A hole punch leaves markers in the hole (its zap keeps them) and where
 * its split's unmap clears a uffd-wp PTE.
 */
static void punch_hole_uffd_wp(struct kunit *test)
{
	lazyfree_run_layout(test, test->param_value, LAZYFREE_PUNCH_HOLE);
}

static struct kunit_case rmap_lazyfree_batch_uffd_wp_test_cases[] = {
	KUNIT_CASE_PARAM_WITH_INIT(try_to_unmap_uffd_wp, kunit_array_gen_params,
				   lazyfree_uffd_wp_unmap_params_init, NULL),
	KUNIT_CASE_PARAM_WITH_INIT(reclaim_pages_uffd_wp, kunit_array_gen_params,
				   lazyfree_uffd_wp_reclaim_params_init, NULL),
	KUNIT_CASE_PARAM_WITH_INIT(split_folio_uffd_wp, kunit_array_gen_params,
				   lazyfree_uffd_wp_split_params_init, NULL),
	KUNIT_CASE_PARAM_WITH_INIT(punch_hole_uffd_wp, kunit_array_gen_params,
				   lazyfree_uffd_wp_punch_params_init, NULL),
	{}
};

/**
 * lazyfree_uffd_wp_case() - the case that runs the uffd-wp rows through an entry
 * @entry: the entry
 *
 * Return: the case's name, or NULL if none runs them through @entry.
 */
const char *lazyfree_uffd_wp_case(enum lazyfree_entry entry)
{
	const struct kunit_case *c;

	for (c = rmap_lazyfree_batch_uffd_wp_test_cases; c->name; c++)
		if ((c->param_init == lazyfree_uffd_wp_unmap_params_init &&
		     entry == LAZYFREE_TRY_TO_UNMAP) ||
		    (c->param_init == lazyfree_uffd_wp_reclaim_params_init &&
		     entry == LAZYFREE_RECLAIM_PAGES) ||
		    (c->param_init == lazyfree_uffd_wp_split_params_init &&
		     entry == LAZYFREE_SPLIT) ||
		    (c->param_init == lazyfree_uffd_wp_punch_params_init &&
		     entry == LAZYFREE_PUNCH_HOLE))
			return c->name;
	return NULL;
}

static struct kunit_suite rmap_lazyfree_batch_uffd_wp_test_suite = {
	.name = "rmap_lazyfree_batch_uffd_wp",
	.suite_init = lazyfree_suite_init,
	.suite_exit = lazyfree_suite_exit,
	.test_cases = rmap_lazyfree_batch_uffd_wp_test_cases,
};

kunit_test_suite(rmap_lazyfree_batch_uffd_wp_test_suite);
