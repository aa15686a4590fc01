# placement.gp: one configuration's throughput under each placement, as a
# heatmap: a row per lock, a column per placement (affinity and memory policy),
# each square coloured by log2 of its throughput over the same lock's under the
# first placement (red slower, white equal, blue faster) and labelled with the
# ratio. Squares not measured stay white and unlabelled.
#
# Expects (gnuplot -e "..."):
#   dir        this folder, ending in '/' (for common.gp)
#   datafile   rows: column  row  log2_ratio  "label"
#   outfile    the SVG to write
#   columns    placements; rows  locks
#   xtic_spec  gnuplot tic list for the placements: "'round-robin' 0, 'list:0' 1"
#   ytic_spec  the same for the locks
#   limit      the colour scale's half width in log2 units (at least 1)
#   plot_title
# Example: gnuplot -e "dir='plots/'; datafile='p.dat'; outfile='p.svg'; columns=2;
#   rows=3; xtic_spec=\"'a' 0, 'b' 1\"; ytic_spec=\"'x' 0, 'y' 1, 'z' 2\"; limit=1;
#   plot_title='placements'" plots/placement.gp
plot_height = 160 + 34 * rows
load dir.'common.gp'
set title plot_title
set xlabel 'placement (affinity, memory)'
unset ylabel
set xrange [-0.5:columns-0.5]
set yrange [rows-0.5:-0.5]
eval 'set xtics ('.xtic_spec.') out'
if (columns > 4) { set xtics rotate by -30 }
eval 'set ytics ('.ytic_spec.') out'
set grid noytics
set palette defined (-1 '#c23b00', 0 '#ffffff', 1 '#2166ac')
set cbrange [-limit:limit]
set cblabel 'log2(throughput / first placement)'
unset key
plot datafile using 1:2:(0.5):(0.5):3 with boxxyerror fillstyle solid noborder lc palette, \
     datafile using 1:2:4 with labels textcolor rgb '#000000'
