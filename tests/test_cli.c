#include <criterion/criterion.h>
#include <string.h>

#include "tests/run_locklab.h"

static struct run_output run;

Test(cli, unknown_lock_is_rejected)
{
	run_locklab(&run, "torture", "--lock", "no_such_lock", NULL);
	expect_usage_error(&run, "no_such_lock");
}

Test(cli, zero_threads_rejected)
{
	run_locklab(&run, "torture", "--threads", "0", NULL);
	expect_usage_error(&run, "0");
}

Test(cli, negative_threads_rejected)
{
	run_locklab(&run, "torture", "--threads", "-3", NULL);
	expect_usage_error(&run, "-3");
}

Test(cli, non_numeric_seconds_rejected)
{
	run_locklab(&run, "torture", "--seconds", "abc", NULL);
	expect_usage_error(&run, "abc");
}

Test(cli, unknown_command_rejected)
{
	run_locklab(&run, "frobnicate", NULL);
	expect_usage_error(&run, "frobnicate");
}

Test(cli, unknown_option_rejected)
{
	run_locklab(&run, "list", "--bogus", NULL);
	expect_usage_error(&run, "--bogus");
}

Test(cli, help_describes_every_command)
{
	run_locklab(&run, "--help", NULL);
	cr_expect_eq(run.status, 0);
	cr_expect(strstr(run.out, "torture") && strstr(run.out, "list"));
	run_locklab(&run, "torture", "--help", NULL);
	cr_expect_eq(run.status, 0);
	cr_expect(strstr(run.out, "--threads") && strstr(run.out, "--seconds") &&
		  strstr(run.out, "--seed") && strstr(run.out, "--lock"));
}

Test(cli, list_csv_has_the_documented_header_and_every_lock)
{
	run_locklab(&run, "list", "--csv", NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	const char *header = "name,family,kind,policy,fair,numa_aware,single_writer,"
			     "has_trylock,lock_bytes,ctx_bytes,init_bytes\n";
	cr_expect(strncmp(run.out, header, strlen(header)) == 0, "header: %.120s", run.out);
	cr_expect_geq(count_lines(run.out), 27, "header + at least 26 primitives");
	cr_expect(strstr(run.out, "\nparking,ours,mutex,spin-then-park,no,no,no,yes,1,0,0\n"),
		  "%s", run.out);
}

Test(cli, torture_of_broken_exits_1, .timeout = 60)
{
	run_locklab(&run, "torture", "--lock", "broken", "--seconds", "0.2", NULL);
	cr_expect_eq(run.status, 1, "%s", run.out);
	cr_expect(strstr(run.out, "broken") && strstr(run.out, "FAILED:"), "%s", run.out);
}

Test(cli, torture_of_a_good_lock_exits_0, .timeout = 60)
{
	run_locklab(&run, "torture", "--lock", "ck_mcs,ck_clh", "--seconds", "0.1", NULL);
	cr_expect_eq(run.status, 0, "%s%s", run.out, run.err);
	cr_expect(strstr(run.out, "ck_mcs                   ok "), "%s", run.out);
	cr_expect(strstr(run.out, "ok (trylock: none)"), "%s", run.out);
}
