/*
 * locklab compare A B [C...]: reads result bundles (never measures), aligns them
 * cell by cell against the first, and writes compare.md and compare.html into a
 * new folder (--out, default results/compare-<UTC stamp>), never into an input
 * bundle and never over an earlier folder. The documents are staged in a hidden
 * sibling folder and renamed into place only when both are complete.
 */
#ifndef LOCKLAB_REPORT_COMPARE_H
#define LOCKLAB_REPORT_COMPARE_H

/* argv[0] is "compare"; returns the exit status and prints one line on error. */
int compare_command(int argc, char **argv);

#endif
