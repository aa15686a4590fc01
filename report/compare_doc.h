/*
 * What `locklab compare` writes: compare.md and compare.html (through
 * report_doc, one document twice) and the few lines it prints. In order: the
 * bundles, the settings that differ (before any ratio), a summary per compared
 * bundle, the significant differences (largest first), every aligned cell, the
 * cells present on one side only, and the method.
 */
#ifndef LOCKLAB_REPORT_COMPARE_DOC_H
#define LOCKLAB_REPORT_COMPARE_DOC_H

#include <stdio.h>

#include "report/compare_model.h"
#include "report/report_doc.h"

void compare_write(const struct compare_result *result, struct report_doc *doc);

/* A few lines for the terminal: per compared bundle its alignment and verdicts,
 * and the settings that differ. */
void compare_print_summary(const struct compare_result *result, FILE *out);

#endif
