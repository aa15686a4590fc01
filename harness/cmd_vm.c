/*
 * locklab vm: run a RISC-V ELF guest on vmcore under one lock primitive.
 * Exit 0 guest passed; 1 guest failed, timed out, hit --max-insns or trapped with
 * no handler; 2 bad option or ELF; 3 environment.
 */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli.h"
#include "harness/vm_error.h"
#include "harness/vm_host.h"
#include "harness/vm_image.h"
#include "vmcore/vm.h"

#define VM_DEFAULT_QUANTUM 20000ul
/* A stripe a guest page (vmcore/cpu_amo.c): 4096 cover 16 MiB of guest pages
 * before two share a stripe, so harts that LR/SC data of their own (the suite's
 * 4 MiB arenas) do not share stripe lines; 1024 left suite-hash's 2-hart run at
 * 1.80x of one hart, 4096 at 2.03x, for 50 ms more start-up. */
#define VM_DEFAULT_STRIPES 4096ul

static void vm_usage(FILE *out)
{
	fputs("usage: locklab vm --elf FILE [options]\n"
	      "  --elf FILE         RISC-V ELF64 guest (entry in M-mode on every hart, a0 = hart id)\n"
	      "  --harts H          harts (1..64, default 1)\n"
	      "  --workers W        host threads running harts (default min(harts, online CPUs))\n"
	      "  --lock NAME        lock primitive for every VM lock site (default pthread_mutex)\n"
	      "  --site S=L[,...]   lock L for site S instead (sites: exec.runq, bcache, amo.stripe,\n"
	      "                     uart, plic, clint, blk.queue, irq, pv.lock)\n"
	      "  --site-profile     time every acquisition: per-site waits, holds, contention\n"
	      "  --mem MIB          guest RAM at 0x80000000 (16..4096, default 128)\n"
	      "  --max-insns N      stop (exit 1) when a hart retires N instructions (default: none)\n"
	      "  --timeout S        stop (exit 1) after S seconds (default: none)\n"
	      "  --deterministic    one worker, fixed quantum, mtime from instructions retired\n"
	      "  --quantum N        instructions per hart turn (default 20000)\n"
	      "  --stripes N        LR/SC reservation stripes, a power of two (default 4096)\n"
	      "  --disk FILE        block device image (default: 4 MiB in RAM)\n"
	      "  --guest-iters N    iterations for the guest's loops (sysinfo +8; 0: its default)\n"
	      "  --no-opt           interpret every block (no hot blocks compiled to host code)\n"
	      "  --jit-heat N       executions before a block is compiled (default 32; 1: at once)\n"
	      "  --linux            a static riscv64 Linux program: one hart in U-mode, its ecalls\n"
	      "                     are system calls (exit 93/94, write 64; any other stops the run)\n"
	      "  --help             this text\n",
	      out);
}

/* Sites by total wait, largest first (acquisitions when not profiled). */
struct vm_site_row {
	struct vm_host_site site;
	struct hist *wait, *hold;
};

static int vm_site_order(const void *left, const void *right)
{
	const struct vm_site_row *a = left, *b = right;

	if (a->wait->sum != b->wait->sum)
		return a->wait->sum < b->wait->sum ? 1 : -1;
	return (a->site.acquisitions < b->site.acquisitions) -
	       (a->site.acquisitions > b->site.acquisitions);
}

/* The per-site table: every site's primitive, instances, bytes and acquisitions;
 * with the profile also contention, wait and hold, sorted by total wait. */
static int vm_report_sites(const struct vm_host *host, bool profiled)
{
	struct vm_host_site sites[16];
	size_t count = vm_host_sites(host, sites, 16);
	struct vm_site_row rows[16];
	size_t bytes = 0;

	for (size_t i = 0; i < count; i++) {
		rows[i].site = sites[i];
		rows[i].wait = malloc(sizeof *rows[i].wait);
		rows[i].hold = malloc(sizeof *rows[i].hold);
		if (rows[i].wait == NULL || rows[i].hold == NULL) {
			for (size_t j = 0; j <= i; j++) {
				free(rows[j].wait);
				free(rows[j].hold);
			}
			cli_error("vm", "--site-profile", "out of memory");
			return -1;
		}
		vm_host_site_times(host, i, rows[i].wait, rows[i].hold);
		bytes += sites[i].lock_bytes;
	}
	qsort(rows, count, sizeof rows[0], vm_site_order);
	printf("vm: lock bytes total %zu (every VM lock object, its contexts and init heap)\n",
	       bytes);
	if (profiled)
		printf("vm: %-10s %-22s %-5s %5s %12s %11s %9s %10s %10s %12s %10s %10s %12s\n",
		       "site", "lock", "mode", "locks", "acquisitions", "contended", "threshold",
		       "wait_p50", "wait_p99", "wait_total", "hold_p50", "hold_p99", "hold_total");
	for (size_t i = 0; i < count; i++) {
		const struct vm_host_site *site = &rows[i].site;

		if (!profiled) {
			printf("vm: site %s: lock %s%s locks %u bytes %zu acquisitions %" PRIu64 "\n",
			       site->name, site->lock, site->rw_ops ? " (rw)" : "", site->locks,
			       site->lock_bytes, site->acquisitions);
			continue;
		}
		printf("vm: %-10s %-22s %-5s %5u %12" PRIu64 " %11" PRIu64 " %9.0f %10" PRIu64
		       " %10" PRIu64 " %12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %12" PRIu64 "\n",
		       site->name, site->lock, site->rw_ops ? "rw" : "mutex", site->locks,
		       site->acquisitions, site->contended, site->threshold_ns,
		       hist_percentile(rows[i].wait, 50),
		       hist_percentile(rows[i].wait, 99), rows[i].wait->sum,
		       hist_percentile(rows[i].hold, 50), hist_percentile(rows[i].hold, 99),
		       rows[i].hold->sum);
	}
	if (profiled)
		printf("vm: times in ns; contended: a wait above the threshold, twice the "
		       "primitive's uncontended p99\n");
	for (size_t i = 0; i < count; i++) {
		free(rows[i].wait);
		free(rows[i].hold);
	}
	return 0;
}

static int vm_report(const struct vm_config *config, const char *lock,
		     const struct vm_result *result, const struct vm_host *host, bool profiled)
{
	uint64_t total = 0;

	printf("vm: exit: %s", vm_outcome_name(result->outcome));
	if (result->outcome == VM_OUTCOME_FAIL)
		printf(" (code %" PRIu64 ")", result->code);
	printf("\nvm: harts %u workers %u lock %s quantum %u%s%s\n", config->harts,
	       config->workers, lock, config->quantum, config->deterministic ? " deterministic" : "",
	       profiled ? " site-profile" : "");
	for (unsigned i = 0; i < config->harts; i++) {
		printf("vm: hart %u: instret %" PRIu64 "\n", i, result->instret[i]);
		total += result->instret[i];
	}
	printf("vm: instret total %" PRIu64 "\n", total);
	printf("vm: compiled blocks %" PRIu64 "%s\n", result->compiled_blocks,
	       config->no_opt ? " (--no-opt)" : "");
	/* The guest's own lock traffic, counted in vmcore: what a guest meant to
	 * stress the amo.stripe and pv.lock sites is judged by. */
	printf("vm: lr/sc stripe acquisitions %" PRIu64 " (%.2f per 100 instructions)\n",
	       result->stripe_acquisitions,
	       total ? 100.0 * (double)result->stripe_acquisitions / (double)total : 0.0);
	printf("vm: pv acquisitions %" PRIu64 " (%.2f per 1000 instructions)\n",
	       result->pv_acquisitions,
	       total ? 1000.0 * (double)result->pv_acquisitions / (double)total : 0.0);
	printf("vm: wall %.6f s\n", result->wall_s);
	printf("vm: MIPS %.1f total, %.1f per hart\n",
	       result->wall_s > 0 ? (double)total / result->wall_s / 1e6 : 0.0,
	       result->wall_s > 0 ? (double)total / result->wall_s / 1e6 / config->harts : 0.0);
	return vm_report_sites(host, profiled);
}

int cmd_vm(int argc, char **argv)
{
	static const struct option options[] = {
		{ "elf", required_argument, NULL, 'e' },
		{ "harts", required_argument, NULL, 'H' },
		{ "workers", required_argument, NULL, 'w' },
		{ "lock", required_argument, NULL, 'l' },
		{ "mem", required_argument, NULL, 'm' },
		{ "max-insns", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "deterministic", no_argument, NULL, 'd' },
		{ "quantum", required_argument, NULL, 'q' },
		{ "stripes", required_argument, NULL, 's' },
		{ "disk", required_argument, NULL, 'k' },
		{ "site", required_argument, NULL, 'S' },
		{ "site-profile", no_argument, NULL, 'P' },
		{ "guest-iters", required_argument, NULL, 'i' },
		{ "no-opt", no_argument, NULL, 'O' },
		{ "jit-heat", required_argument, NULL, 'J' },
		{ "linux", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vm_config config = { .harts = 1, .quantum = VM_DEFAULT_QUANTUM, .mem_mib = 128,
				    .stripes = VM_DEFAULT_STRIPES };
	struct vm_host_options host_options = { .lock = "pthread_mutex" };
	const char *elf_path = NULL, *disk_path = NULL;
	struct vm_image image;
	struct vm_error_words words;
	char why[512];
	unsigned long value;
	bool workers_given = false;
	struct vm_host host;
	struct vm_error error;
	struct vm_result result;
	struct vm *vm;
	long online;
	int option, status;

	optind = 1;
	opterr = 0;
	while ((option = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (option) {
		case 'e': elf_path = optarg; break;
		case 'H':
			if (!cli_parse_uint("--harts", optarg, 1, VM_MAX_HARTS, &value))
				return EXIT_USAGE;
			config.harts = (unsigned)value;
			break;
		case 'w':
			if (!cli_parse_uint("--workers", optarg, 1, VM_MAX_WORKERS, &value))
				return EXIT_USAGE;
			config.workers = (unsigned)value;
			workers_given = true;
			break;
		case 'l': host_options.lock = optarg; break;
		case 'S': host_options.site_locks = optarg; break;
		case 'P': host_options.site_profile = true; break;
		case 'm':
			if (!cli_parse_uint("--mem", optarg, 16, 4096, &value))
				return EXIT_USAGE;
			config.mem_mib = (unsigned)value;
			break;
		case 'n':
			if (!cli_parse_uint("--max-insns", optarg, 1, ULONG_MAX, &value))
				return EXIT_USAGE;
			config.max_insns = value;
			break;
		case 't': {
			double seconds;

			if (!cli_parse_double("--timeout", optarg, 0.001, 1e6, &seconds))
				return EXIT_USAGE;
			config.timeout_s = seconds;
			break;
		}
		case 'd': config.deterministic = true; break;
		case 'O': config.no_opt = true; break;
		case 'L': config.linux_abi = true; break;
		case 'J':
			if (!cli_parse_uint("--jit-heat", optarg, 1, UINT32_MAX, &value))
				return EXIT_USAGE;
			config.jit_heat = (uint32_t)value;
			break;
		case 'q':
			if (!cli_parse_uint("--quantum", optarg, 1, 100000000, &value))
				return EXIT_USAGE;
			config.quantum = (unsigned)value;
			break;
		case 's':
			if (!cli_parse_uint("--stripes", optarg, 1, 65536, &value))
				return EXIT_USAGE;
			if (value & (value - 1)) {
				cli_error("--stripes", optarg, "not a power of two");
				return EXIT_USAGE;
			}
			config.stripes = (unsigned)value;
			break;
		case 'k': disk_path = optarg; break;
		case 'i':
			if (!cli_parse_uint("--guest-iters", optarg, 0, UINT32_MAX, &value))
				return EXIT_USAGE;
			config.guest_iters = (uint32_t)value;
			break;
		case 'h':
			vm_usage(stdout);
			return 0;
		default:
			return cli_bad_option("vm", argc, argv);
		}
	}
	if (optind < argc) {
		cli_error("vm", argv[optind], "unexpected argument");
		return EXIT_USAGE;
	}
	if (!elf_path) {
		cli_error("vm", "--elf", "required (the guest to run)");
		return EXIT_USAGE;
	}
	if (config.linux_abi && config.harts != 1) {
		cli_error("--harts", "--linux", "a Linux program runs on one hart");
		return EXIT_USAGE;
	}
	if (!workers_given) {
		online = sysconf(_SC_NPROCESSORS_ONLN);
		config.workers = online > 0 && (unsigned long)online < config.harts ?
					 (unsigned)online : config.harts;
	}
	if (config.deterministic) {
		if (workers_given && config.workers != 1) {
			cli_error("--workers", "--deterministic", "deterministic runs use one worker");
			return EXIT_USAGE;
		}
		config.workers = 1;
	}
	if (vm_host_open(&host_options, &host, why, sizeof why) != 0) {
		fprintf(stderr, "locklab: %s\n", why);
		return EXIT_USAGE;
	}
	if (disk_path &&
	    vm_host_serve_disk(&host, disk_path, &config.disk_bytes, why, sizeof why) != 0) {
		cli_error("--disk", disk_path, "%s", why);
		vm_host_close(&host);
		return EXIT_ENVIRONMENT;
	}
	if (vm_image_read(elf_path, &image, why, sizeof why) != 0) {
		cli_error("--elf", elf_path, "%s", why);
		vm_host_close(&host);
		return EXIT_USAGE;
	}
	config.elf_image = image.bytes;
	config.elf_bytes = image.size;
	vm = vm_create(&config, &host, &error);
	vm_image_free(&image);
	if (!vm) {
		status = vm_error_words(&error, elf_path, config.mem_mib, &words);
		cli_error(words.what, words.value, "%s", error.why);
		vm_host_close(&host);
		return status;
	}
	if (vm_run(vm, &result, &error) != 0) {
		vm_error_words(&error, elf_path, config.mem_mib, &words);
		cli_error(words.what, words.value, "%s", error.why);
		vm_destroy(vm);
		vm_host_close(&host);
		return EXIT_ENVIRONMENT;
	}
	vm_destroy(vm);
	fflush(stdout);
	if (vm_report(&config, host_options.lock, &result, &host, host_options.site_profile) != 0) {
		vm_host_close(&host);
		return EXIT_ENVIRONMENT;
	}
	vm_host_close(&host);
	switch (result.outcome) {
	case VM_OUTCOME_PASS:
		status = 0;
		break;
	case VM_OUTCOME_FAIL:
		cli_error("vm", elf_path, "guest failed with code %" PRIu64, result.code);
		status = EXIT_MEASURED_FAILED;
		break;
	case VM_OUTCOME_TIMEOUT:
		cli_error("vm", elf_path, "timed out after %g s", config.timeout_s);
		status = EXIT_MEASURED_FAILED;
		break;
	case VM_OUTCOME_PV_HOLD:
		cli_error("vm", elf_path, "pv lock %" PRIu64 " held past %llu instructions",
			  result.code, VM_PV_HOLD_LIMIT);
		status = EXIT_MEASURED_FAILED;
		break;
	case VM_OUTCOME_SYSCALL:
		cli_error("vm", elf_path,
			  "unsupported Linux syscall %" PRIu64 " (the shim has exit 93, 94 and write 64)",
			  result.code);
		status = EXIT_MEASURED_FAILED;
		break;
	case VM_OUTCOME_MAX_INSNS:
		cli_error("vm", elf_path, "stopped at --max-insns %" PRIu64, config.max_insns);
		status = EXIT_MEASURED_FAILED;
		break;
	default:
		cli_error("vm", elf_path, "%s", vm_outcome_name(result.outcome));
		status = EXIT_MEASURED_FAILED;
		break;
	}
	return status;
}
