#include "harness/vm_cell.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/cpu_pair.h"
#include "common/histogram.h"
#include "harness/isolate.h"
#include "harness/run_placement.h"
#include "harness/vm_error.h"
#include "harness/vm_host.h"
#include "harness/vm_image.h"
#include "vmcore/vm.h"

#define VM_CELL_QUANTUM 20000u
#define VM_CELL_MEM_MIB 64u
/* Fewer stripes than `locklab vm`: a cell creates its VM every rep, and its
 * guests LR/SC shared words, which share a stripe however many there are. */
#define VM_CELL_STRIPES 64u
#define VM_CELL_WATCHDOG_EXTRA_S 10.0

/* The guests that run to completion and check themselves on any harts count
 * (the Makefile's GUEST_C; a test checks each is built). */
const char *const vm_guest_names[] = { "lockheavy", "pvlock", "churn", "compute", "atomics",
				       "spin",      "io",     "smc",   "timer",   "mixed" };
const size_t vm_guest_count = sizeof vm_guest_names / sizeof vm_guest_names[0];

static bool readable(const char *path)
{
	return access(path, R_OK) == 0;
}

bool vm_guest_path(const char *name, char *out, size_t size)
{
	const char *env = getenv("LOCKLAB_GUESTS");
	char exe[PATH_MAX];
	ssize_t length;

	if (env != NULL && *env) {
		snprintf(out, size, "%s/%s.elf", env, name);
		if (readable(out))
			return true;
		errno = ENOENT;
		return false;
	}
	length = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (length > 0) {
		exe[length] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			if (snprintf(out, size, "%s/guests/%s.elf", exe, name) < (int)size &&
			    readable(out))
				return true;
		}
	}
	snprintf(out, size, "build/guests/%s.elf", name);
	if (readable(out))
		return true;
	errno = ENOENT;
	return false;
}

void vm_cell_make_id(struct vm_cell *cell)
{
	int n = snprintf(cell->id, sizeof cell->id, "vm.%s.%s.h%u.w%u", cell->guest,
			 cell->lock->name, cell->harts, cell->workers);
	/* As other cells: no suffix without placement options. */
	if (cell->placed && n > 0 && (size_t)n < sizeof cell->id)
		snprintf(cell->id + n, sizeof cell->id - (size_t)n, ".aff%u.mem%u", cell->affinity,
			 cell->mem);
}

const char *vm_cell_status_name(enum vm_cell_status status)
{
	static const char *const names[] = { "ok", "guest_fail", "timeout", "crashed", "error" };

	return status <= VM_CELL_ERROR ? names[status] : "error";
}

static double probe(const struct vm_cell_environment *env)
{
	struct cpu_pair_sample sample;

	if (env->probe_cpus[0] < 0 || env->probe_round_trips == 0 ||
	    cpu_pair_probe(env->probe_cpus[0], env->probe_cpus[1], env->probe_round_trips,
			   env->timer, &sample) != 0)
		return NAN;
	return sample.round_trip_ns;
}

/* The peak RSS since clear_peak_rss, from /proc/self/status (VmHWM); 0 unknown. */
static uint64_t peak_rss_bytes(void)
{
	FILE *status = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long kib = 0;

	if (status == NULL)
		return 0;
	while (fgets(line, sizeof line, status) != NULL)
		if (sscanf(line, "VmHWM: %llu kB", &kib) == 1)
			break;
	fclose(status);
	return (uint64_t)kib * 1024;
}

/* Linux resets VmHWM to the current RSS when "5" is written to clear_refs, so
 * the peak is the VM's, not the harness's before it. */
static void clear_peak_rss(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);

	if (fd >= 0) {
		ssize_t written = write(fd, "5", 1);
		(void)written; /* an older kernel: the peak includes the harness */
		close(fd);
	}
}

static double seconds(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void fill_sites(const struct vm_host *host, struct vm_cell_result *result)
{
	struct vm_host_site sites[VM_CELL_MAX_SITES];
	struct hist *wait = malloc(sizeof *wait), *hold = malloc(sizeof *hold);

	result->site_count = vm_host_sites(host, sites, VM_CELL_MAX_SITES);
	for (size_t i = 0; i < result->site_count; i++) {
		struct vm_cell_site *out = &result->sites[i];

		snprintf(out->name, sizeof out->name, "%s", sites[i].name);
		snprintf(out->lock, sizeof out->lock, "%s", sites[i].lock);
		out->rw_ops = sites[i].rw_ops;
		out->instances = sites[i].locks;
		out->lock_bytes = sites[i].lock_bytes;
		out->acquisitions = sites[i].acquisitions;
		out->contended = sites[i].contended;
		if (wait == NULL || hold == NULL)
			continue;
		vm_host_site_times(host, i, wait, hold);
		out->wait_p50_ns = hist_percentile(wait, 50);
		out->wait_p99_ns = hist_percentile(wait, 99);
		out->wait_total_ns = wait->sum;
		out->hold_p50_ns = hist_percentile(hold, 50);
		out->hold_p99_ns = hist_percentile(hold, 99);
		out->hold_total_ns = hold->sum;
	}
	free(wait);
	free(hold);
}

/* The cell's policies into the host's options; -1 with the error filled when
 * the memory policy cannot be honoured here (planned as a skip, so not seen). */
static int place(const struct vm_cell *cell, const struct run_placement *placement,
		 struct vm_host_options *options, struct vm_cell_result *result)
{
	char why[128];

	options->cpus = placement->pus[cell->affinity];
	options->cpu_count = (unsigned)placement->pu_count[cell->affinity];
	options->mem_policy = &placement->mem[cell->mem];
	options->nodes = placement->nodes;
	/* local: the node of the first worker's CPU (as for every cell). */
	options->mem_target =
		mem_policy_target(options->mem_policy,
				  run_placement_first_cpu(placement, cell->affinity),
				  placement->nodes, why, sizeof why);
	if (options->mem_target == -2) {
		snprintf(result->error, sizeof result->error, "--mem-policy %s: %s",
			 options->mem_policy->text, why);
		return -1;
	}
	return 0;
}

/* Where guest RAM, the first lock and each worker were (vm_host_placement). */
static void record_placement(const struct vm_host *host, struct vm_cell_result *result)
{
	struct vm_host_placement where;
	size_t used = 0;

	vm_host_placement(host, &where);
	result->ram_node = where.ram_node;
	result->lock_node = where.lock_node;
	for (unsigned i = 0; i < where.workers && used < sizeof result->ran_on; i++) {
		int n = snprintf(result->ran_on + used, sizeof result->ran_on - used, "%s%d",
				 i ? ";" : "", where.ran_on[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

struct vm_cell_job {
	const struct vm_cell *cell;
	const struct vm_cell_environment *env;
};

/* In the child: boots the guest, runs it to its end, and fills the result. */
static void vm_cell_child(void *arg, void *out)
{
	const struct vm_cell_job *job = arg;
	struct vm_cell_result *result = out;
	struct vm_host_options options = { .lock = job->cell->lock->name,
					   .site_locks = job->env->site_locks,
					   .site_profile = job->env->site_profile };
	struct vm_config config = { .harts = job->cell->harts,
				    .workers = job->cell->workers, .quantum = VM_CELL_QUANTUM,
				    .mem_mib = VM_CELL_MEM_MIB, .stripes = VM_CELL_STRIPES,
				    .timeout_s = job->env->timeout_s,
				    .guest_iters = job->env->guest_iters };
	struct vm_host host;
	struct vm_image image;
	struct vm_error error;
	struct vm_error_words words;
	char why[256];
	struct vm_result *run = calloc(1, sizeof *run);
	struct rusage before, after;
	struct vm *vm;

	/* The guest's console is not the run's output (the rows are). */
	int null = open("/dev/null", O_WRONLY);
	if (null >= 0) {
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	result->status = VM_CELL_ERROR;
	result->ram_node = result->lock_node = -1;
	if (job->cell->placed && place(job->cell, job->env->placement, &options, result) != 0)
		return;
	result->round_trip_before_ns = probe(job->env);
	result->round_trip_after_ns = NAN;
	if (run == NULL) {
		snprintf(result->error, sizeof result->error, "out of memory");
		return;
	}
	if (vm_host_open(&options, &host, result->error, sizeof result->error) != 0) {
		free(run);
		return;
	}
	if (vm_image_read(job->cell->elf, &image, why, sizeof why) != 0) {
		snprintf(result->error, sizeof result->error, "--elf %.320s: %s", job->cell->elf,
			 why);
		vm_host_close(&host);
		free(run);
		return;
	}
	config.elf_image = image.bytes;
	config.elf_bytes = image.size;
	clear_peak_rss();
	vm = vm_create(&config, &host, &error);
	vm_image_free(&image);
	if (vm == NULL) {
		vm_error_words(&error, job->cell->elf, config.mem_mib, &words);
		snprintf(result->error, sizeof result->error, "%s %s: %s", words.what, words.value,
			 error.why);
		vm_host_close(&host);
		free(run);
		return;
	}
	getrusage(RUSAGE_SELF, &before);
	int ran = vm_run(vm, run, &error);
	getrusage(RUSAGE_SELF, &after);
	result->rss_peak_bytes = peak_rss_bytes();
	record_placement(&host, result);
	vm_destroy(vm);
	if (ran != 0) {
		vm_error_words(&error, job->cell->elf, config.mem_mib, &words);
		snprintf(result->error, sizeof result->error, "%s %s: %s", words.what, words.value,
			 error.why);
	} else {
		result->status = run->outcome == VM_OUTCOME_PASS	? VM_CELL_OK
				 : run->outcome == VM_OUTCOME_TIMEOUT ? VM_CELL_TIMEOUT
								      : VM_CELL_GUEST_FAIL;
		snprintf(result->outcome, sizeof result->outcome, "%s",
			 vm_outcome_name(run->outcome));
		result->guest_code = run->code;
		result->wall_s = run->wall_s;
		for (unsigned h = 0; h < job->cell->harts; h++)
			result->insns += run->instret[h];
		result->cpu_user_s = seconds(&after.ru_utime) - seconds(&before.ru_utime);
		result->cpu_sys_s = seconds(&after.ru_stime) - seconds(&before.ru_stime);
		result->ctx_voluntary = after.ru_nvcsw - before.ru_nvcsw;
		result->ctx_involuntary = after.ru_nivcsw - before.ru_nivcsw;
		fill_sites(&host, result);
	}
	vm_host_close(&host);
	free(run);
	result->round_trip_after_ns = probe(job->env);
}

int vm_cell_run_isolated(const struct vm_cell *cell, const struct vm_cell_environment *env,
			 struct vm_cell_result *result)
{
	struct vm_cell_job job = { cell, env };
	double watchdog = (env->timeout_s > 0 ? env->timeout_s : 60.0) + VM_CELL_WATCHDOG_EXTRA_S;
	enum isolate_outcome outcome;
	int signal_number = 0;

	if (isolate_run(vm_cell_child, &job, result, sizeof *result, watchdog, &outcome,
			&signal_number) != 0)
		return -1;
	if (outcome == ISOLATE_OK)
		return 0;
	memset(result, 0, sizeof *result);
	result->round_trip_before_ns = result->round_trip_after_ns = NAN;
	result->status = outcome == ISOLATE_TIMEOUT   ? VM_CELL_TIMEOUT
			 : outcome == ISOLATE_CRASHED ? VM_CELL_CRASHED
						      : VM_CELL_ERROR;
	result->crash_signal = signal_number;
	snprintf(result->error, sizeof result->error, "%s",
		 outcome == ISOLATE_TIMEOUT   ? "the watchdog killed it"
		 : outcome == ISOLATE_CRASHED ? strsignal(signal_number)
					      : "the child exited without a result");
	return 0;
}
