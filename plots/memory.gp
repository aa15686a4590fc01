# memory.gp: bytes per primitive: the lock itself, each thread's context (MCS/CLH
# nodes) and the peak heap the primitive allocated while measured.
#
# Expects (gnuplot -e "..."):
#   dir, outfile, plot_title
#   datafile  rows: lock  lock_bytes  ctx_bytes  heap_bytes
load dir.'common.gp'
set title plot_title
set ylabel 'bytes'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by 45 right
set yrange [0:*]
plot datafile using 2:xtic(1) lc rgb '#1f77b4' title 'lock', \
     '' using 3 lc rgb '#ff7f0e' title 'context per thread', \
     '' using 4 lc rgb '#2ca02c' title 'heap (peak)'
