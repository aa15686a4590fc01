/*
 * The harness's one pseudo-random generator: splitmix64 (Steele, Lea, Flood 2014),
 * not rand(): rand() keeps hidden global state (not reentrant, shared with anything
 * else in the process), its RAND_MAX may be 32767, and its sequence differs between
 * libcs, so a seed recorded in a bundle would not reproduce elsewhere. This passes
 * BigCrush and its state lives with the caller.
 */
#ifndef LOCKLAB_RANDOM_H
#define LOCKLAB_RANDOM_H

#include <stdint.h>

static inline uint64_t random_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#endif
