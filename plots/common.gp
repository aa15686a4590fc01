# common.gp: the look every locklab report figure shares; loaded by the other
# scripts here (load dir.'common.gp'), never run alone.
# Expects: outfile (the SVG to write); plot_height, if set, overrides 560 pixels.
if (!exists("plot_height")) plot_height = 560
set terminal svg size 960,plot_height dynamic noenhanced font 'sans,13' background '#ffffff'
set output outfile
set datafile missing '?'
set grid ytics lc rgb '#dddddd'
set border lc rgb '#555555'
set key outside below center horizontal noenhanced
