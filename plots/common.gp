# common.gp: the look every locklab report figure shares; loaded by the other
# scripts here (load dir.'common.gp'), never run alone.
# Expects: outfile (the SVG to write).
set terminal svg size 960,560 dynamic noenhanced font 'sans,12' background '#ffffff'
set output outfile
set datafile missing '?'
set grid ytics lc rgb '#dddddd'
set border lc rgb '#555555'
set key outside right top noenhanced
