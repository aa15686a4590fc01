#include <criterion/criterion.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "harness/lock_select.h"
#include "locks/ck_fas.h"
#include "locks/ck_mcs.h"
#include "locks/registry.h"


Test(registry, has_at_least_26_primitives_with_unique_names)
{
	cr_assert_geq(ll_registry_count, 26);
	for (size_t i = 0; i < ll_registry_count; i++)
		for (size_t j = i + 1; j < ll_registry_count; j++)
			cr_expect_str_neq(ll_registry[i].name, ll_registry[j].name);
}

Test(registry, every_header_is_registered_and_every_entry_has_a_header)
{
	DIR *dir = opendir("locks");
	struct dirent *entry;
	size_t headers = 0;

	cr_assert_not_null(dir, "tests run from the repository root");
	while ((entry = readdir(dir)) != NULL) {
		size_t len = strlen(entry->d_name);
		char name[256];

		/* Every header in locks/ is a primitive, except the registry's own. */
		if (len < 3 || strcmp(entry->d_name + len - 2, ".h") != 0 ||
		    strcmp(entry->d_name, "registry.h") == 0)
			continue;
		snprintf(name, sizeof name, "%.*s", (int)(len - 2), entry->d_name);
		cr_expect_not_null(ll_find(name), "locks/%s has no registry entry", entry->d_name);
		headers++;
	}
	closedir(dir);
	cr_expect_eq(headers, ll_registry_count, "%zu primitive headers, %zu registry entries",
		     headers, ll_registry_count);
}

/* Bytes of buffer that differ from the fill pattern, and the last offset that does. */
static size_t touched(const unsigned char *buffer, size_t size, size_t *last)
{
	size_t n = 0;

	*last = 0;
	for (size_t i = 0; i < size; i++)
		if (buffer[i] != 0xa5) {
			n++;
			*last = i;
		}
	return n;
}

/* The figure a user reads as "this lock is N bytes", checked against what the lock
 * actually writes: every operation on a lock placed in a pattern-filled buffer
 * leaves everything past lock_bytes (and past ctx_bytes in its context) untouched,
 * and touches its last claimed byte's word, so the claim is neither too small (the
 * lock would overrun its neighbour) nor padded (the memory table would flatter
 * nobody but mislead everyone). */
Test(registry, every_lock_writes_exactly_within_its_claimed_bytes)
{
	struct ll_params params = { .max_threads = 2, .numa_nodes = 1 };
	static unsigned char lock[4096] __attribute__((aligned(128)));
	static unsigned char ctx[4096] __attribute__((aligned(128)));

	for (size_t l = 0; l < ll_registry_count; l++) {
		const struct ll_info *info = &ll_registry[l];
		const struct ll_ops *ops = &info->ops;
		size_t last, ctx_last;

		if (info->control)
			continue; /* wrong or empty on purpose: no size anyone quotes */
		memset(lock, 0xa5, sizeof lock);
		memset(ctx, 0xa5, sizeof ctx);
		cr_assert_eq(ops->init(lock, &params), 0, "%s", info->name);
		ops->ctx_init(lock, ctx, 0, 0);
		ops->lock(lock, ctx);
		ops->unlock(lock, ctx);
		if (ll_is_rw(info) && !info->single_writer) {
			ops->read_lock(lock, ctx);
			ops->read_unlock(lock, ctx);
		}
		if (ops->trylock != NULL && ops->trylock(lock, ctx))
			ops->unlock(lock, ctx);
		/* Read before destroy, which may scrub the object. */
		size_t n = touched(lock, sizeof lock, &last);
		size_t ctx_n = touched(ctx, sizeof ctx, &ctx_last);
		ops->ctx_fini(lock, ctx);
		ops->destroy(lock);

		cr_expect_gt(n, 0, "%s: init wrote nothing into its object", info->name);
		cr_expect_lt(last, info->lock_bytes, "%s: wrote byte %zu of a %zu-byte lock",
			     info->name, last, info->lock_bytes);
		/* Compilers pad structs to their alignment, and a flag word may be
		 * written as a whole: the last byte written lies in the last 8, or the
		 * object is padded to whole LL_PAD lines on purpose (its hot word on a
		 * line of its own) and the last byte written lies in its last line. */
		bool line_padded = info->lock_bytes % LL_PAD == 0 && last / LL_PAD ==
									      info->lock_bytes / LL_PAD - 1;
		cr_expect(last + 8 >= info->lock_bytes || line_padded,
			  "%s: claims %zu bytes, writes only up to byte %zu", info->name,
			  info->lock_bytes, last);
		if (info->ctx_bytes == 0)
			cr_expect_eq(ctx_n, 0, "%s: claims no context, wrote %zu bytes of one",
				     info->name, ctx_n);
		else
			cr_expect_lt(ctx_last, info->ctx_bytes,
				     "%s: wrote byte %zu of a %zu-byte context", info->name,
				     ctx_last, info->ctx_bytes);
	}
	/* What the memory table's readers quote: the sizes themselves. */
	cr_expect_eq(ll_find("parking")->lock_bytes, 1, "the parking lock's promise is one byte");
	cr_expect_eq(ll_find("futex_mutex")->lock_bytes, 4);
	cr_expect_eq(ll_find("pthread_mutex")->ctx_bytes, 0, "no context: reported as 0");
}

struct reader {
	const struct ll_info *info;
	void *lock;
	void *ctx;
	bool acquired;
};

static void *second_reader(void *arg)
{
	struct reader *r = arg;

	r->info->ops.read_lock(r->lock, r->ctx);
	r->acquired = true;
	r->info->ops.read_unlock(r->lock, r->ctx);
	return NULL;
}

/* A reader/writer lock's promise: a second reader gets in while a first one holds
 * it. The first reader holds until the second has been and gone, so a lock whose
 * read side excludes readers deadlocks here, and the test's timeout fails it.
 * Both contexts are set up first, as the harness does: registering a reader
 * (ck_brlock) takes the write side. */
Test(registry, rw_locks_admit_a_second_reader_while_one_holds, .timeout = 30)
{
	struct ll_params params = { .max_threads = 2, .numa_nodes = 1 };
	size_t rw = 0;

	for (size_t l = 0; l < ll_registry_count; l++) {
		const struct ll_info *info = &ll_registry[l];
		pthread_t thread;

		if (!ll_is_rw(info) || info->unsound)
			continue;
		rw++;
		void *lock = ll_lock_new(info, &params);
		void *first = ll_ctx_new(info), *second = ll_ctx_new(info);
		cr_assert(lock && first && second, "%s", info->name);
		info->ops.ctx_init(lock, first, 0, 0);
		info->ops.ctx_init(lock, second, 1, 0);
		info->ops.read_lock(lock, first);
		struct reader r = { info, lock, second, false };
		cr_assert_eq(pthread_create(&thread, NULL, second_reader, &r), 0);
		cr_assert_eq(pthread_join(thread, NULL), 0);
		cr_expect(r.acquired, "%s", info->name);
		info->ops.read_unlock(lock, first);
		info->ops.ctx_fini(lock, second);
		info->ops.ctx_fini(lock, first);
		ll_ctx_free(info, second);
		ll_ctx_free(info, first);
		ll_lock_free(info, lock);
	}
	cr_expect_geq(rw, 8, "pthread x2 and ck x6 rw locks");
}

Test(registry, every_lock_has_every_operation)
{
	for (size_t i = 0; i < ll_registry_count; i++) {
		const struct ll_info *info = &ll_registry[i];
		const struct ll_ops *ops = &info->ops;

		cr_expect(ops->init && ops->destroy && ops->ctx_init && ops->ctx_fini &&
				  ops->lock && ops->unlock && ops->read_lock && ops->read_unlock &&
				  ops->write_lock && ops->write_unlock,
			  "%s lacks an operation", info->name);
		cr_expect_eq(info->has_trylock, ops->trylock != NULL, "%s", info->name);
	}
}

Test(registry, trylock_absent_exactly_where_ck_has_none)
{
	const char *none[] = { "ck_clh", "ck_anderson", "ck_hclh", "ck_pflock", "ck_tflock",
			       "ck_bytelock" };

	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
		cr_expect_not(ll_find(none[i])->has_trylock, "%s", none[i]);
	cr_expect(ll_find("ck_mcs")->has_trylock);
	cr_expect(ll_find("parking")->has_trylock);
}

Test(registry, init_bytes_are_counted)
{
	struct ll_params params = { .max_threads = 8, .numa_nodes = 1 };
	uint64_t before = ll_heap_live();

	/* ck_clh owns one padded node per thread plus the unowned one. */
	cr_expect_eq(ll_init_bytes(ll_find("ck_clh"), &params), 9 * LL_PAD);
	cr_expect_eq(ll_init_bytes(ll_find("ck_fas"), &params), 0);
	cr_expect_gt(ll_init_bytes(ll_find("ck_anderson"), &params), 0);
	cr_expect_eq(ll_heap_live(), before, "destroy frees what init allocated");
}

Test(registry, controls_are_flagged_and_left_out_of_all)
{
	const struct ll_info *selected[ll_registry_count];
	size_t count;

	size_t controls = 0;
	for (size_t i = 0; i < ll_registry_count; i++)
		controls += ll_registry[i].control;
	cr_assert(ll_find("null")->control && ll_find("broken")->control &&
		  ll_find("broken_rw")->control && ll_find("stuck")->control);
	cr_expect_eq(controls, 4);
	cr_assert(lock_select("--lock", "all", selected, &count));
	cr_expect_eq(count, ll_registry_count - controls);
	for (size_t i = 0; i < count; i++)
		cr_expect_not(selected[i]->control, "%s", selected[i]->name);
	cr_assert(lock_select("--lock", "broken,ck_mcs", selected, &count));
	cr_expect_eq(count, 2);
	cr_expect_not(ll_find("ck_swlock")->control);
	cr_expect(ll_find("ck_swlock")->single_writer);
}

/* What `run` refuses: the controls that are wrong on purpose, and only they (null
 * and stuck are measured: the harness floor and the watchdog's test). */
Test(registry, only_the_negative_controls_are_unsound)
{
	for (size_t i = 0; i < ll_registry_count; i++) {
		const struct ll_info *info = &ll_registry[i];
		bool negative = strcmp(info->name, "broken") == 0 ||
				strcmp(info->name, "broken_rw") == 0;

		cr_expect_eq(info->unsound, negative, "%s", info->name);
		cr_expect(!info->unsound || info->control, "%s: unsound but not a control",
			  info->name);
	}
	cr_expect(ll_is_rw(ll_find("broken_rw")));
	cr_expect_not(ll_find("broken_rw")->has_trylock,
		      "a trylock would let the deterministic checks catch broken_rw");
}

/* The back-off variants are ck's, with ck's trylock, beside the plain ones. */
Test(registry, ck_back_off_variants_are_registered_like_the_plain_ones)
{
	const char *pairs[][2] = { { "ck_fas", "ck_fas_eb" }, { "ck_cas", "ck_cas_eb" } };

	for (size_t i = 0; i < 2; i++) {
		const struct ll_info *plain = ll_find(pairs[i][0]), *eb = ll_find(pairs[i][1]);

		cr_assert_not_null(eb, "%s", pairs[i][1]);
		cr_expect_str_eq(eb->family, plain->family);
		cr_expect_eq(eb->kind, plain->kind);
		cr_expect_eq(eb->policy, plain->policy);
		cr_expect_eq(eb->fair, plain->fair);
		cr_expect(eb->has_trylock);
		cr_expect_eq(eb->lock_bytes, plain->lock_bytes);
		cr_expect_eq(eb->ctx_bytes, 0);
	}
}
