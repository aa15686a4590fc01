/*
 * The A extension. AMOs are host atomic operations on guest RAM (ck_pr, full
 * barriers on every host ck supports, so aq/rl are always honoured). LR/SC use a
 * striped table: an SC succeeds only when no other SC succeeded in its stripe
 * since the LR (the stripe's count of successful SCs is what LR saw) AND a CAS
 * from the value LR read succeeds, so a store that changed the word in between
 * makes it fail too. SC takes the stripe's lock (site "amo.stripe"); LR only
 * reads the count. A stripe covers a page (a reservation set the spec lets an
 * implementation choose), so harts that LR/SC data on pages of their own share
 * no stripe line and no stripe lock.
 */
#include <ck_pr.h>

#include "vmcore/cpu.h"
#include "vmcore/machine.h"

enum {
	AMO_ADD = 0x00, AMO_SWAP = 0x01, AMO_LR = 0x02, AMO_SC = 0x03, AMO_XOR = 0x04,
	AMO_OR = 0x08, AMO_AND = 0x0c, AMO_MIN = 0x10, AMO_MAX = 0x14, AMO_MINU = 0x18,
	AMO_MAXU = 0x1c,
};

static uint64_t amo_combine(unsigned funct5, uint64_t old, uint64_t operand, bool word)
{
	int64_t a = word ? (int32_t)old : (int64_t)old;
	int64_t b = word ? (int32_t)operand : (int64_t)operand;
	uint64_t ua = word ? (uint32_t)old : old, ub = word ? (uint32_t)operand : operand;

	switch (funct5) {
	case AMO_ADD: return old + operand;
	case AMO_XOR: return old ^ operand;
	case AMO_OR: return old | operand;
	case AMO_AND: return old & operand;
	case AMO_MIN: return a < b ? old : operand;
	case AMO_MAX: return a > b ? old : operand;
	case AMO_MINU: return ua < ub ? old : operand;
	case AMO_MAXU: return ua > ub ? old : operand;
	default: return operand; /* swap */
	}
}

/* A stripe covers a guest page, so harts that LR/SC data on pages of their own
 * use stripes (and lock lines) of their own, and a hart walking one page keeps
 * hitting one stripe line. Consecutive pages take consecutive stripes within a
 * tile of as many pages as there are stripes; each tile is rotated by a hash of
 * its number, so copies of a guest's data at a power-of-two stride (say, a
 * 4 MiB arena a hart) do not land on the same stripes. */
static struct amo_stripe *amo_stripe_of(struct vm *vm, uint64_t address)
{
	uint64_t page = address >> MEM_PAGE_SHIFT;
	uint64_t rotation = ((page >> vm->stripe_shift) * 0x9e3779b97f4a7c15ull) >> 32;

	return &vm->stripes[(page + rotation) & vm->stripe_mask];
}

static uint64_t amo_load(void *p, bool word)
{
	return word ? (uint64_t)(int64_t)(int32_t)ck_pr_load_32(p) : ck_pr_load_64(p);
}

static bool amo_cas(void *p, uint64_t expected, uint64_t value, bool word)
{
	if (word)
		return ck_pr_cas_32(p, (uint32_t)expected, (uint32_t)value);
	return ck_pr_cas_64(p, expected, value);
}

int cpu_amo(struct hart *h, const struct insn *in, uint64_t *tval)
{
	struct vm *vm = h->vm;
	unsigned funct5 = (uint32_t)in->imm >> 8;
	bool word = (in->imm & 7) == 2;
	unsigned size = word ? 4 : 8;
	uint64_t address = h->x[in->rs1], operand = h->x[in->rs2], old;
	void *p;

	*tval = address;
	if (address & (size - 1))
		return funct5 == AMO_LR ? CAUSE_LOAD_MISALIGNED : CAUSE_STORE_MISALIGNED;
	p = mem_ram_pointer(vm, address, size);
	if (!p)
		return funct5 == AMO_LR ? CAUSE_LOAD_ACCESS : CAUSE_STORE_ACCESS;
	if (funct5 == AMO_LR) {
		struct amo_stripe *stripe = amo_stripe_of(vm, address);

		/* The count before the value: an SC that lands between the two leaves
		 * the count changed, and this reservation's SC fails. */
		h->resv_seq = ck_pr_load_64(&stripe->seq);
		ck_pr_fence_load();
		old = amo_load(p, word);
		h->resv_addr = address;
		h->resv_value = old;
		h->resv_valid = true;
		h->x[in->rd] = old;
		return 0;
	}
	if (funct5 == AMO_SC) {
		struct amo_stripe *stripe = amo_stripe_of(vm, address);
		bool valid;

		/* Every SC ends this hart's reservation, whatever its outcome. */
		valid = h->resv_valid && h->resv_addr == address;
		h->resv_valid = false;
		if (valid) {
			vm->host.ops->lock(vm->host.opaque, stripe->lock, h->slot);
			h->stripe_acquisitions++;
			valid = ck_pr_load_64(&stripe->seq) == h->resv_seq &&
				amo_cas(p, h->resv_value, operand, word);
			/* A successful SC breaks every reservation in its stripe (a superset
			 * of those on this address); the losers' SCs fail and retry. */
			if (valid)
				ck_pr_store_64(&stripe->seq, h->resv_seq + 1);
			vm->host.ops->unlock(vm->host.opaque, stripe->lock, h->slot);
		}
		h->x[in->rd] = valid ? 0 : 1;
		if (valid && ck_pr_load_8(&h->page_flags[(address - MEM_RAM_BASE) >> MEM_PAGE_SHIFT]))
			mem_stored(h, address, size);
		return 0;
	}
	if (word && funct5 == AMO_ADD) {
		old = (uint64_t)(int64_t)(int32_t)ck_pr_faa_32(p, (uint32_t)operand);
	} else if (!word && funct5 == AMO_ADD) {
		old = ck_pr_faa_64(p, operand);
	} else if (word && funct5 == AMO_SWAP) {
		old = (uint64_t)(int64_t)(int32_t)ck_pr_fas_32(p, (uint32_t)operand);
	} else if (!word && funct5 == AMO_SWAP) {
		old = ck_pr_fas_64(p, operand);
	} else {
		do {
			old = amo_load(p, word);
		} while (!amo_cas(p, old, amo_combine(funct5, old, operand, word), word));
	}
	h->x[in->rd] = old;
	if (ck_pr_load_8(&h->page_flags[(address - MEM_RAM_BASE) >> MEM_PAGE_SHIFT]))
		mem_stored(h, address, size);
	return 0;
}
