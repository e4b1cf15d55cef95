// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit test of set_ptes(): nr consecutive PTEs map nr consecutive PFNs.
 * The abort path of try_to_unmap_one() restores a batch of PTEs with
 * set_ptes(), and fork copies a large folio's PTEs with it.
 */

#include "rmap_lazyfree_batch.h"

/*
 * set_ptes() of nr PTEs, 1 <= nr <= 16, in a page table of the test mm:
 * PTE i must map PFN base + i.  UML's own set_ptes() once advanced the PFN
 * by the number of PTEs left rather than by one, which nothing noticed
 * while UML had no large folios.
 */
static void set_ptes_consecutive_pfns(struct kunit *test)
{
	const unsigned int order = 4, max_nr = 1U << order;
	unsigned long addr = lazyfree_map_window(test);
	struct mm_struct *mm = current->mm;
	unsigned long pfn, got[1U << 4];
	struct vm_area_struct *vma;
	unsigned int nr, i;
	struct page *page;
	spinlock_t *ptl;	/* the PTE table's lock */
	pte_t *ptep;

	page = alloc_pages(GFP_KERNEL, order);
	KUNIT_ASSERT_NOT_NULL(test, page);
	pfn = page_to_pfn(page);

	for (nr = 1; nr <= max_nr; nr++) {
		mmap_read_lock(mm);
		vma = vma_lookup(mm, addr);
		ptep = lazyfree_pte_lock(mm, addr, true, &ptl);
		if (!vma || !ptep) {
			if (ptep)
				pte_unmap_unlock(ptep, ptl);
			mmap_read_unlock(mm);
			__free_pages(page, order);
			KUNIT_FAIL_AND_ABORT(test, "no page table at %#lx", addr);
		}
		set_ptes(mm, addr, ptep, mk_pte(page, vma->vm_page_prot), nr);
		/* Read back and clear: nothing is accounted to these PTEs. */
		for (i = 0; i < nr; i++) {
			got[i] = pte_pfn(ptep_get(ptep + i));
			pte_clear(mm, addr + i * PAGE_SIZE, ptep + i);
		}
		pte_unmap_unlock(ptep, ptl);
		flush_tlb_range(vma, addr, addr + nr * PAGE_SIZE);
		mmap_read_unlock(mm);

		for (i = 0; i < nr; i++) {
			if (got[i] == pfn + i)
				continue;
			KUNIT_FAIL(test,
				   "set_ptes(nr=%u): PTE %u maps pfn base%+ld, expected base+%u",
				   nr, i, (long)(got[i] - pfn), i);
			break;
		}
	}
	__free_pages(page, order);
}

static struct kunit_case pgtable_set_ptes_test_cases[] = {
	KUNIT_CASE(set_ptes_consecutive_pfns),
	{}
};

static struct kunit_suite pgtable_set_ptes_test_suite = {
	.name = "pgtable_set_ptes",
	.suite_init = lazyfree_mm_suite_init,
	.suite_exit = lazyfree_mm_suite_exit,
	.test_cases = pgtable_set_ptes_test_cases,
};

kunit_test_suite(pgtable_set_ptes_test_suite);
