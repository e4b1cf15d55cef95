// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for batched unmap of lazyfree large folios: the user mm the
 * cases work in, and its page tables.
 */

#include "rmap_lazyfree_batch.h"

/* The PMD entry covering @addr, allocating the levels above it. */
pmd_t *lazyfree_pmd_alloc(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;

	p4d = p4d_alloc(mm, pgd, addr);
	if (!p4d)
		return NULL;
	pud = pud_alloc(mm, p4d, addr);
	if (!pud)
		return NULL;
	return pmd_alloc(mm, pud, addr);
}

/*
 * Map the page table covering @addr, allocating the upper levels and the
 * table itself if @alloc.  Returns NULL when there is no table (or no memory).
 */
pte_t *lazyfree_pte_lock(struct mm_struct *mm, unsigned long addr,
			 bool alloc, spinlock_t **ptl)
{
	pmd_t *pmd;

	if (!alloc) {
		pmd = mm_find_pmd(mm, addr);
		return pmd ? pte_offset_map_lock(mm, pmd, addr, ptl) : NULL;
	}

	pmd = lazyfree_pmd_alloc(mm, addr);
	if (!pmd || pte_alloc(mm, pmd))
		return NULL;
	return pte_offset_map_lock(mm, pmd, addr, ptl);
}

/*
 * An RSS counter of @mm, exact and signed.  get_mm_counter() reads only the
 * shared part of the per-CPU counter, which on SMP lags by up to a batch per
 * CPU, and hides a count below zero.
 */
long lazyfree_rss(struct mm_struct *mm, int member)
{
	return percpu_counter_sum(&mm->rss_stat[member]);
}

/* The name of RSS counter @member, for reports. */
const char *lazyfree_rss_name(int member)
{
	static const char * const names[NR_MM_COUNTERS] = {
		[MM_FILEPAGES] = "MM_FILEPAGES",
		[MM_ANONPAGES] = "MM_ANONPAGES",
		[MM_SWAPENTS] = "MM_SWAPENTS",
		[MM_SHMEMPAGES] = "MM_SHMEMPAGES",
	};

	return names[member];
}

/*
 * Read the PTE at @addr as the page table holds it
 * (lazyfree_raw_ptep_get()); pte_none() if there is no page table.
 */
pte_t lazyfree_read_pte(struct mm_struct *mm, unsigned long addr)
{
	spinlock_t *ptl;	/* the PTE table's lock */
	pte_t *ptep, pte;

	ptep = lazyfree_pte_lock(mm, addr, false, &ptl);
	if (!ptep)
		return __pte(0);
	pte = lazyfree_raw_ptep_get(ptep);
	pte_unmap_unlock(ptep, ptl);
	return pte;
}

/*
 * The user mm every case works in, made once per suite by
 * lazyfree_mm_suite_init().  A new mm per case (kunit_attach_mm()) cost
 * more than the case itself: on UML each mm is a host process, started
 * and killed again, 1.15 ms of the 1.6 ms a random layout took on average
 * (measured with the layouts returning right after mapping their window).
 * Where reclaim can defer a batch's TLB flush (LAZYFREE_CAN_DEFER_FLUSH)
 * each case gets an mm of its own instead: whether reclaim defers depends
 * on the CPUs the mm was ever live on (mm_cpumask(), which x86 trims only
 * lazily), and a case must not inherit that from the cases before it.
 */
static struct mm_struct *lazyfree_mm;

/* A new user mm, of the task size and mmap layout a process gets. */
struct mm_struct *lazyfree_mm_new(void)
{
	struct mm_struct *mm = mm_alloc();

	if (!mm)
		return NULL;
	mm->task_size = TASK_SIZE;
	arch_pick_mmap_layout(mm, &current->signal->rlim[RLIMIT_STACK]);
	return mm;
}

/*
 * Make the suite's mm (where LAZYFREE_CAN_DEFER_FLUSH, a new one) the
 * KUnit thread's; its exit drops the reference.  On SMP the thread stays
 * on the CPU it runs on: the mm is then live on that CPU alone, and
 * reclaim flushes the TLB after each batch, until lazyfree_share_mms()
 * makes the mm live on the other CPUs too.
 */
void lazyfree_use_mm(struct kunit *test)
{
	struct mm_struct *mm = lazyfree_mm;

	if (current->mm)
		return;
	if (IS_ENABLED(CONFIG_SMP)) {
		const struct cpumask *here = cpumask_of(raw_smp_processor_id());

		KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, here), 0);
	}
	if (LAZYFREE_CAN_DEFER_FLUSH) {
		mm = lazyfree_mm_new();
		KUNIT_ASSERT_NOT_NULL(test, mm);
	} else {
		mmget(mm);
	}
	kthread_use_mm(mm);
}

struct lazyfree_mm_work {
	struct work_struct work;
	struct mm_struct *mm;
};

static void lazyfree_mm_work_fn(struct work_struct *work)
{
	struct mm_struct *mm = container_of(work, struct lazyfree_mm_work, work)->mm;

	kthread_use_mm(mm);
	kthread_unuse_mm(mm);
}

/*
 * Make @mms live on every other CPU too, as a multithreaded program's mm
 * is: a worker there switches to each, @mms[0] last, and leaves it loaded
 * (lazy TLB), so each stays in mm_cpumask() for that CPU, and reclaim
 * from this CPU defers the TLB flush of every batch it clears
 * (TTU_BATCH_FLUSH) to try_to_unmap_flush(), which sends it there.
 */
void lazyfree_share_mms(struct mm_struct **mms, unsigned int nr)
{
	struct lazyfree_mm_work w;
	unsigned int k;
	int cpu, this;

	if (!IS_ENABLED(CONFIG_SMP))
		return;
	this = get_cpu();
	put_cpu();
	for_each_online_cpu(cpu) {
		if (cpu == this)
			continue;
		for (k = nr; k-- > 0;) {
			INIT_WORK_ONSTACK(&w.work, lazyfree_mm_work_fn);
			w.mm = mms[k];
			schedule_work_on(cpu, &w.work);
			flush_work(&w.work);
			destroy_work_on_stack(&w.work);
		}
	}
}

/**
 * struct lazyfree_mapping - an anonymous mapping a case made in the mm
 * @mm: the mm it is in (a reference)
 * @addr: its start
 * @size: its size
 */
struct lazyfree_mapping {
	struct mm_struct *mm;
	unsigned long addr;
	unsigned long size;
};

/*
 * vm_munmap() of @size bytes at @addr in @mm, also from the KUnit thread
 * that cleans up once a case is over (the case's own thread is gone then;
 * it borrows the mm).
 */
void lazyfree_munmap_in(struct mm_struct *mm, unsigned long addr,
			unsigned long size)
{
	bool borrow = current->mm != mm;

	if (LAZYFREE_CONT_PTES > 1)
		lazyfree_unfold_unsound(mm, addr, addr + size);
	if (borrow)
		kthread_use_mm(mm);
	vm_munmap(addr, size);
	if (borrow)
		kthread_unuse_mm(mm);
}

/*
 * Unmap a case's mapping once the case is over, so that the next case
 * finds the mm empty: its folios and page tables freed.
 */
static void lazyfree_munmap_action(void *data)
{
	struct lazyfree_mapping *m = data;

	lazyfree_munmap_in(m->mm, m->addr, m->size);
	mmput(m->mm);
}

/* An anonymous read-write mapping of @size in the suite's mm. */
unsigned long lazyfree_mmap(struct kunit *test, unsigned long size)
{
	struct lazyfree_mapping *m;
	unsigned long uaddr;

	lazyfree_use_mm(test);
	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	uaddr = vm_mmap(NULL, 0, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(uaddr), "mmap() failed: %ld",
			       (long)uaddr);
	m->mm = current->mm;
	mmget(m->mm);
	m->addr = uaddr;
	m->size = size;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, lazyfree_munmap_action, m), 0);
	return uaddr;
}

/*
 * Give the KUnit thread the suite's mm with an anonymous mapping of
 * LAZYFREE_WINDOW_SIZE and return a PMD-aligned address with at least one
 * PMD_SIZE of that mapping on either side.
 */
unsigned long lazyfree_map_window(struct kunit *test)
{
	return ALIGN(lazyfree_mmap(test, LAZYFREE_WINDOW_SIZE), PMD_SIZE) + PMD_SIZE;
}

static ktime_t lazyfree_suite_start;

/**
 * lazyfree_mm_suite_init() - make the user mm a suite's cases work in
 * @suite: the suite
 *
 * Each case then maps what it needs there (lazyfree_mmap()), unmapped
 * again when the case ends, and runs with it as current->mm
 * (lazyfree_use_mm()).
 *
 * Return: 0, or -ENOMEM.
 */
int lazyfree_mm_suite_init(struct kunit_suite *suite)
{
	lazyfree_mm = LAZYFREE_CAN_DEFER_FLUSH ? NULL : lazyfree_mm_new();
	if (!LAZYFREE_CAN_DEFER_FLUSH && !lazyfree_mm)
		return -ENOMEM;
	lazyfree_suite_start = ktime_get();
	return 0;
}

/**
 * lazyfree_mm_suite_exit() - drop the suite's mm, say how long it took
 * @suite: the suite
 *
 * The tests are meant for pre-submit runs: each suite reports its time.
 */
void lazyfree_mm_suite_exit(struct kunit_suite *suite)
{
	if (lazyfree_mm)
		mmput(lazyfree_mm);
	lazyfree_mm = NULL;
	pr_info("%s: suite ran in %lld ms\n", suite->name,
		ktime_ms_delta(ktime_get(), lazyfree_suite_start));
}

/*
 * Folios the fixture allocated, folios that were then freed: by reclaim,
 * or by the test dropping the last reference once every mapping was gone
 * (see lazyfree_release_and_expect()), and folios LRU reclaim split as it
 * must (lazyfree_expect_folio_split()), whose pieces go with the case's mappings.
 * lazyfree_suite_exit() reports all three; in a passing run the first is
 * the sum of the others.
 */
unsigned int lazyfree_folios_made;
unsigned int lazyfree_folios_freed;
unsigned int lazyfree_folios_split;

/**
 * lazyfree_suite_init() - suite_init of a suite whose cases make folios
 * @suite: the suite
 *
 * Return: 0, or -ENOMEM.
 */
int lazyfree_suite_init(struct kunit_suite *suite)
{
	lazyfree_folios_made = 0;
	lazyfree_folios_freed = 0;
	lazyfree_folios_split = 0;
	if (LAZYFREE_CONT_PTES > 1) {
		lazyfree_cont_unmaps = 0;
		lazyfree_cont_ptes = 0;
	}
	return lazyfree_mm_suite_init(suite);
}

/**
 * lazyfree_suite_exit() - suite_exit of a suite whose cases make folios
 * @suite: the suite
 *
 * Says how many folios the suite made and what became of them.
 */
void lazyfree_suite_exit(struct kunit_suite *suite)
{
	lazyfree_mm_suite_exit(suite);
	pr_info("%s: %u folios made, %u freed, %u split by the kernel\n",
		suite->name, lazyfree_folios_made, lazyfree_folios_freed,
		lazyfree_folios_split);
	if (LAZYFREE_CONT_PTES > 1)
		pr_info("%s: %u unmaps began with contiguous PTEs, %lu blocks of %u\n",
			suite->name, lazyfree_cont_unmaps,
			lazyfree_cont_ptes / LAZYFREE_CONT_PTES, LAZYFREE_CONT_PTES);
}

MODULE_DESCRIPTION("KUnit tests for batched unmap of lazyfree large folios");
MODULE_LICENSE("GPL");
