/* locklab claims, and the bootstrap interval of a ratio of medians it rests on. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bundle_schema.h"
#include "common/random.h"
#include "common/stats.h"
#include "tests/run_locklab.h"

static struct run_output run;

/* n lognormal-ish values around scale: exp of a sum of uniforms. */
static void claims_test_sample(double *out, size_t n, double scale, uint64_t *state)
{
	for (size_t i = 0; i < n; i++) {
		double u = 0;
		for (int k = 0; k < 4; k++)
			u += (double)(random_next(state) >> 11) * 0x1.0p-53 - 0.5;
		out[i] = scale * exp(0.1 * u);
	}
}

Test(claims, ratio_interval_finds_a_known_ratio_and_refuses_bad_input)
{
	double a[201], b[201];
	struct stats_ratio r, r2;
	uint64_t state = 7;

	claims_test_sample(a, 201, 100.0, &state);
	claims_test_sample(b, 201, 250.0, &state);
	cr_assert_eq(stats_ratio_ci(a, 201, b, 201, 0.95, 2000, 1, &r), 0);
	cr_expect(r.low < 2.5 && 2.5 < r.high, "true ratio 2.5 outside [%g, %g]", r.low, r.high);
	cr_expect_lt(r.high - r.low, 0.1, "201 values a side pin the ratio down: [%g, %g]", r.low,
		     r.high);
	cr_expect(r.low <= r.ratio && r.ratio <= r.high);
	cr_expect_eq(r.p, 2.0 / 2001, "no resample reaches 1: the smallest p, %g", r.p);
	cr_assert_eq(stats_ratio_ci(a, 201, a, 201, 0.95, 2000, 1, &r), 0);
	cr_expect_eq(r.ratio, 1.0);
	cr_expect(r.low <= 1.0 && 1.0 <= r.high);
	cr_expect_gt(r.p, 0.5, "a side against itself: no evidence, p %g", r.p);
	/* Reproducible: the same seed, the same interval. */
	cr_assert_eq(stats_ratio_ci(a, 201, b, 201, 0.95, 2000, 1, &r2), 0);
	cr_assert_eq(stats_ratio_ci(a, 201, b, 201, 0.95, 2000, 1, &r), 0);
	cr_expect(r.low == r2.low && r.high == r2.high && r.p == r2.p);
	double zeros[3] = { 0, 0, 0 };
	errno = 0;
	cr_expect_eq(stats_ratio_ci(zeros, 3, b, 3, 0.95, 100, 1, &r), -1);
	cr_expect_eq(errno, EINVAL, "a zero median has no ratio");
	cr_expect_eq(stats_ratio_ci(a, 0, b, 3, 0.95, 100, 1, &r), -1);
	cr_expect_eq(stats_ratio_ci(a, 3, b, 3, 1.0, 100, 1, &r), -1);
}

Test(claims, the_command_writes_every_claim_once, .timeout = 120)
{
	char dir[] = "/tmp/locklab-claims-XXXXXX", path[128], line[512];
	unsigned rows = 0, holds = 0, vm = 0;

	cr_assert_not_null(mkdtemp(dir));
	run_locklab(&run, "claims", "--into", dir, NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	snprintf(path, sizeof path, "%s/" BUNDLE_CLAIMS, dir);
	FILE *in = fopen(path, "r");
	cr_assert_not_null(in);
	cr_assert_not_null(fgets(line, sizeof line, in));
	cr_expect_str_eq(line, BUNDLE_CLAIMS_COLUMNS "\n");
	while (fgets(line, sizeof line, in) != NULL) {
		rows++;
		holds += strstr(line, ",yes,") != NULL || strstr(line, ",no,") != NULL;
		if (strstr(line, "10k ops, parking_lot") != NULL) {
			/* 10,000 pairs cannot take under 1 us or over a second uncontended. */
			/* "claim",seed,ours,...: ours follows the seed after the quoted claim. */
			char *seed = strstr(line, "\",") + 2;
			double us = atof(strchr(seed, ',') + 1);
			cr_expect(us > 1 && us < 1e6, "parking batch %g us", us);
		}
		if (strstr(line, "VM +70 % overall (lockheavy") != NULL) {
			/* A MIPS ratio: both locks ran the guest to its end. */
			char *seed = strstr(line, "\",") + 2;
			double ratio = atof(strchr(seed, ',') + 1);
			cr_expect(ratio > 0.1 && ratio < 10, "parking / pthread_mutex MIPS %g", ratio);
			vm++;
		}
	}
	fclose(in);
	cr_expect_eq(rows, 19, "every claim once");
	cr_expect_eq(holds, 14, "every ratio (8 + 2 VM) and size (4) claim says yes or no");
	cr_expect_eq(vm, 1);
	run_locklab(&run, "claims", "--into", dir, NULL);
	cr_expect_eq(run.status, 2, "never replaced: %s", run.err);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	cr_expect_eq(system(path), 0);
}
