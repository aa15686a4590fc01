# fairness.gp: how evenly the threads shared the lock: Jain's index over their
# operation counts (1 = equal) and the smallest and largest thread's share.
#
# Expects (gnuplot -e "..."):
#   dir, outfile, plot_title
#   datafile  rows: lock_index  lock  jain  min_share  max_share  ('?': none)
#   fair_share  1/threads, drawn as a reference line
load dir.'common.gp'
set title plot_title
set ylabel 'index or share of operations'
set yrange [0:1.05]
set xtics rotate by 45 right
set offsets 0.5, 0.5, 0, 0
set xrange [-0.5:*]
plot datafile using 1:3:xtic(2) with points pt 7 ps 1.2 lc rgb '#1f77b4' title 'Jain index', \
     '' using 1:4 with points pt 11 ps 1.2 lc rgb '#d62728' title 'min share', \
     '' using 1:5 with points pt 9 ps 1.2 lc rgb '#2ca02c' title 'max share', \
     fair_share with lines dt 2 lc rgb '#777777' title 'fair share'
