#include "harness/machine_probe.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

double probe_steal_parse(FILE *stat, const unsigned *cpus, unsigned count)
{
	unsigned long long user, nice, system, idle, iowait, irq, softirq, steal, total = 0;
	long ticks_per_second = sysconf(_SC_CLK_TCK);
	unsigned found = 0;
	char name[16];

	if (ticks_per_second <= 0)
		return NAN;
	while (fscanf(stat, "%15s %llu %llu %llu %llu %llu %llu %llu %llu", name, &user, &nice,
		      &system, &idle, &iowait, &irq, &softirq, &steal) == 9) {
		int rest;
		unsigned cpu;

		if (count == 0 && strcmp(name, "cpu") == 0)
			return (double)steal / (double)ticks_per_second;
		if (count > 0 && sscanf(name, "cpu%u%n", &cpu, &rest) == 1 && name[rest] == '\0')
			for (unsigned i = 0; i < count; i++)
				if (cpus[i] == cpu) {
					total += steal;
					found++;
					break;
				}
		/* Past the numbers: the rest of the line (guest columns and so on). */
		if (fscanf(stat, "%*[^\n]") == EOF)
			break;
	}
	if (count == 0 || found != count)
		return NAN;
	return (double)total / (double)ticks_per_second;
}

double probe_steal_seconds(const unsigned *cpus, unsigned count)
{
	FILE *stat = fopen("/proc/stat", "r");
	double steal;

	if (stat == NULL)
		return NAN;
	steal = probe_steal_parse(stat, cpus, count);
	fclose(stat);
	return steal;
}
