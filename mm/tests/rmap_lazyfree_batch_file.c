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
 * table's rows run on such folios too: "shmem_..." layouts, the folio
 * mapped by the fixture as a read fault in a shared anonymous VMA maps one
 * (every arch: try_to_unmap() of a file folio walks the file's i_mmap, not
 * its page cache, so the folio needs its mapping and index, not a cache
 * entry, which UML, without THP, cannot give a large folio), and
 * "faulted_shmem_..." where the kernel makes them (THP on x86_64);
 * lazyfree_model() knows what differs from a lazyfree folio.
 *
 * Here: the shared mapping such a folio lives in, the page cache's part in
 * it, and the checks and the teardown only a file folio needs.
 */

#include <linux/mman.h>
#include <linux/shmem_fs.h>
#include <linux/falloc.h>

#include "rmap_lazyfree_batch.h"

/**
 * lazyfree_file_unsound() - whether the fixture's file must be left alone
 * @fx: the fixture (a file folio's)
 *
 * The kernel under test may leave the folio in the page cache with fewer
 * references than the cache holds, or none (the test then leaked it:
 * fx->leaked).  Evicting the file truncates its page cache, and filemap's
 * lookups retry a folio with no reference for ever (measured: a kworker
 * looping in find_lock_entries() under shmem_evict_inode() from
 * delayed_fput(), rmap-put-whole-folio-refs on x86_64), or free one with
 * too few under whoever still holds it.  Such a file keeps the test's
 * reference: it is leaked, never evicted.
 *
 * Return: whether it must be.
 */
bool lazyfree_file_unsound(const struct lazyfree_fixture *fx)
{
	struct folio *folio = fx->folio;

	if (fx->leaked)
		return true;
	return folio && fx->cached &&
	       xa_load(&fx->file->f_mapping->i_pages, folio->index) == folio &&
	       folio_ref_count(folio) < (int)fx->cache_refs;
}

/* The test's reference on the shmem file, unless it must be leaked. */
static void lazyfree_fput_action(void *data)
{
	struct lazyfree_fixture *fx = data;

	if (!lazyfree_file_unsound(fx))
		fput(fx->file);
}

/*
 * Map a shared anonymous VMA of @size bytes at @addr (MAP_FIXED over what
 * the test mapped there), as MAP_SHARED | MAP_ANONYMOUS gives a program:
 * a shmem file of its own, which the fixture keeps in fx->file with a
 * reference of its own, dropped by a KUnit action (kept where
 * lazyfree_file_unsound()).
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
	fx->file = file;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, lazyfree_fput_action,
							fx), 0);
}

/*
 * The file folio as the read faults at @from must leave it: in the file's
 * page cache from index 0, clean, not anon, swapbacked if shmem; every PTE
 * present, mapping its own page, clean, and writable as the mapping is
 * (shmem: shared and writable; the regular file: read-only).
 */
void lazyfree_expect_file_faulted(struct lazyfree_fixture *fx,
				  unsigned long from)
{
	struct lazyfree_diffs d = { .test = fx->test };
	struct folio *folio = fx->folio;
	struct kunit *test = fx->test;
	bool shmem = shmem_file(fx->file);
	unsigned int i;
	pte_t pte;

	KUNIT_ASSERT_FALSE_MSG(test, folio_test_anon(folio),
			       "the shared fault mapped an anon folio");
	lazyfree_expect_page_cache(fx);
	KUNIT_EXPECT_EQ_MSG(test, folio_test_swapbacked(folio), shmem,
			    "a shmem folio is swapbacked, another file's is not");
	KUNIT_EXPECT_FALSE_MSG(test, folio_test_dirty(folio),
			       "the read fault dirtied the file folio");
	for (i = 0; i < fx->nr_pages; i++) {
		pte = lazyfree_read_pte(fx->mm, from + i * PAGE_SIZE);
		if (pte_present(pte) && pte_pfn(pte) == fx->pfn + i &&
		    !!pte_write(pte) == shmem && !pte_dirty(pte))
			continue;
		if (lazyfree_diff_to_report(&d))
			KUNIT_FAIL(test,
				   "PTE %u/%u after the read fault: present %d, pfn %#lx, write %d, dirty %d; expected present, pfn %#lx, %s and clean",
				   i, fx->nr_pages, !!pte_present(pte), (unsigned long)pte_pfn(pte),
				   !!pte_write(pte), !!pte_dirty(pte), fx->pfn + i,
				   shmem ? "writable" : "read-only");
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
				"folio->mapping: the file's");
	KUNIT_EXPECT_EQ_MSG(fx->test, folio->index, 0, "folio->index");
	for (i = 0; fx->cached && i < fx->nr_pages; i++) {
		entry = xa_load(&mapping->i_pages, i);
		if (entry != folio && lazyfree_diff_to_report(&d))
			KUNIT_FAIL(fx->test,
				   "page cache index %u/%u holds %s, expected the folio",
				   i, fx->nr_pages, !entry ? "nothing" :
				   xa_is_value(entry) ? "a swap entry" : "another folio");
	}
	lazyfree_diffs_end(&d, "page cache entries differ");
}

/* Detach a hand-built @folio from its file, as truncation does. */
static void lazyfree_clear_mapping(struct folio *folio)
{
	folio_lock(folio);
	folio->mapping = NULL;
	folio_unlock(folio);
}

/*
 * Take a hand-built folio out of its file, as truncation would: detach it
 * and drop the references the page cache would hold.  Only where the
 * folio's mappings cannot free it under the test (none left, or the test
 * holds a reference), or where it was never mapped (no page table for it).
 */
void lazyfree_remove_from_file(struct lazyfree_fixture *fx)
{
	lazyfree_clear_mapping(fx->folio);
	folio_put_refs(fx->folio, fx->cache_refs);
	fx->cache_refs = 0;
}

/*
 * A case that ends early: the hand-built folio leaves its file before its
 * mappings go (a folio freed with a mapping is a bad page), unless the
 * kernel under test already freed it; the page cache's references go too
 * unless that kernel dropped references it did not own (fewer are left
 * than the cache holds: better leak the folio than free it under a PTE).
 */
static void lazyfree_detach_action(void *data)
{
	struct lazyfree_fixture *fx = data;
	struct folio *folio = fx->folio;

	if (!folio || !fx->cache_refs || fx->cached || fx->leaked ||
	    folio_ref_count(folio) <= 0)
		return;
	if (folio_ref_count(folio) >= (int)fx->cache_refs)
		lazyfree_remove_from_file(fx);
	else
		lazyfree_clear_mapping(folio);
}

/*
 * Make the hand-built @folio a shmem folio of fx->file at index 0, as
 * shmem_alloc_and_add_folio() makes a new one for a fault: swapbacked, its
 * mapping and index, one reference per page for the page cache, on the LRU,
 * the mTHP shmem_alloc counter; all but the cache entry, which UML cannot
 * give a large folio (no multi-index xarray without THP), and which
 * try_to_unmap() does not look at.  The page cache's references are the
 * fixture's, dropped with the mapping by lazyfree_truncate() or, when a
 * case ends early, by the action lazyfree_shmem_folio() registered.
 */
void lazyfree_add_to_file(struct lazyfree_fixture *fx, struct folio *folio)
{
	fx->folio = folio;
	__folio_set_swapbacked(folio);
	folio->mapping = fx->file->f_mapping;
	folio->index = 0;
	folio_ref_add(folio, fx->nr_pages);
	fx->cache_refs = fx->nr_pages;
	folio_add_lru(folio);
	count_mthp_stat(folio_order(folio), MTHP_STAT_SHMEM_ALLOC);
}

/*
 * Truncate the file, with no mapping left and the test's reference held:
 * the page cache lets go of the folio and of its references (the
 * read-only regular file: its page cache dropped, as eviction drops it).
 * Returns whether it did.
 */
bool lazyfree_truncate(struct lazyfree_fixture *fx)
{
	struct folio *folio = fx->folio;

	if (fx->cached) {
		if (shmem_file(fx->file))
			shmem_truncate_range(file_inode(fx->file), 0, (loff_t)-1);
		else
			truncate_inode_pages(fx->file->f_mapping, 0);
		fx->cache_refs = 0;
	} else {
		kunit_remove_action(fx->test, lazyfree_detach_action, fx);
		lazyfree_remove_from_file(fx);
	}
	KUNIT_EXPECT_NULL_MSG(fx->test, folio->mapping,
			      "folio->mapping after the file was truncated");
	return !folio->mapping;
}

/*
 * Hold the faulted shmem folio through its file's page cache, where it
 * stays whether PTEs map it or not.  Returns whether the cache holds it
 * (a reference taken, dropped by a KUnit action); fails the case if the
 * cache holds another folio at its index, or none.
 */
bool lazyfree_hold_cached(struct lazyfree_fixture *fx)
{
	struct folio *folio;
	int ret;

	/* The page cache retries a folio with no reference for ever. */
	if (folio_ref_count(fx->folio) <= 0) {
		lazyfree_forget_folio(fx, "in the page cache");
		return false;
	}
	folio = filemap_get_folio(fx->file->f_mapping, 0);
	if (folio == fx->folio) {
		ret = kunit_add_action_or_reset(fx->test, lazyfree_folio_put_action,
						folio);
		KUNIT_ASSERT_EQ(fx->test, ret, 0);
		return true;
	}
	KUNIT_FAIL(fx->test, "page cache index 0 holds %s, expected the folio",
		   IS_ERR(folio) ? "nothing" : "another folio");
	if (!IS_ERR(folio))
		folio_put(folio);
	/* PTEs may still map pages of a folio gone from the cache. */
	lazyfree_forget_folio(fx, "in the page cache");
	return false;
}

/*
 * A shmem folio (&enum lazyfree_source), mapped whole, clean, in writable
 * PTEs, as a read fault in a shared anonymous VMA of the folio's size maps
 * one, and filled by the test without dirtying it, so that a dirty PTE is
 * the only record of a write (as after a program read a file's page in
 * and wrote to it through the mapping).  LAZYFREE_SHMEM: the fixture maps
 * it at fx->addr (lazyfree_map_folio() into the VMA of
 * lazyfree_map_shared()).  LAZYFREE_FAULTED_SHMEM: the kernel makes it
 * where the VMA is aligned to the folio's size, and mremap() moves it to
 * fx->addr, into a page table installed with its canary.
 */
void lazyfree_shmem_folio(struct lazyfree_fixture *fx,
			  const struct lazyfree_layout *layout)
{
	unsigned long size = PAGE_SIZE << layout->order, from = fx->addr;

	fx->rss_member = MM_SHMEMPAGES;
	if (!LAZYFREE_CAN_FAULT || layout->source == LAZYFREE_SHMEM) {
		lazyfree_map_shared(fx, from, size);
		KUNIT_ASSERT_EQ(fx->test,
				kunit_add_action_or_reset(fx->test, lazyfree_detach_action, fx),
				0);
		lazyfree_map_folio(fx, layout);
		return;
	}
	from = lazyfree_map_alone(fx->test, size);
	lazyfree_map_shared(fx, from, size);
	lazyfree_fault_at(fx, from, layout->order, false);
	lazyfree_folios_made++;
	fx->cache_refs = fx->nr_pages;
	fx->cached = true;
	lazyfree_expect_file_faulted(fx, from);
	lazyfree_move_faulted(fx, from);
}

/*
 * A store through the mapping to page @i, by the CPU: its MMU sets the
 * PTE's dirty bit and nothing else (a software write fault would set the
 * soft-dirty bit too, and FPB_RESPECT_SOFT_DIRTY would end a batch there:
 * measured, a clean read-faulted shmem folio's batch then split at the
 * written PTE, and a lost dirty bit of a batch went unseen).  The byte
 * written is the one there, so the data stays as filled.  Not on UML,
 * whose uaccess walks the page table in software and dirties no PTE.
 */
int lazyfree_store(struct lazyfree_fixture *fx, unsigned int i)
{
	u8 __user *at = (u8 __user *)lazyfree_page_addr(fx, i);
	u8 byte;

	if (copy_from_user(&byte, at, 1) || copy_to_user(at, &byte, 1))
		return -EFAULT;
	return 0;
}

/*
 * Map the shmem folio in the second mm (a forked child, or one with a
 * mapping of its own) as its own accesses would: dup_mmap() copies no PTE
 * of a shared file VMA, so read-fault every page of the layout there,
 * then zap the layout's hole there too (the page cache holds those pages,
 * so a fault maps them).
 */
void lazyfree_fault_child(struct lazyfree_fixture *fx,
			  const struct lazyfree_layout *l)
{
	struct mm_struct *child = fx->mms[1];
	unsigned int i;
	int ret = 0;

	mmap_read_lock(child);
	for (i = 0; i < fx->nr_pages && !ret; i++)
		if (!lazyfree_in_hole(l, i))
			ret = fixup_user_fault(child, lazyfree_page_addr(fx, i), 0,
					       NULL);
	mmap_read_unlock(child);
	KUNIT_ASSERT_EQ_MSG(fx->test, ret, 0,
			    "read fault in the child at PTE %u failed", i - 1);
	if (l->hole_len)
		lazyfree_zap_range(fx, child, l->hole_start,
				   l->hole_start + l->hole_len);
}

/*
 * A second mm with a mapping of the shmem file of its own (&enum
 * lazyfree_other_mm): a new mm, its page table for the folio installed
 * with its canary, its own mmap() of the file over the folio's range at
 * the same address (the KUnit thread switches to it for that), the pages
 * read-faulted in and the layout's hole zapped as in a fork's child, then
 * its VMA VM_LOCKED if the layout says so.  A KUnit action drops the mm.
 */
void lazyfree_map_other_mm(struct lazyfree_fixture *fx,
			   const struct lazyfree_layout *l)
{
	unsigned long size = fx->nr_pages * PAGE_SIZE, addr;
	struct kunit *test = fx->test;
	struct vm_area_struct *vma;
	struct mm_struct *other;

	other = lazyfree_second_mm(fx, lazyfree_mm_new());
	kthread_unuse_mm(fx->mm);
	kthread_use_mm(other);
	addr = vm_mmap(fx->file, fx->addr, size,
		       shmem_file(fx->file) ? PROT_READ | PROT_WRITE : PROT_READ,
		       MAP_SHARED | MAP_FIXED, folio_pos(fx->folio));
	kthread_unuse_mm(other);
	kthread_use_mm(fx->mm);
	KUNIT_ASSERT_EQ_MSG(test, addr, fx->addr,
			    "mmap() of the file in the second mm");
	fx->mms[fx->nr_mms] = other;
	fx->rss_base[fx->nr_mms++] = 0;
	lazyfree_fault_child(fx, l);
	if (l->other_mm != LAZYFREE_OTHER_MM_MLOCKED)
		return;
	/*
	 * VM_LOCKED by hand, as lazyfree_split_vma() sets it: mlock() would
	 * mlock the folio too (mlock_vma_pages_range()), and the walk must
	 * find it not mlocked, as mlock() of the range in two parts leaves it.
	 */
	mmap_write_lock(other);
	vma = vma_lookup(other, fx->addr);
	if (vma) {
		vm_flags_set(vma, VM_LOCKED);
		other->locked_vm += fx->nr_pages;
	}
	mmap_write_unlock(other);
	KUNIT_ASSERT_NOT_NULL_MSG(test, vma, "no VMA of the file in the second mm");
}

/*
 * Whether page @i of the folio lies in @folio now, at its index, and holds
 * its pattern, every byte.
 */
static bool lazyfree_page_filled(struct folio *folio, unsigned int i)
{
	bool filled;
	void *kaddr;

	if (i < folio->index || i >= folio->index + folio_nr_pages(folio))
		return false;
	kaddr = kmap_local_folio(folio, (i - folio->index) * PAGE_SIZE);
	filled = !memchr_inv(kaddr, lazyfree_pattern(i), PAGE_SIZE);
	kunmap_local(kaddr);
	return filled;
}

/*
 * The order of the piece of an @nr page folio that holds page @i after a
 * split: 0 after split_folio(); after a hole punch of pages @start to
 * @end - 1, the largest naturally aligned block holding @i and neither
 * @start nor @end (folio_split() at @start, then of the piece holding
 * @end at @end, each leaving the pages away from its split point in
 * pieces as large as alignment allows).
 */
static unsigned int lazyfree_piece_order(unsigned int nr, unsigned int i,
					 bool punched, unsigned int start,
					 unsigned int end)
{
	unsigned int order = punched ? ilog2(nr) : 0, first;

	for (; order; order--) {
		first = ALIGN_DOWN(i, 1U << order);
		if ((start < first || start >= first + (1U << order)) &&
		    (end < first || end >= first + (1U << order)))
			break;
	}
	return order;
}

/*
 * After a split of the folio, or a hole punch (@punched): each of its
 * pages (outside the hole) in a piece of the order lazyfree_piece_order()
 * says, in the file's page cache at the piece's index, on the LRU,
 * unlocked, unmapped, dirty exactly when the model says the folio
 * became, swapbacked, not mlocked, held by the page cache and, the first
 * piece, by the test, its data as filled; the hole's pages gone from the
 * page cache.
 */
static void lazyfree_expect_pieces(struct lazyfree_fixture *fx,
				   const struct lazyfree_expect *exp,
				   bool punched)
{
	struct address_space *mapping = fx->file->f_mapping;
	struct lazyfree_diffs d = { .test = fx->test };
	unsigned int i, order, start = 0, len = 0, refs;
	struct folio *folio;
	pgoff_t index;
	void *entry;

	if (punched)
		lazyfree_punch_range(fx->nr_pages, &start, &len);
	for (i = 0; i < fx->nr_pages; i++) {
		entry = xa_load(&mapping->i_pages, i);
		if (punched && lazyfree_in_punch(fx->nr_pages, i)) {
			if (entry && lazyfree_diff_to_report(&d))
				KUNIT_FAIL(fx->test,
					   "page %u/%u, punched out: the page cache still holds %s there",
					   i, fx->nr_pages,
					   xa_is_value(entry) ? "a swap entry" : "a folio");
			continue;
		}
		folio = pfn_folio(fx->pfn + i);
		order = lazyfree_piece_order(fx->nr_pages, i, punched, start,
					     start + len);
		index = ALIGN_DOWN(i, 1U << order);
		refs = (1U << order) + !index;
		if (folio_order(folio) == order && folio->mapping == mapping &&
		    folio->index == index && entry == folio &&
		    folio_test_lru(folio) && !folio_test_locked(folio) &&
		    !folio_mapped(folio) && folio_ref_count(folio) == refs &&
		    folio_test_dirty(folio) == exp->dirty &&
		    folio_test_swapbacked(folio) && !folio_test_mlocked(folio) &&
		    lazyfree_page_filled(folio, i))
			continue;
		if (lazyfree_diff_to_report(&d))
			KUNIT_FAIL(fx->test,
				   "page %u/%u after the %s: order %u (expected %u), %s mapping, index %lu (expected %lu), %sin the page cache there, lru %d, locked %d, mapcount %d, refcount %d (expected %u), dirty %d (expected %d), swapbacked %d, mlocked %d, data %s",
				   i, fx->nr_pages, punched ? "hole punch" : "split",
				   folio_order(folio), order,
				   folio->mapping == mapping ? "the file's" : "another",
				   folio->index, index, entry == folio ? "" : "not ",
				   folio_test_lru(folio), folio_test_locked(folio),
				   folio_mapcount(folio), folio_ref_count(folio), refs,
				   folio_test_dirty(folio), exp->dirty,
				   folio_test_swapbacked(folio), folio_test_mlocked(folio),
				   lazyfree_page_filled(folio, i) ? "as filled" : "not as filled");
	}
	lazyfree_diffs_end(&d, punched ? "pages differ after the hole punch" :
					 "pages differ after the split");
}

/*
 * What a split (@entry LAZYFREE_SPLIT or LAZYFREE_PUNCH_HOLE) of the folio
 * must leave, by the model; the data checked through the program's
 * mapping first, and the folio put back on the LRU, where truncation and
 * migration find a folio.  The file is the folio's size (a shared
 * anonymous VMA's), so no page of it lies past its end, which a split
 * would drop.
 */
static struct lazyfree_expect *
lazyfree_before_split(struct lazyfree_fixture *fx,
		      const struct lazyfree_layout *l,
		      enum lazyfree_trigger trigger, enum lazyfree_entry entry)
{
	struct lazyfree_expect *exp;

	exp = kunit_kzalloc(fx->test, sizeof(*exp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(fx->test, exp);
	KUNIT_ASSERT_GE_MSG(fx->test, i_size_read(file_inode(fx->file)),
			    (loff_t)fx->nr_pages << PAGE_SHIFT,
			    "the shmem file ends inside the folio: a split would drop pages");
	lazyfree_model(l, fx, trigger, entry, exp);
	lazyfree_expect_reads_before(fx, l);
	lazyfree_back_to_lru(fx);
	return exp;
}

/*
 * The folio a split left whole (pinned): its PTEs were as expected (@ok),
 * so read it back through them; check and repair it, and drop the test's
 * reference.
 */
static void lazyfree_expect_unsplit(struct lazyfree_fixture *fx,
				    const struct lazyfree_expect *exp, bool ok)
{
	if (ok)
		lazyfree_expect_reads(fx, exp->mapped, true);
	lazyfree_expect_folio(fx, exp, 1, true);
	lazyfree_repair_ptes(fx);
	lazyfree_repair_folio(fx, 1);
	kunit_release_action(fx->test, lazyfree_folio_put_action, fx->folio);
}

/**
 * lazyfree_split_and_expect() - split the folio as truncation would
 * @fx: the fixture (a faulted shmem folio)
 * @l: its layout
 * @trigger: what happened to it before
 *
 * split_folio() of the folio, back on the LRU, locked, with the test's
 * reference, as truncation of part of a large file folio or its migration
 * splits it: unmap_folio() unmaps it through try_to_unmap() (mlocked VMAs
 * included), then it becomes order-0 folios in the page cache.  A pinned
 * folio is refused (-EAGAIN) before anything is unmapped.  Then the PTEs
 * of every mm (cleared, or uffd-wp markers) and either the split pages or
 * the folio kept whole.
 *
 * Return: whether the PTEs were as expected (as for every entry; a pinned
 * folio, kept whole, is no failure).
 */
bool lazyfree_split_and_expect(struct lazyfree_fixture *fx,
			       const struct lazyfree_layout *l,
			       enum lazyfree_trigger trigger)
{
	struct kunit *test = fx->test;
	bool pinned = fx->pins;
	struct lazyfree_expect *exp;
	int ret, want;
	bool ok;

	exp = lazyfree_before_split(fx, l, trigger, LAZYFREE_SPLIT);
	folio_get(fx->folio);
	ret = kunit_add_action_or_reset(test, lazyfree_folio_put_action, fx->folio);
	KUNIT_ASSERT_EQ(test, ret, 0);

	lazyfree_snapshot(fx);
	lazyfree_guard(fx);
	folio_lock(fx->folio);
	ret = split_folio(fx->folio);
	folio_unlock(fx->folio);
	lazyfree_unguard(fx);
	want = pinned ? -EAGAIN : 0;
	KUNIT_EXPECT_EQ_MSG(test, ret, want, "split_folio() of the %s folio",
			    pinned ? "pinned" : "unpinned");
	ok = lazyfree_expect_unmap(fx, exp);
	if (!lazyfree_folio_intact(fx)) {
		fx->folio_split = true;
		lazyfree_folios_split++;
		lazyfree_expect_pieces(fx, exp, false);
		return ok;
	}
	lazyfree_expect_unsplit(fx, exp, ok);
	return ok;
}

/* Pages @start to @start + @len - 1 of the folio kept whole hold zeros. */
static void lazyfree_expect_zeroed(struct lazyfree_fixture *fx,
				   unsigned int start, unsigned int len)
{
	struct lazyfree_diffs d = { .test = fx->test };
	unsigned int i;
	void *kaddr;

	for (i = start; i < start + len; i++) {
		kaddr = kmap_local_folio(fx->folio, i * PAGE_SIZE);
		if (memchr_inv(kaddr, 0, PAGE_SIZE) && lazyfree_diff_to_report(&d))
			KUNIT_FAIL(fx->test,
				   "page %u/%u, punched out of the folio kept whole: not zeroed",
				   i, fx->nr_pages);
		kunmap_local(kaddr);
	}
	lazyfree_diffs_end(&d, "punched pages not zeroed");
}

/**
 * lazyfree_punch_and_expect() - punch a hole in the folio, as fallocate() does
 * @fx: the fixture (a faulted shmem folio)
 * @l: its layout
 * @trigger: what happened to it before
 *
 * fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) of the pages
 * lazyfree_punch_range() names, the folio back on the LRU and held by
 * nothing of the test's but its pins: shmem_fallocate() zaps their PTEs
 * in every mm (unmap_mapping_range()), then truncation marks the folio
 * dirty, zeroes the hole and splits the folio there (folio_split():
 * unmap_folio() unmaps every other PTE through the batch, mlocked VMAs
 * included) and drops the pieces in the hole.  A pinned folio cannot be
 * split: it stays whole, zeroed in the hole, mapped everywhere else
 * (truncation does not unmap an unsplit shmem folio).  Then the PTEs of
 * every mm (cleared, or uffd-wp markers), and the pieces, or the folio
 * kept whole.
 *
 * Return: whether the PTEs were as expected.
 */
bool lazyfree_punch_and_expect(struct lazyfree_fixture *fx,
			       const struct lazyfree_layout *l,
			       enum lazyfree_trigger trigger)
{
	struct address_space *mapping = fx->file->f_mapping;
	struct kunit *test = fx->test;
	struct lazyfree_expect *exp;
	unsigned int start, len;
	struct folio *head;
	bool ok;
	int ret;

	exp = lazyfree_before_split(fx, l, trigger, LAZYFREE_PUNCH_HOLE);
	lazyfree_punch_range(fx->nr_pages, &start, &len);

	lazyfree_snapshot(fx);
	lazyfree_guard(fx);
	ret = vfs_fallocate(fx->file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			    (loff_t)(fx->folio->index + start) << PAGE_SHIFT,
			    (loff_t)len << PAGE_SHIFT);
	lazyfree_unguard(fx);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0,
			    "fallocate(FALLOC_FL_PUNCH_HOLE) of pages %u to %u of %u",
			    start, start + len - 1, fx->nr_pages);
	ok = lazyfree_expect_unmap(fx, exp);

	/* The test's reference: on the piece holding page 0, or the folio. */
	head = filemap_get_folio(mapping, fx->folio->index);
	if (head != fx->folio) {
		KUNIT_FAIL(test, "page 0 of the folio is %s after the hole punch",
			   IS_ERR(head) ? "not in the page cache" : "in another folio");
		if (!IS_ERR(head))
			folio_put(head);
		fx->leaked = true;
		return false;
	}
	ret = kunit_add_action_or_reset(test, lazyfree_folio_put_action, head);
	KUNIT_ASSERT_EQ(test, ret, 0);
	if (!lazyfree_folio_intact(fx)) {
		KUNIT_EXPECT_EQ_MSG(test, fx->pins, 0,
				    "the pinned folio was split: its pin is an extra reference");
		fx->folio_split = true;
		lazyfree_folios_split++;
		lazyfree_expect_pieces(fx, exp, true);
		return ok;
	}
	KUNIT_EXPECT_NE_MSG(test, fx->pins, 0,
			    "the hole punch left the unpinned folio whole: truncation did not split it");
	lazyfree_expect_zeroed(fx, start, len);
	/* The pattern back in the hole, for the checks of the whole folio. */
	lazyfree_fill(fx->folio, 0);
	lazyfree_expect_unsplit(fx, exp, ok);
	return ok;
}

/*
 * No folio left at the folio's indices in the file's page cache: nothing
 * there for shmem (no swap, so no swap entry, and shmem keeps no shadow),
 * the shadow entry __remove_mapping() leaves for a regular file.
 */
static void lazyfree_expect_dropped(struct lazyfree_fixture *fx)
{
	struct address_space *mapping = fx->file->f_mapping;
	struct lazyfree_diffs d = { .test = fx->test };
	bool shadow = !shmem_mapping(mapping);
	unsigned int i;
	void *entry;

	for (i = 0; i < fx->nr_pages; i++) {
		entry = xa_load(&mapping->i_pages, i);
		if ((shadow ? xa_is_value(entry) : !entry) ||
		    !lazyfree_diff_to_report(&d))
			continue;
		KUNIT_FAIL(fx->test,
			   "page cache index %u/%u holds %s after reclaim freed the folio; expected %s",
			   i, fx->nr_pages,
			   !entry ? "nothing" : xa_is_value(entry) ?
			   "a value (swap or shadow) entry" : "a folio",
			   shadow ? "the shadow entry workingset_eviction() leaves" :
			   "nothing (shmem without swap keeps no shadow)");
	}
	lazyfree_diffs_end(&d, "page cache entries differ");
}

/**
 * lazyfree_expect_reclaimed_file() - what reclaim left of a shmem folio
 * @fx: the fixture (a faulted shmem folio, handed to reclaim_pages() or
 *	MADV_PAGEOUT)
 * @exp: the end state the model gives (@exp->freed: freed)
 * @ok: whether the PTEs were as expected
 *
 * Reclaim unmaps the folio through try_to_unmap() (TTU_BATCH_FLUSH), then
 * drops a clean one from the page cache and frees it (__remove_mapping()),
 * and keeps a dirty one (pageout() without swap: shmem_writeout()
 * redirties it, reclaim activates it) or a pinned one.  Freed: every index
 * empty in the page cache, and the folio not looked at again.  Kept: in
 * the page cache, mapped or not, on the LRU, and checked as after
 * try_to_unmap(), held by the test through the page cache meanwhile.
 *
 * Return: @ok.
 */
bool lazyfree_expect_reclaimed_file(struct lazyfree_fixture *fx,
				    const struct lazyfree_expect *exp, bool ok)
{
	struct kunit *test = fx->test;
	void *entry;

	entry = xa_load(&fx->file->f_mapping->i_pages, 0);
	if (!entry || xa_is_value(entry)) {
		if (!exp->freed)
			KUNIT_FAIL(test,
				   "reclaim freed the %s folio (page cache index 0 empty), which it must keep: the data the program wrote is lost",
				   exp->dirty ? "dirty" : fx->pins ? "pinned" : "mapped");
		/* PTEs may still map the freed pages: cleared, none touched. */
		if (!ok) {
			lazyfree_forget_folio(fx, "after reclaim dropped it from the page cache");
			return ok;
		}
		fx->reclaimed_pages = fx->nr_pages;
		lazyfree_expect_dropped(fx);
		lazyfree_repair_ptes(fx);
		return ok;
	}
	if (exp->freed)
		KUNIT_FAIL(test,
			   "reclaim kept the clean, unpinned folio it unmapped whole in the page cache, which it must free");
	fx->reclaimed_pages = 0;
	if (!lazyfree_hold_cached(fx))
		return false;
	lru_add_drain_all();
	if (ok)
		lazyfree_expect_reads(fx, exp->mapped, true);
	lazyfree_expect_folio(fx, exp, 1, true);
	lazyfree_repair_ptes(fx);
	lazyfree_repair_folio(fx, 1);
	kunit_release_action(test, lazyfree_folio_put_action, fx->folio);
	return ok;
}
