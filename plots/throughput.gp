# throughput.gp: throughput against thread count for one workload configuration,
# one line per lock, with the confidence interval of each median as error bars.
# The region with more threads than CPUs is shaded (from half an octave above
# the CPU count, so that a point at exactly the CPU count is outside it); a
# collapsed cell is marked with a red cross, a starved one with an orange circle.
#
# Expects (gnuplot -e "..."):
#   dir       this folder, ending in '/' (for common.gp)
#   datafile  one block per lock, blocks separated by two blank lines; rows:
#             threads  median_ops_s  ci_low  ci_high  collapse_y  starvation_y
#             ('?' where a value is missing: no marker, no point)
#   outfile   the SVG to write
#   locks     the locks' names, space-separated, in block order
#   cpus      CPUs of the machine (0: unknown, no shading)
#   plot_title
#   xlabel_text, ylabel_text  (optional) the axes' names, for figures of other
#             figures against a count (the VM's MIPS against harts)
#   markers   (optional) 0: no collapse/starvation legend (figures without them)
# Example: gnuplot -e "dir='plots/'; datafile='t.dat'; outfile='t.svg';
#   locks='ck_mcs ck_ticket'; cpus=2; plot_title='contended'" plots/throughput.gp
plot_height = 760
load dir.'common.gp'
set title plot_title
if (!exists("xlabel_text")) xlabel_text = 'threads'
if (!exists("ylabel_text")) ylabel_text = 'throughput (operations/s, log scale)'
set xlabel xlabel_text
set ylabel ylabel_text
set logscale x 2
set logscale y
set offsets graph 0.03, graph 0.03, 0, 0
if (cpus > 0) {
	set object 1 rect from first cpus*sqrt(2), graph 0 to graph 1, graph 1 behind \
		fillcolor rgb '#ececec' fillstyle solid noborder
	set label 1 'threads > CPUs' at first cpus*sqrt(2), graph 0.96 offset 0.8,0 textcolor rgb '#666666'
}
n = words(locks)
if (!exists("markers")) markers = 1
if (markers) {
plot for [i=1:n] datafile index (i-1) using 1:2:3:4 with yerrorlines \
	lc i dt 1+(i-1)/8 pt ((i-1)%13+1) title word(locks, i), \
     for [i=1:n] datafile index (i-1) using 1:5 with points pt 2 ps 2 lw 2 lc rgb '#d00000' notitle, \
     for [i=1:n] datafile index (i-1) using 1:6 with points pt 6 ps 2 lw 2 lc rgb '#e08000' notitle, \
     NaN with points pt 2 ps 2 lw 2 lc rgb '#d00000' title 'collapse', \
     NaN with points pt 6 ps 2 lw 2 lc rgb '#e08000' title 'starvation'
} else {
plot for [i=1:n] datafile index (i-1) using 1:2:3:4 with yerrorlines \
	lc i dt 1+(i-1)/8 pt ((i-1)%13+1) title word(locks, i)
}
