// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for batched unmap of large folios: page-cache folios of a
 * regular file.
 *
 * A regular file's folio is a file folio as a shmem one is, through the
 * same batches of try_to_unmap_one(), but not swapbacked: its PTEs count in
 * MM_FILEPAGES, and reclaim drops a clean one from the page cache instead
 * of writing it out.  The guest has no disk, so the file is the one file of
 * an EROFS image that the test writes into a file of a private ramfs
 * mount and mounts file-backed (CONFIG_EROFS_FS_BACKED_BY_FILE, the
 * image's struct file as the "source" parameter, as fsconfig() passes a
 * file descriptor).  EROFS keeps large folios in its page cache
 * (mapping_set_large_folios()); the test creates one of the layout's order
 * at index 0 as a buffered write creates one (__filemap_get_folio() with
 * fgf_set_order()), reads it in through the file's ->read_folio(), and
 * read-faults it into a read-only MAP_SHARED mapping page by page, as a
 * program that maps the file and reads it does (fault-around maps up to
 * 16 pages per fault), then moves the mapping into place as for faulted
 * shmem.  The image holds lazyfree_pattern(i) in page i of the file, what
 * lazyfree_fill() writes: the data reads back the same from the folio and
 * from the image.
 *
 * Here: the image, the mounts and the folio.
 */

#include <linux/file.h>
#include <linux/fs_context.h>
#include <linux/fs_dirent.h>
#include <linux/mman.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <uapi/linux/magic.h>

/* The on-disk format, as fs/erofs reads it. */
#include "../../fs/erofs/erofs_fs.h"
#include "rmap_lazyfree_batch.h"

/*
 * The image, one page per block: the superblock's block, the inodes, the
 * root directory's entries, then the file's data.
 */
enum lazyfree_erofs_block {
	LAZYFREE_EROFS_SB_BLK,
	LAZYFREE_EROFS_META_BLK,
	LAZYFREE_EROFS_DIR_BLK,
	LAZYFREE_EROFS_DATA_BLK,
};

/* Inode numbers: 32-byte slots from the start of the inodes' block. */
#define LAZYFREE_EROFS_ROOT_NID		1
#define LAZYFREE_EROFS_FILE_NID		2

/* The one file in the image, which holds exactly the folio. */
#define LAZYFREE_EROFS_NAME		"data"

/**
 * struct lazyfree_erofs - what the fixture mounted for a regular file's folio
 * @fx: the fixture; fx->file is the image's file, opened
 * @image: the image, a file on a private ramfs
 */
struct lazyfree_erofs {
	struct lazyfree_fixture *fx;
	struct file *image;
};

/*
 * A private mount of the file system @fs_name, as kern_mount() makes one
 * (SB_KERNMOUNT: its last mntput() tears it down at once), with @source,
 * if any, as its "source" parameter.
 */
static struct vfsmount *lazyfree_kern_mount(const char *fs_name,
					    struct file *source)
{
	struct file_system_type *type = get_fs_type(fs_name);
	struct fs_parameter param = {
		.key = "source",
		.type = fs_value_is_file,
	};
	struct fs_context *fc;
	struct vfsmount *mnt;
	int err = 0;

	if (!type)
		return ERR_PTR(-ENODEV);
	fc = fs_context_for_mount(type, SB_KERNMOUNT);
	put_filesystem(type);
	if (IS_ERR(fc))
		return ERR_CAST(fc);
	if (source) {
		param.file = get_file(source);
		err = vfs_parse_fs_param(fc, &param);
		if (param.file)
			fput(param.file);
	}
	mnt = err ? ERR_PTR(err) : fc_mount(fc);
	put_fs_context(fc);
	return mnt;
}

static int lazyfree_erofs_write(struct file *image, const void *block,
				enum lazyfree_erofs_block blk, unsigned int i)
{
	loff_t pos = (loff_t)(blk + i) << PAGE_SHIFT;
	ssize_t ret = kernel_write(image, block, PAGE_SIZE, &pos);

	return ret == PAGE_SIZE ? 0 : ret < 0 ? ret : -EIO;
}

/* The root directory's entries in @block, sorted by name; returns its size. */
static unsigned int lazyfree_erofs_dirents(void *block)
{
	static const char * const names[] = { ".", "..", LAZYFREE_EROFS_NAME };
	unsigned int i, off = sizeof(struct erofs_dirent) * ARRAY_SIZE(names);
	struct erofs_dirent *de = block;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		bool dir = i < 2;

		de[i].nid = cpu_to_le64(dir ? LAZYFREE_EROFS_ROOT_NID :
					LAZYFREE_EROFS_FILE_NID);
		de[i].nameoff = cpu_to_le16(off);
		de[i].file_type = dir ? FT_DIR : FT_REG_FILE;
		memcpy(block + off, names[i], strlen(names[i]));
		off += strlen(names[i]);
	}
	return off;
}

/* A compact inode of a flat file of @size bytes from block @blk on. */
static void lazyfree_erofs_inode(struct erofs_inode_compact *inode,
				 unsigned int nid, umode_t mode,
				 unsigned int nlink, u32 size,
				 enum lazyfree_erofs_block blk)
{
	inode->i_format = cpu_to_le16(EROFS_INODE_LAYOUT_COMPACT |
				      EROFS_INODE_FLAT_PLAIN << EROFS_I_DATALAYOUT_BIT);
	inode->i_mode = cpu_to_le16(mode);
	inode->i_nb.nlink = cpu_to_le16(nlink);
	inode->i_size = cpu_to_le32(size);
	inode->i_u.startblk_lo = cpu_to_le32(blk);
	inode->i_ino = cpu_to_le32(nid);
}

/*
 * Write the image into @image: a superblock without optional features
 * (no checksum, no compression, no xattrs), the root directory with ".",
 * ".." and the file, whose @nr_pages pages of data follow; both flat
 * (EROFS_INODE_FLAT_PLAIN).
 */
static int lazyfree_erofs_fill(struct file *image, unsigned int nr_pages)
{
	struct erofs_inode_compact *inodes;
	struct erofs_super_block *sb;
	unsigned int dir_size, i;
	void *block;
	int err;

	block = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!block)
		return -ENOMEM;
	dir_size = lazyfree_erofs_dirents(block);
	err = lazyfree_erofs_write(image, block, LAZYFREE_EROFS_DIR_BLK, 0);

	memset(block, 0, PAGE_SIZE);
	inodes = block;
	lazyfree_erofs_inode(&inodes[LAZYFREE_EROFS_ROOT_NID],
			     LAZYFREE_EROFS_ROOT_NID, S_IFDIR | 0755, 2,
			     dir_size, LAZYFREE_EROFS_DIR_BLK);
	lazyfree_erofs_inode(&inodes[LAZYFREE_EROFS_FILE_NID],
			     LAZYFREE_EROFS_FILE_NID, S_IFREG | 0444, 1,
			     nr_pages << PAGE_SHIFT,
			     LAZYFREE_EROFS_DATA_BLK);
	err = err ?: lazyfree_erofs_write(image, block, LAZYFREE_EROFS_META_BLK, 0);

	memset(block, 0, PAGE_SIZE);
	sb = block + EROFS_SUPER_OFFSET;
	sb->magic = cpu_to_le32(EROFS_SUPER_MAGIC_V1);
	sb->blkszbits = PAGE_SHIFT;
	sb->rb.rootnid_2b = cpu_to_le16(LAZYFREE_EROFS_ROOT_NID);
	sb->inos = cpu_to_le64(2);
	sb->blocks_lo = cpu_to_le32(LAZYFREE_EROFS_DATA_BLK + nr_pages);
	sb->meta_blkaddr = cpu_to_le32(LAZYFREE_EROFS_META_BLK);
	err = err ?: lazyfree_erofs_write(image, block, LAZYFREE_EROFS_SB_BLK, 0);

	for (i = 0; i < nr_pages && !err; i++) {
		memset(block, lazyfree_pattern(i), PAGE_SIZE);
		err = lazyfree_erofs_write(image, block, LAZYFREE_EROFS_DATA_BLK, i);
	}
	kfree(block);
	return err;
}

/*
 * The end of the case's mounts: the folio's mappings unmapped (the VMAs
 * hold the file), then the file and the image put for the last time
 * synchronously, each with the puts a kernel thread defers run first
 * (the VMAs' and the EROFS superblock's of its image), so that the
 * superblocks go at once, with their page caches (the folio, if still
 * cached, the image's metadata, the ramfs' pages): none is left on the
 * LRU for the next case (measured: when a folio reclaim had freed was
 * taken for one whose counts were broken, its mount stayed: 201 pages on
 * the file LRU after the reclaim_pages_scenarios rows, and
 * lru_reclaim_scenarios skipped every row).  Not where the kernel
 * under test broke the folio's counts (lazyfree_file_unsound()): the
 * file stays mounted, the folio in its page cache.
 */
static void lazyfree_erofs_release_action(void *data)
{
	struct lazyfree_erofs *e = data;
	struct lazyfree_fixture *fx = e->fx;

	if (fx->file) {
		if (lazyfree_file_unsound(fx))
			return;
		lazyfree_munmap_in(fx->mm, fx->addr, fx->nr_pages * PAGE_SIZE);
		flush_delayed_fput();
		__fput_sync(fx->file);
	}
	flush_delayed_fput();
	__fput_sync(e->image);
}

/*
 * An EROFS image of @nr_pages of data on a ramfs of its own, its file
 * opened: fx->file.  The file and the image go with the case
 * (lazyfree_erofs_release_action()).
 */
static void lazyfree_erofs_mount(struct lazyfree_fixture *fx,
				 unsigned int nr_pages)
{
	struct kunit *test = fx->test;
	struct lazyfree_erofs *e;
	struct vfsmount *mnt;
	struct file *file;
	int err;

	e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	e->fx = fx;
	mnt = lazyfree_kern_mount("ramfs", NULL);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(mnt), "mount of a ramfs failed: %ld",
			       PTR_ERR(mnt));
	e->image = file_open_root_mnt(mnt, "erofs.img", O_CREAT | O_RDWR, 0600);
	/* Each file holds its mount from here on. */
	mntput(mnt);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(e->image),
			       "creating the image's file failed: %ld",
			       PTR_ERR(e->image));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							lazyfree_erofs_release_action,
							e), 0);
	err = lazyfree_erofs_fill(e->image, nr_pages);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "writing the EROFS image failed");

	mnt = lazyfree_kern_mount("erofs", e->image);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(mnt),
			       "mount of the EROFS image failed: %ld", PTR_ERR(mnt));
	file = file_open_root_mnt(mnt, LAZYFREE_EROFS_NAME, O_RDONLY, 0);
	mntput(mnt);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file),
			       "open of the EROFS image's file failed: %ld",
			       PTR_ERR(file));
	fx->file = file;
}

/*
 * Create the folio of @order at index 0 of the file's page cache and read
 * it in, as a buffered read of a large folio reads it: locked by its
 * creation, unlocked by ->read_folio() when the data is there.
 */
static void lazyfree_erofs_read_folio(struct lazyfree_fixture *fx,
				      unsigned int order)
{
	struct address_space *mapping = fx->file->f_mapping;
	struct kunit *test = fx->test;
	unsigned int got;
	struct folio *folio;
	bool uptodate;
	int err = 0;

	folio = __filemap_get_folio(mapping, 0, FGP_LOCK | FGP_CREAT |
				    fgf_set_order(PAGE_SIZE << order),
				    mapping_gfp_mask(mapping));
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(folio),
			       "no folio for the file's page cache: %ld",
			       PTR_ERR(folio));
	if (folio_test_uptodate(folio))
		folio_unlock(folio);
	else
		err = mapping->a_ops->read_folio(fx->file, folio);
	folio_wait_locked(folio);
	uptodate = folio_test_uptodate(folio);
	got = folio_order(folio);
	folio_put(folio);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "->read_folio() of the file");
	KUNIT_ASSERT_TRUE_MSG(test, uptodate, "the folio read in is not uptodate");
	KUNIT_ASSERT_EQ_MSG(test, got, order,
			    "the page cache made an order-%u folio", got);
}

/**
 * lazyfree_erofs_folio() - a large page-cache folio of a regular file
 * @fx: the fixture, its window mapped
 * @layout: the layout; its order is the folio's
 *
 * Writes and mounts an image whose file is exactly the folio's size (a
 * ramfs and a mount per case: a file of its own, an empty page cache),
 * reads a folio of @layout->order into the file's page cache, maps the
 * file read-only and shared in a VMA of the folio's size and alignment,
 * read-faults every page, then moves the VMA to fx->addr (LAZYFREE_FILE).
 * The folio is clean, not swapbacked, held by the page cache; its PTEs
 * count in MM_FILEPAGES.
 */
void lazyfree_erofs_folio(struct lazyfree_fixture *fx,
			  const struct lazyfree_layout *layout)
{
	unsigned long size = PAGE_SIZE << layout->order, from, got;
	struct kunit *test = fx->test;
	unsigned int i;
	int ret = 0;

	lazyfree_erofs_mount(fx, 1U << layout->order);
	fx->rss_member = MM_FILEPAGES;
	lazyfree_erofs_read_folio(fx, layout->order);

	from = lazyfree_map_alone(test, size);
	got = vm_mmap(fx->file, from, size, PROT_READ, MAP_SHARED | MAP_FIXED, 0);
	KUNIT_ASSERT_EQ_MSG(test, got, from,
			    "read-only MAP_SHARED of the file at %#lx failed", from);
	lazyfree_fault_at(fx, from, layout->order, false);
	mmap_read_lock(fx->mm);
	for (i = 1; i < fx->nr_pages && !ret; i++)
		ret = fixup_user_fault(fx->mm, from + i * PAGE_SIZE, 0, NULL);
	mmap_read_unlock(fx->mm);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "read fault at PTE %u failed", i - 1);
	lazyfree_folios_made++;
	fx->cache_refs = fx->nr_pages;
	fx->cached = true;
	lazyfree_expect_file_faulted(fx, from);
	lazyfree_move_faulted(fx, from);
}
