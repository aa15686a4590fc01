# by_lock.gp: one figure per workload whose configurations were measured at a
# single thread count: throughput per lock, one series per configuration, with
# each median's confidence interval as error bars.
#
# Expects (gnuplot -e "..."):
#   dir       this folder, ending in '/'
#   datafile  one block per configuration (two blank lines between); rows:
#             lock_index  lock  median  ci_low  ci_high   ('?': not measured)
#   outfile   the SVG to write
#   series    the configurations' labels, space-separated, in block order
#   ylabel_text, plot_title
load dir.'common.gp'
set title plot_title
set ylabel ylabel_text
set logscale y
set xtics rotate by 45 right
set offsets 0.5, 0.5, 0, 0
set xrange [-0.5:*]
n = words(series)
# The lock names come from the first block, at whole positions; each series sits
# a little beside them so that series at one lock do not hide each other.
plot datafile index 0 using 1:(NaN):xtic(2) notitle, \
     for [i=1:n] datafile index (i-1) using ($1+(i-(n+1)/2.0)*0.15):3:4:5 \
	with yerrorbars lc i pt (i%13+1) ps 1.2 title word(series, i)
