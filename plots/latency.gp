# latency.gp: acquire latency percentiles per lock (p50, p99, p99.9, max), medians
# over the reps of one cell per lock, on a log scale.
#
# Expects (gnuplot -e "..."):
#   dir, outfile, plot_title
#   datafile  rows: lock_index  lock  p50_ns  p99_ns  p999_ns  max_ns  ('?': none)
load dir.'common.gp'
set title plot_title
set ylabel 'acquire latency (ns, log scale)'
set logscale y
set xtics rotate by 45 right
set offsets 0.5, 0.5, 0, 0
set xrange [-0.5:*]
plot datafile using 1:3:xtic(2) with points pt 7 ps 1.1 lc rgb '#1f77b4' title 'p50', \
     '' using 1:4 with points pt 5 ps 1.1 lc rgb '#ff7f0e' title 'p99', \
     '' using 1:5 with points pt 9 ps 1.2 lc rgb '#2ca02c' title 'p99.9', \
     '' using 1:6 with points pt 2 ps 1.2 lc rgb '#d62728' title 'max'
