/*
 * vmcore's Linux system-call shim (locklab vm --linux, vmcore/linux_abi.c): write
 * and exit_group do what Linux does, a call it lacks stops the run naming the
 * number, and it takes one hart only.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/run_locklab.h"

static struct run_output run;

static unsigned long instret_total(const char *out)
{
	const char *line = strstr(out, "vm: instret total ");

	return line ? strtoul(line + strlen("vm: instret total "), NULL, 10) : 0;
}

/* write to 1 and 2 returns the count, to fd 7 -EBADF, from outside RAM -EFAULT;
 * exit_group(0) passes (linux_shim.S fails with the step's number otherwise). */
Test(vm_linux, shim_writes_and_exits_as_linux)
{
	run_locklab(&run, "vm", "--linux", "--elf", test_guest("linux_shim.elf"), NULL);
	cr_expect_eq(run.status, 0, "exit %d\n%s\n%s", run.status, run.out, run.err);
	cr_expect(strncmp(run.out, "shim!\n", 6) == 0, "%s", run.out);
	cr_expect_str_eq(run.err, "shim!\n");
}

Test(vm_linux, shim_stops_at_a_call_it_lacks)
{
	run_locklab(&run, "vm", "--linux", "--elf", test_guest("linux_unsupported.elf"), NULL);
	cr_expect_eq(run.status, 1, "%s", run.err);
	cr_expect(strstr(run.out, "vm: exit: unsupported Linux syscall\n") != NULL, "%s", run.out);
	cr_expect(strstr(run.err, "unsupported Linux syscall 222 (") != NULL, "%s", run.err);
	/* Not retired: the count stops before the ecall (the three li). */
	cr_expect_eq(instret_total(run.out), 3, "%s", run.out);
}

Test(vm_linux, shim_runs_one_hart)
{
	run_locklab(&run, "vm", "--linux", "--harts", "2", "--elf", test_guest("linux_shim.elf"),
		    NULL);
	expect_usage_error(&run, "--linux");
}
