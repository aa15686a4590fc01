/*
 * The result bundle's schema, shared by its writer (harness/) and its readers
 * (report/): file names and the columns of runs.csv and summary.csv, in order.
 * Columns are appended, never renamed; BUNDLE_SCHEMA_VERSION changes only with a
 * reader that still accepts the versions before it (the README says what each
 * version changed).
 *
 * runs.csv, one row per (cell, rep):
 *   BUNDLE_RUNS_KEYS, BUNDLE_METRICS_V1, BUNDLE_RUNS_V1_TAIL, BUNDLE_METRICS_V2,
 *   BUNDLE_RUNS_V2_TAIL
 * summary.csv, one row per (cell, metric, phase): BUNDLE_SUMMARY_COLUMNS.
 * hist/<cell_id>.<lat|hold|handoff>.csv: bucket_low_ns,bucket_high_ns,count.
 * c2c.csv, atomics.csv (locklab c2c): BUNDLE_C2C_COLUMNS, BUNDLE_ATOMICS_COLUMNS.
 * vm_runs.csv, vm_sites.csv (run --workload vm): BUNDLE_VM_RUNS_COLUMNS, one row
 * per VM rep, and BUNDLE_VM_SITES_COLUMNS, one per VM rep and lock site; their
 * cells (ids "vm.<guest>.<lock>.h<harts>.w<workers>") have rows in summary.csv
 * too, with the metrics BUNDLE_VM_METRICS.
 */
#ifndef LOCKLAB_BUNDLE_SCHEMA_H
#define LOCKLAB_BUNDLE_SCHEMA_H

#define BUNDLE_SCHEMA_VERSION 2

#define BUNDLE_RUNS "runs.csv"
#define BUNDLE_SUMMARY "summary.csv"
#define BUNDLE_META "meta.json"
#define BUNDLE_TOPOLOGY "topology.xml"
#define BUNDLE_HIST_DIR "hist"
#define BUNDLE_HIST_HEADER "bucket_low_ns,bucket_high_ns,count"

/* The columns that say which cell and rep a row is. */
#define BUNDLE_RUNS_KEYS "cell_id,lock,workload,threads,cs_ns,ncs_ns,read_pct,rep,status"

/* One figure per column, each a number or empty ("does not apply"). Schema 1's
 * come first; schema 2 appended its own after thread_cpus. */
#define BUNDLE_METRICS_V1(X)                                                              \
	X(duration_s) X(ops) X(throughput_ops_s) X(ns_per_op) X(lat_p50_ns) X(lat_p90_ns) \
	X(lat_p99_ns) X(lat_p999_ns) X(lat_max_ns) X(hold_p50_ns) X(hold_p99_ns)          \
	X(handoff_p50_ns) X(handoff_p99_ns) X(jain) X(min_share) X(max_share)             \
	X(cpu_user_s) X(cpu_sys_s) X(ctx_vol) X(ctx_invol) X(steal_s) X(lock_bytes)       \
	X(ctx_bytes) X(heap_bytes)
#define BUNDLE_RUNS_V1_TAIL "flags,reads,samples,thread_cpus"
#define BUNDLE_METRICS_V2(X)                                                           \
	X(drain_s) X(skewed) X(round_trip_before_ns) X(round_trip_after_ns) X(tsc_skew_ns) \
	X(tsc_skew_bound_ns) X(busy_iterations_per_ns) X(run_length_mean) X(run_length_p99)   \
	X(handoffs_s)
#define BUNDLE_RUNS_V2_TAIL \
	"phase,cs_lines,threads_per_cpu,affinity,mem_policy,lock_node,ran_on,migrations," \
	"busy_after_iterations_per_ns,busy_window_iterations_per_ns"

#define BUNDLE_SUMMARY_COLUMNS \
	"cell_id,metric,median,ci_low,ci_high,cv,n,flags,phase,ci_level,n_ok,n_timeout"

/* locklab c2c: one row per ordered PU pair and machine phase, and one per
 * (operation, relation) of the atomic-cost table (skip: why a relation the
 * machine lacks was not measured; empty when measured). */
#define BUNDLE_C2C "c2c.csv"
#define BUNDLE_C2C_COLUMNS                                                              \
	"cpu_a,cpu_b,relation,phase,samples,round_trip_median_ns,round_trip_p99_ns," \
	"round_trip_min_ns"
#define BUNDLE_ATOMICS "atomics.csv"
#define BUNDLE_ATOMICS_COLUMNS "op,relation,cpu_a,cpu_b,samples,median_ns,mean_ns,p99_ns,timer_overhead_ns,skip"

/* locklab claims: one row per claim of the seed notes, ours beside it. */
#define BUNDLE_CLAIMS "claims.csv"
#define BUNDLE_CLAIMS_COLUMNS "claim,seed,ours,ci_low,ci_high,holds,note"

/* The flags column's words, ';'-separated, in bit order (harness/metrics.h). */
#define BUNDLE_FLAGS(X)                                                                  \
	X(below_resolution) X(starvation) X(collapse) X(noisy) X(steal) X(skewed)        \
	X(phase_shift) X(few_reps) X(timeout) X(instrumented) X(host_slow)

/* The VM as a workload of locklab run. */
#define BUNDLE_VM_RUNS "vm_runs.csv"
#define BUNDLE_VM_RUNS_COLUMNS                                                             \
	"cell_id,lock,guest,harts,workers,rep,status,wall_s,insns,mips,mips_per_hart,"     \
	"cpu_user_s,cpu_sys_s,ctx_vol,ctx_invol,rss_peak_bytes,lock_bytes_total,"          \
	"acquisitions,contended,wait_ns_total,flags,guest_outcome,guest_code,"             \
	"round_trip_before_ns,round_trip_after_ns,phase,site_locks,affinity,mem_policy,"  \
	"ram_node,lock_node,ran_on"
#define BUNDLE_VM_SITES "vm_sites.csv"
#define BUNDLE_VM_SITES_COLUMNS                                                            \
	"cell_id,lock,guest,harts,workers,rep,site,instances,acquisitions,contended,"      \
	"wait_p50_ns,wait_p99_ns,wait_total_ns,hold_p50_ns,hold_p99_ns,hold_total_ns,"     \
	"site_lock,mode,lock_bytes"
#define BUNDLE_VM_METRICS(X)                                                              \
	X(mips) X(mips_per_hart) X(wall_s) X(cpu_user_s) X(cpu_sys_s) X(rss_peak_bytes)   \
	X(lock_bytes_total) X(acquisitions) X(contended) X(wait_ns_total)

#endif
