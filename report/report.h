/*
 * locklab report BUNDLE: reads a result bundle (never measures) and writes
 * BUNDLE/report.md, BUNDLE/report.html and BUNDLE/plots/<figure>.svg (gnuplot,
 * scripts in plots/). Everything is staged in a hidden folder inside the bundle
 * and renamed into place only when all of it succeeded: a corrupt bundle file
 * (exit 2) or a missing gnuplot (exit 3) leaves the bundle as it was.
 */
#ifndef LOCKLAB_REPORT_H
#define LOCKLAB_REPORT_H

/* argv[0] is "report"; returns the exit status and prints one line on error. */
int report_command(int argc, char **argv);

#endif
