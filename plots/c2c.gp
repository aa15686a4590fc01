# c2c.gp: the core-to-core round-trip matrix as a heatmap: one square per ordered
# CPU pair measured (the thread on cpu_a starts each round trip, cpu_b answers),
# coloured by the median round trip in ns; pairs not measured stay white. The
# value is written in each square when there are few enough CPUs to read it.
#
# Expects (gnuplot -e "..."):
#   dir       this folder, ending in '/' (for common.gp)
#   datafile  rows: cpu_a  cpu_b  round_trip_median_ns
#   outfile   the SVG to write
#   cpus      the largest CPU number in the data, plus one
#   plot_title
# Example: gnuplot -e "dir='plots/'; datafile='c.dat'; outfile='c.svg'; cpus=2;
#   plot_title='round trips'" plots/c2c.gp
plot_height = 760
load dir.'common.gp'
set title plot_title
set xlabel 'cpu_b (answers)'
set ylabel 'cpu_a (starts)'
set size ratio -1
set xrange [-0.5:cpus-0.5]
set yrange [cpus-0.5:-0.5]
set xtics 1 out
set ytics 1 out
if (cpus > 32) { set xtics cpus/16; set ytics cpus/16 }
set grid noytics
set palette defined (0 '#fff5eb', 1 '#fd8d3c', 2 '#c23b00')
set cbrange [0:*]
set cblabel 'round trip (ns, median)'
unset key
if (cpus <= 16) {
	plot datafile using 2:1:(0.5):(0.5):3 with boxxyerror fillstyle solid noborder \
		lc palette, \
	     datafile using 2:1:(sprintf('%.0f', $3)) with labels textcolor rgb '#000000'
} else {
	plot datafile using 2:1:(0.5):(0.5):3 with boxxyerror fillstyle solid noborder \
		lc palette
}
