/*
 * vmcore in-process, through its own API and the registry-backed host: the
 * M-extension edge rules, the machine running a guest, and the host refusing
 * locks without real mutual exclusion.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "tests/run_locklab.h"
#include "vmcore/cpu.h"
#include "vmcore/machine.h"
#include "vmcore/vm.h"
#include "harness/vm_host.h"
#include "harness/vm_image.h"

Test(vm_cpu, division_rules)
{
	cr_expect_eq(cpu_div64(7, 0), UINT64_MAX);
	cr_expect_eq(cpu_rem64(7, 0), 7);
	cr_expect_eq(cpu_div64((uint64_t)INT64_MIN, (uint64_t)-1), (uint64_t)INT64_MIN);
	cr_expect_eq(cpu_rem64((uint64_t)INT64_MIN, (uint64_t)-1), 0);
	cr_expect_eq(cpu_div64((uint64_t)-7, 2), (uint64_t)-3);
	cr_expect_eq(cpu_rem64((uint64_t)-7, 2), (uint64_t)-1);
	cr_expect_eq(cpu_div32(0x80000000u, 0xffffffffu), 0xffffffff80000000ull);
	cr_expect_eq(cpu_rem32(0x80000000u, 0xffffffffu), 0);
	cr_expect_eq(cpu_div32(5, 0), UINT64_MAX);
	cr_expect_eq(cpu_rem32(0xfffffffbu, 0), 0xfffffffffffffffbull);
	/* Only the low 32 bits of the operands count. */
	cr_expect_eq(cpu_div32(0x100000006ull, 0x200000003ull), 2);
}

static void run_guest(const char *lock, const char *elf, unsigned harts, unsigned workers,
		      struct vm_result *result)
{
	struct vm_config config = { .harts = harts, .workers = workers, .quantum = 5000,
				    .mem_mib = 64, .stripes = 8, .timeout_s = 60 };
	struct vm_host_options options = { .lock = lock };
	struct vm_host host;
	struct vm_image image;
	struct vm_error error;
	char why[512];
	struct vm *vm;

	cr_assert_eq(vm_image_read(elf, &image, why, sizeof why), 0, "%s: %s", elf, why);
	config.elf_image = image.bytes;
	config.elf_bytes = image.size;
	cr_assert_eq(vm_host_open(&options, &host, why, sizeof why), 0, "%s", why);
	vm = vm_create(&config, &host, &error);
	vm_image_free(&image);
	cr_assert(vm != NULL, "%s: %s", error.value, error.why);
	cr_assert_eq(vm_run(vm, result, &error), 0);
	vm_destroy(vm);
	vm_host_close(&host);
}

Test(vm_cpu, instruction_tests_in_process)
{
	struct vm_result result;

	run_guest("pthread_mutex", test_guest("insn.elf"), 1, 1, &result);
	cr_expect_eq(result.outcome, VM_OUTCOME_PASS, "outcome %s code %llu",
		     vm_outcome_name(result.outcome), (unsigned long long)result.code);
	cr_expect_gt(result.instret[0], 10000);
}

Test(vm_cpu, privileged_tests_in_process)
{
	struct vm_result result;

	run_guest("ck_ticket", test_guest("trap.elf"), 2, 2, &result);
	cr_expect_eq(result.outcome, VM_OUTCOME_PASS, "outcome %s code %llu",
		     vm_outcome_name(result.outcome), (unsigned long long)result.code);
}

/* vm_result counts the guest's pv and LR/SC acquisitions: pvlock's default 20,000
 * iterations per hart plus hart 0's one in its contract check; no LR/SC. */
Test(vm_cpu, pv_acquisitions_counted_eight_harts_one_worker)
{
	struct vm_result result;

	run_guest("ck_mcs", test_guest("pvlock.elf"), 8, 1, &result);
	cr_expect_eq(result.outcome, VM_OUTCOME_PASS, "outcome %s code %llu",
		     vm_outcome_name(result.outcome), (unsigned long long)result.code);
	cr_expect_eq(result.pv_acquisitions, 8 * 20000 + 1);
	cr_expect_eq(result.stripe_acquisitions, 0);
}

Test(vm_cpu, host_counts_site_acquisitions)
{
	struct vm_config config = { .harts = 2, .workers = 1, .quantum = 5000, .mem_mib = 64,
				    .stripes = 8, .timeout_s = 60 };
	struct vm_host host;
	struct vm_host_site sites[16];
	struct vm_image image;
	struct vm_error error;
	struct vm_result result;
	struct vm_host_options options = { .lock = "futex_mutex" };
	char why[512];
	size_t count;
	bool blk = false, runq = false;
	struct vm *vm;

	cr_assert_eq(vm_image_read(test_guest("io.elf"), &image, why, sizeof why), 0, "%s", why);
	config.elf_image = image.bytes;
	config.elf_bytes = image.size;
	cr_assert_eq(vm_host_open(&options, &host, why, sizeof why), 0, "%s", why);
	vm = vm_create(&config, &host, &error);
	vm_image_free(&image);
	cr_assert(vm != NULL, "%s", error.why);
	cr_assert_eq(vm_run(vm, &result, &error), 0);
	cr_expect_eq(result.outcome, VM_OUTCOME_PASS);
	vm_destroy(vm);
	count = vm_host_sites(&host, sites, 16);
	for (size_t i = 0; i < count; i++) {
		if (strcmp(sites[i].name, "blk.queue") == 0)
			blk = sites[i].acquisitions >= 2 * 25; /* doorbell + I/O thread per request */
		if (strcmp(sites[i].name, "exec.runq") == 0)
			runq = sites[i].acquisitions > 0 && sites[i].locks == 1;
	}
	cr_expect(blk && runq);
	vm_host_close(&host);
}

Test(vm_cpu, host_refuses_locks_without_mutual_exclusion)
{
	struct vm_host host;
	char why[512];

	cr_expect_neq(vm_host_open(&(struct vm_host_options){ .lock = "null" }, &host, why,
				   sizeof why),
		      0);
	cr_expect_str_eq(why, "--lock null: a control lock gives no mutual exclusion; VM lock "
			      "sites need it");
	cr_expect_neq(vm_host_open(&(struct vm_host_options){ .lock = "ck_swlock" }, &host, why,
				   sizeof why),
		      0);
	cr_expect(strstr(why, "single-writer") != NULL, "%s", why);
	cr_expect_neq(vm_host_open(&(struct vm_host_options){ .lock = "no_such_lock" }, &host,
				   why, sizeof why),
		      0);
	cr_expect_str_eq(why, "--lock no_such_lock: unknown lock (see locklab list)");
}

/* One LR.D (funct5 2) or SC.D (3) by hart h on the doubleword at address:
 * x5 holds the address, x6 the value to store, the result goes to x7. */
static uint64_t lrsc(struct hart *h, unsigned funct5, uint64_t address, uint64_t value)
{
	const struct insn in = { .imm = (int32_t)(funct5 << 8 | 3), .rd = 7, .rs1 = 5, .rs2 = 6 };
	uint64_t tval;

	h->x[5] = address;
	h->x[6] = value;
	cr_assert_eq(cpu_amo(h, &in, &tval), 0);
	return h->x[7];
}

/* SC's exactness beyond a compare-and-swap: another hart's successful SCs that
 * put the old value back (A-B-A) still fail this hart's SC, while an SC that
 * fails, or one without a reservation, leaves others' reservations alone. */
/* A VM of two harts on insn.elf whose LR/SC the tests drive by hand. */
static struct vm *lrsc_vm(unsigned stripes, unsigned mem_mib, struct vm_host *host)
{
	struct vm_config config = { .harts = 2, .workers = 1, .quantum = 1000,
				    .mem_mib = mem_mib, .stripes = stripes, .timeout_s = 10 };
	struct vm_host_options options = { .lock = "pthread_mutex" };
	struct vm_image image;
	struct vm_error error;
	char why[512];

	cr_assert_eq(vm_image_read(test_guest("insn.elf"), &image, why, sizeof why), 0, "%s", why);
	config.elf_image = image.bytes;
	config.elf_bytes = image.size;
	cr_assert_eq(vm_host_open(&options, host, why, sizeof why), 0, "%s", why);
	struct vm *vm = vm_create(&config, host, &error);
	vm_image_free(&image);
	cr_assert(vm != NULL, "%s", error.why);
	return vm;
}

Test(vm_cpu, sc_fails_after_another_harts_sc_even_when_the_value_is_back)
{
	struct vm_host host;
	struct vm *vm = lrsc_vm(4, 16, &host);
	struct hart *a = &vm->harts[0], *b = &vm->harts[1];
	const uint64_t address = MEM_RAM_BASE + (8u << 20);
	uint64_t *word = (uint64_t *)(void *)(vm->ram + (address - MEM_RAM_BASE));

	*word = 10;
	cr_expect_eq(lrsc(a, 2, address, 0), 10, "LR reads the value");
	cr_expect_eq(lrsc(b, 3, address, 99), 1, "an SC without a reservation fails");
	cr_expect_eq(lrsc(a, 3, address, 11), 0, "and leaves A's reservation alone");
	cr_expect_eq(*word, 11);

	cr_expect_eq(lrsc(a, 2, address, 0), 11);
	cr_expect_eq(lrsc(b, 2, address, 0), 11);
	cr_expect_eq(lrsc(b, 3, address, 12), 0, "B's SC succeeds");
	cr_expect_eq(lrsc(b, 2, address, 0), 12);
	cr_expect_eq(lrsc(b, 3, address, 11), 0, "and B puts 11 back");
	cr_expect_eq(lrsc(a, 3, address, 50), 1, "A's SC fails: B stored since A's LR");
	cr_expect_eq(*word, 11);
	cr_expect_eq(lrsc(a, 3, address, 51), 1, "a second SC has no reservation");

	vm_destroy(vm);
	vm_host_close(&host);
}

/* A reservation covers its page's stripe (vmcore/cpu_amo.c): another hart's SC
 * on the same page breaks it, one on another page does not, also at the strides
 * that tile the stripe table (a page a stripe, rotated per tile) and at the
 * suite's 4 MiB arena stride: harts working on data of their own do not fail
 * each other's SCs or share stripe locks. */
Test(vm_cpu, a_reservation_is_broken_by_scs_on_its_page_only)
{
	const unsigned stripes = 4096, page = 1u << MEM_PAGE_SHIFT;
	const uint64_t tile = (uint64_t)stripes * page, address = MEM_RAM_BASE + (1u << 20);
	const uint64_t others[] = { page, 4u << 20, tile, 2 * tile, 3 * tile - (4u << 20) };
	struct vm_host host;
	struct vm *vm = lrsc_vm(stripes, 64, &host);
	struct hart *a = &vm->harts[0], *b = &vm->harts[1];

	cr_expect_eq(lrsc(a, 2, address, 0), 0);
	cr_expect_eq(lrsc(b, 2, address + 8, 0), 0);
	cr_expect_eq(lrsc(b, 3, address + 8, 1), 0, "B's SC on the same page succeeds");
	cr_expect_eq(lrsc(a, 3, address, 1), 1, "and A's fails: its reservation covers the page");
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		cr_expect_eq(lrsc(a, 2, address, 0), 0);
		cr_expect_eq(lrsc(b, 2, address + others[i], 0), 0);
		cr_expect_eq(lrsc(b, 3, address + others[i], 2), 0);
		cr_expect_eq(lrsc(a, 3, address, 0), 0,
			     "A's SC fails after B's SC %" PRIu64 " bytes away", others[i]);
	}
	vm_destroy(vm);
	vm_host_close(&host);
}

