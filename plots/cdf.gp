# cdf.gp: cumulative distribution of acquire latency from the bundle's merged
# histograms (hist/<cell>.lat.csv), one curve per lock.
#
# Expects (gnuplot -e "..."):
#   dir, outfile, plot_title
#   datafile  one block per lock (two blank lines between); rows:
#             bucket_high_ns  cumulative_fraction
#   locks     the locks' names, space-separated, in block order
load dir.'common.gp'
set key inside right bottom vertical
set title plot_title
set xlabel 'acquire latency (ns, log scale)'
set ylabel 'fraction of operations at or below'
set logscale x
set yrange [0:1.02]
n = words(locks)
plot for [i=1:n] datafile index (i-1) using 1:2 with steps lw 2 lc i dt 1+(i-1)/8 \
	title word(locks, i)
