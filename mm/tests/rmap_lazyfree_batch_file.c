// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for batched unmap of large folios: file (shmem) folios.
 *
 * Since 7.3 try_to_unmap_one() batches the PTEs of every file folio, shmem
 * included, as well as those of lazyfree anon folios.  A file folio has no
 * restore path: a dirty PTE or an extra reference aborts nothing; the dirty
 * bits of a batch must reach the folio (folio_mark_dirty()), its PTEs
 * count in MM_SHMEMPAGES (MM_FILEPAGES for other files), and the page
 * cache keeps the folio and its data after the unmap.  The scenario
 * table's rows run on such folios as "shmem_..." layouts where the kernel
 * makes them (LAZYFREE_SHMEM); lazyfree_model() knows what differs.
 *
 * Here: the shared mapping such a folio lives in, and the checks and the
 * teardown that only a folio in a page cache needs.
 */

#include <linux/mman.h>
#include <linux/shmem_fs.h>

#include "rmap_lazyfree_batch.h"

static void lazyfree_fput_action(void *file)
{
	fput(file);
}

/*
 * Map a shared anonymous VMA of @size bytes at @addr (MAP_FIXED over what
 * the test mapped there), as MAP_SHARED | MAP_ANONYMOUS gives a program:
 * a shmem file of its own, which the fixture keeps in fx->file with a
 * reference of its own, dropped by a KUnit action.
 */
void lazyfree_map_shared(struct lazyfree_fixture *fx, unsigned long addr,
			 unsigned long size)
{
	struct kunit *test = fx->test;
	struct vm_area_struct *vma;
	struct file *file = NULL;
	unsigned long got;

	got = vm_mmap(NULL, addr, size, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, 0);
	KUNIT_ASSERT_EQ_MSG(test, got, addr,
			    "MAP_SHARED | MAP_ANONYMOUS of %lu bytes at %#lx failed",
			    size, addr);
	mmap_read_lock(fx->mm);
	vma = vma_lookup(fx->mm, addr);
	if (vma && vma->vm_file && shmem_file(vma->vm_file))
		file = get_file(vma->vm_file);
	mmap_read_unlock(fx->mm);
	KUNIT_ASSERT_NOT_NULL_MSG(test, file, "no shmem file behind %#lx", addr);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, lazyfree_fput_action,
							file), 0);
	fx->file = file;
}

/*
 * The shmem folio as the read fault at @from must leave it: in the file's
 * page cache from index 0, clean, swapbacked, not anon; every PTE present,
 * mapping its own page, writable and clean.
 */
void lazyfree_expect_shmem_faulted(struct lazyfree_fixture *fx,
				   unsigned long from)
{
	struct lazyfree_diffs d = { .test = fx->test };
	struct folio *folio = fx->folio;
	struct kunit *test = fx->test;
	unsigned int i;
	pte_t pte;

	KUNIT_ASSERT_FALSE_MSG(test, folio_test_anon(folio),
			       "the shared fault mapped an anon folio");
	lazyfree_expect_page_cache(fx);
	KUNIT_EXPECT_TRUE_MSG(test, folio_test_swapbacked(folio),
			      "a shmem folio is swapbacked");
	KUNIT_EXPECT_FALSE_MSG(test, folio_test_dirty(folio),
			       "the read fault dirtied the shmem folio");
	for (i = 0; i < fx->nr_pages; i++) {
		pte = lazyfree_read_pte(fx->mm, from + i * PAGE_SIZE);
		if (pte_present(pte) && pte_pfn(pte) == fx->pfn + i &&
		    pte_write(pte) && !pte_dirty(pte))
			continue;
		if (lazyfree_diff_to_report(&d))
			KUNIT_FAIL(test,
				   "PTE %u/%u after the read fault: present %d, pfn %#lx, write %d, dirty %d; expected present, pfn %#lx, writable and clean",
				   i, fx->nr_pages, !!pte_present(pte), pte_pfn(pte),
				   !!pte_write(pte), !!pte_dirty(pte), fx->pfn + i);
	}
	lazyfree_diffs_end(&d, "PTEs not as the read fault maps them");
}

/*
 * The folio is where the file's page cache says, whatever was unmapped:
 * its mapping and index, and the cache's entry at each of its indices.
 */
void lazyfree_expect_page_cache(const struct lazyfree_fixture *fx)
{
	struct address_space *mapping = fx->file->f_mapping;
	struct lazyfree_diffs d = { .test = fx->test };
	struct folio *folio = fx->folio;
	unsigned int i;
	void *entry;

	KUNIT_EXPECT_PTR_EQ_MSG(fx->test, folio->mapping, mapping,
				"folio->mapping: the shmem file's");
	KUNIT_EXPECT_EQ_MSG(fx->test, folio->index, 0, "folio->index");
	for (i = 0; i < fx->nr_pages; i++) {
		entry = xa_load(&mapping->i_pages, i);
		if (entry != folio && lazyfree_diff_to_report(&d))
			KUNIT_FAIL(fx->test,
				   "page cache index %u/%u holds %s, expected the folio",
				   i, fx->nr_pages, !entry ? "nothing" :
				   xa_is_value(entry) ? "a swap entry" : "another folio");
	}
	lazyfree_diffs_end(&d, "page cache entries differ");
}

/*
 * Truncate the file, with no mapping left and the test's reference held:
 * the page cache lets go of the folio and of its references.  Returns
 * whether it did.
 */
bool lazyfree_truncate(struct lazyfree_fixture *fx)
{
	struct folio *folio = fx->folio;

	shmem_truncate_range(file_inode(fx->file), 0, (loff_t)-1);
	fx->cache_refs = 0;
	KUNIT_EXPECT_NULL_MSG(fx->test, folio->mapping,
			      "folio->mapping after the file was truncated");
	return !folio->mapping;
}

/*
 * A shmem folio the kernel made (LAZYFREE_SHMEM): a read fault in a shared
 * anonymous VMA of exactly the folio's size and alignment, so that shmem
 * allocates a folio of exactly @layout->order and maps it whole, clean,
 * in writable PTEs; filled by the test without dirtying it, so that a
 * dirty PTE is the only record of a write (as after a program read a
 * file's page in and wrote to it through the mapping); then moved to
 * fx->addr with mremap(), into a page table installed with its canary.
 */
void lazyfree_shmem_folio(struct lazyfree_fixture *fx,
			  const struct lazyfree_layout *layout)
{
	unsigned long size = PAGE_SIZE << layout->order;
	unsigned long from = lazyfree_map_alone(fx->test, size);

	lazyfree_map_shared(fx, from, size);
	fx->rss_member = MM_SHMEMPAGES;
	lazyfree_fault_at(fx, from, layout->order, false);
	lazyfree_folios_made++;
	fx->cache_refs = fx->nr_pages;
	lazyfree_expect_shmem_faulted(fx, from);
	lazyfree_move_faulted(fx, from);
}
