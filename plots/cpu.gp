# cpu.gp: CPU time burned per operation, (cpu_user_s + cpu_sys_s) * 1e9 / ops:
# spinning waiters burn CPU, sleeping ones do not.
#
# Expects (gnuplot -e "..."):
#   dir, outfile, plot_title
#   datafile  rows: lock_index  lock  cpu_ns_per_op  ('?': none)
load dir.'common.gp'
set title plot_title
set ylabel 'CPU ns per operation (log scale)'
set logscale y
set xtics rotate by 45 right
set offsets 0.5, 0.5, 0, 0
set xrange [-0.5:*]
plot datafile using 1:3:xtic(2) with impulses lw 6 lc rgb '#1f77b4' notitle, \
     '' using 1:3 with points pt 7 ps 0.8 lc rgb '#1f77b4' notitle
