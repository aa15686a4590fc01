# handoff.gp: hand-off latency (one owner's release to the next owner holding the
# lock) per lock, p50 and p99, one pair of series per handoff configuration.
#
# Expects (gnuplot -e "..."):
#   dir, outfile, plot_title
#   datafile  one block per configuration (two blank lines between); rows:
#             lock_index  lock  p50_ns  p99_ns  ('?': none)
#   series    the configurations' labels, space-separated, in block order
load dir.'common.gp'
set title plot_title
set ylabel 'hand-off latency (ns, log scale)'
set logscale y
set xtics rotate by 45 right
set offsets 0.5, 0.5, 0, 0
set xrange [-0.5:*]
n = words(series)
plot datafile index 0 using 1:(NaN):xtic(2) notitle, \
     for [i=1:n] datafile index (i-1) using ($1+(i-(n+1)/2.0)*0.2):3 \
	with points pt 7 ps 1.2 lc i title word(series, i).' p50', \
     for [i=1:n] datafile index (i-1) using ($1+(i-(n+1)/2.0)*0.2):4 \
	with points pt 9 ps 1.2 lc i title word(series, i).' p99'
