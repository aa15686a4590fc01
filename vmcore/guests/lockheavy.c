/* lockheavy: every hart hammers shared structures through the VM's lock sites.
 * Per iteration: an LR/SC increment in a counter array and an LR/SC
 * find-or-insert plus LR/SC count in an open-addressing hash table (each SC
 * takes an amo.stripe host lock); every PV_EVERY iterations a bounded
 * queue push/pop under a pvlock device lock (pv.lock host lock). Built so that at
 * 4 harts there is more than one amo.stripe acquisition per 100 instructions and
 * one pv.lock acquisition per 1,000. Hart 0 checks every structure against the
 * harts' private tallies. */
#include "lib.h"

#define DEFAULT_ITERATIONS 100000u
#define COUNTERS 64u
#define KEYS 256u
#define SLOTS 512u     /* power of two, twice KEYS: probes stay short */
#define QUEUES 4u
#define QUEUE_SLOTS 16u
#define QUEUE_KEEP 8u  /* a push beyond this many pops the oldest */
#define PV_EVERY 4u

struct slot {
	uint64_t key;      /* key + 1; 0: empty. Claimed once by LR/SC, never freed */
	uint64_t count;
};

struct queue {
	uint64_t items[QUEUE_SLOTS];
	unsigned head, length;
	unsigned owner;    /* hart + 1 inside the critical section */
	uint64_t sections;
};

static volatile uint64_t counters[COUNTERS];
static struct slot table[SLOTS];
static struct queue queues[QUEUES];
/* Each hart's private tallies, read by hart 0 at the end. */
static uint32_t counter_tally[MAX_GUEST_HARTS][COUNTERS];
static uint32_t key_tally[MAX_GUEST_HARTS][KEYS];
static uint64_t pushed_sum[MAX_GUEST_HARTS], popped_sum[MAX_GUEST_HARTS];
static uint64_t sections[MAX_GUEST_HARTS];
static uint32_t violations;

static void lrsc_add(volatile uint64_t *p, uint64_t add)
{
	uint64_t old, failed;

	__asm__ volatile("1: lr.d %0, (%2)\n"
			 "   add %1, %0, %3\n"
			 "   sc.d %1, %1, (%2)\n"
			 "   bnez %1, 1b\n"
			 : "=&r"(old), "=&r"(failed)
			 : "r"(p), "r"(add)
			 : "memory");
}

/* Claims *p for value if it is 0; returns what *p holds afterwards. */
static uint64_t lrsc_claim(volatile uint64_t *p, uint64_t value)
{
	uint64_t seen, failed;

	__asm__ volatile("1: lr.d.aq %0, (%2)\n"
			 "   bnez %0, 2f\n"
			 "   sc.d.rl %1, %3, (%2)\n"
			 "   bnez %1, 1b\n"
			 "   mv %0, %3\n"
			 "2:\n"
			 : "=&r"(seen), "=&r"(failed)
			 : "r"(p), "r"(value)
			 : "memory");
	return seen;
}

static struct slot *table_find(uint64_t key, int insert)
{
	unsigned index = (unsigned)((key * 0x9e3779b97f4a7c15ull) >> 40) & (SLOTS - 1);

	for (unsigned probe = 0; probe < SLOTS; probe++) {
		struct slot *slot = &table[(index + probe) & (SLOTS - 1)];
		uint64_t seen = __atomic_load_n(&slot->key, __ATOMIC_ACQUIRE);

		if (seen == 0 && insert)
			seen = lrsc_claim(&slot->key, key + 1);
		if (seen == key + 1)
			return slot;
		if (seen == 0)
			return NULL;
	}
	return NULL;
}

static void queue_section(unsigned hart, unsigned q, uint64_t value)
{
	struct queue *queue = &queues[q];

	pv_lock(q);
	if (queue->owner != 0)
		violations++;
	queue->owner = hart + 1;
	queue->items[(queue->head + queue->length) % QUEUE_SLOTS] = value;
	queue->length++;
	pushed_sum[hart] += value;
	if (queue->length > QUEUE_KEEP) {
		popped_sum[hart] += queue->items[queue->head];
		queue->head = (queue->head + 1) % QUEUE_SLOTS;
		queue->length--;
	}
	queue->sections = queue->sections + 1;
	if (queue->owner != hart + 1)
		violations++;
	queue->owner = 0;
	pv_unlock(q);
	sections[hart]++;
}

static int check(unsigned harts)
{
	uint64_t pushed = 0, popped = 0, left = 0, queued_sections = 0, all_sections = 0;
	unsigned used_keys = 0, claimed = 0;

	CHECK(violations == 0, 2);
	for (unsigned c = 0; c < COUNTERS; c++) {
		uint64_t expected = 0;

		for (unsigned h = 0; h < harts; h++)
			expected += counter_tally[h][c];
		CHECK(counters[c] == expected, 3);
	}
	for (unsigned k = 0; k < KEYS; k++) {
		uint64_t expected = 0;
		struct slot *slot;

		for (unsigned h = 0; h < harts; h++)
			expected += key_tally[h][k];
		slot = table_find(k, 0);
		if (expected == 0) {
			CHECK(slot == NULL, 4);
			continue;
		}
		used_keys++;
		CHECK(slot != NULL && slot->count == expected, 5);
	}
	for (unsigned s = 0; s < SLOTS; s++)
		claimed += table[s].key != 0;
	CHECK(claimed == used_keys, 6); /* no key inserted twice */
	for (unsigned h = 0; h < harts; h++) {
		pushed += pushed_sum[h];
		popped += popped_sum[h];
		all_sections += sections[h];
	}
	for (unsigned q = 0; q < QUEUES; q++) {
		CHECK(queues[q].length <= QUEUE_KEEP, 7);
		for (unsigned i = 0; i < queues[q].length; i++)
			left += queues[q].items[(queues[q].head + i) % QUEUE_SLOTS];
		queued_sections += queues[q].sections;
	}
	CHECK(pushed == popped + left, 8);
	CHECK(queued_sections == all_sections, 9);
	return 0;
}

int main(unsigned hart)
{
	unsigned harts = hart_count(), iterations = guest_iterations(DEFAULT_ITERATIONS);
	uint32_t x = hart * 2654435761u + 12345u;

	barrier();
	for (unsigned i = 0; i < iterations; i++) {
		unsigned c, k;
		struct slot *slot;

		x = x * 1103515245u + 12345u;
		c = (x >> 8) % COUNTERS;
		k = (x >> 16) % KEYS;
		lrsc_add(&counters[c], 1);
		counter_tally[hart][c]++;
		slot = table_find(k, 1);
		if (slot == NULL)
			return 10; /* the table cannot fill: KEYS < SLOTS */
		lrsc_add(&slot->count, 1);
		key_tally[hart][k]++;
		if (i % PV_EVERY == 0)
			queue_section(hart, (hart + i / PV_EVERY) % QUEUES,
				      ((uint64_t)hart << 32) | i);
	}
	if (hart != 0) {
		finish_arrive();
		return 0;
	}
	finish_wait();
	{
		int code = check(harts);

		if (code != 0)
			return code;
	}
	uart_puts("lockheavy: ok\n");
	return 0;
}
