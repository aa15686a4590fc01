# vmcore guests and the VM benchmark; included from the top-level Makefile.
#   $(GUESTS)     every guest ELF, built from vmcore/guests/ into $(BUILD)/guests/
#   bench-vm      the suite (vmcore/suite.mk) on vmcore and under qemu-riscv64
GUEST_CC ?= clang
# Expected results of the compute kernel, from a native build of the same source.
GUEST_EXPECTED := $(BUILD)/gen/guests/compute_expected.h
GUEST_FLAGS := --target=riscv64-unknown-elf -march=rv64ima -mabi=lp64 -mcmodel=medany \
	-mno-relax -nostdlib -ffreestanding -fuse-ld=lld -O2 -Wall -Wextra -Werror \
	-fno-builtin -Ivmcore/guests -I$(dir $(GUEST_EXPECTED))
GUEST_DIR := $(BUILD)/guests
BENCH_ROUNDS := 200
GUEST_LIB := vmcore/guests/start.S vmcore/guests/lib.c vmcore/guests/freestanding.c
GUEST_DEPS := $(GUEST_LIB) vmcore/guests/lib.h vmcore/guests/link.ld vmcore/guests.mk \
	$(GUEST_EXPECTED)
GUEST_C := compute atomics spin io smc timer mixed trap lockheavy pvlock churn pvfault
GUEST_ASM := insn fault fail32 hang
# The same guests built with the C extension (compressed instructions).
GUEST_RVC := compute atomics spin io smc timer mixed trap insn lockheavy pvlock churn
GUESTS := $(GUEST_C:%=$(GUEST_DIR)/%.elf) $(GUEST_ASM:%=$(GUEST_DIR)/%.elf) \
	$(GUEST_RVC:%=$(GUEST_DIR)/%-rvc.elf) $(GUEST_DIR)/compute-bench.elf \
	$(GUEST_DIR)/compute-bench-linux.elf

$(GUEST_DIR)/%.elf: vmcore/guests/%.c vmcore/guests/compute_kernel.h $(GUEST_DEPS) | deps-guests
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_FLAGS) -T vmcore/guests/link.ld -o $@ $(GUEST_LIB) $<

$(GUEST_DIR)/compute-bench.elf: vmcore/guests/compute.c vmcore/guests/compute_kernel.h $(GUEST_DEPS) | deps-guests
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_FLAGS) -DROUNDS=$(BENCH_ROUNDS) -T vmcore/guests/link.ld -o $@ $(GUEST_LIB) $<

$(GUEST_DIR)/%-rvc.elf: vmcore/guests/%.c vmcore/guests/compute_kernel.h $(GUEST_DEPS) | deps-guests
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_FLAGS) -march=rv64imac -T vmcore/guests/link.ld -o $@ $(GUEST_LIB) $<

$(GUEST_DIR)/%-rvc.elf: vmcore/guests/%.S vmcore/guests/link.ld vmcore/guests.mk | deps-guests
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_FLAGS) -march=rv64imac -T vmcore/guests/link.ld -o $@ $<

# Instruction tests: assembly only, their own entry and tohost.
$(GUEST_DIR)/%.elf: vmcore/guests/%.S vmcore/guests/link.ld vmcore/guests.mk | deps-guests
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_FLAGS) -T vmcore/guests/link.ld -o $@ $<

# The same kernel as a static riscv64 Linux program (exit via ecall 93), linked
# inside vmcore's RAM so `locklab vm --linux` runs it too and counts it. The code
# model and no PIC as for the bare-metal guests, so both builds of a kernel are
# the same instructions (the Linux target's default PIE jump tables cost 5% more).
LINUX_IMAGE_BASE := 0x80000000
LINUX_FLAGS := --target=riscv64-unknown-linux-gnu -mabi=lp64 -mcmodel=medany -mno-relax \
	-fno-pic -fno-pie -nostdlib -ffreestanding -static -fuse-ld=lld -O2 -Wall -Wextra -Werror \
	-fno-builtin -Wl,--image-base=$(LINUX_IMAGE_BASE)
$(GUEST_DIR)/compute-bench-linux.elf: vmcore/guests/compute_linux.c vmcore/guests/freestanding.c \
		vmcore/guests/compute_kernel.h vmcore/guests.mk $(GUEST_EXPECTED) | deps-guests
	@mkdir -p $(@D)
	$(GUEST_CC) $(LINUX_FLAGS) -march=rv64ima -I$(dir $(GUEST_EXPECTED)) -DROUNDS=$(BENCH_ROUNDS) \
		-o $@ $< vmcore/guests/freestanding.c

# Linux programs for the shim's tests: system calls it has, and one it lacks.
GUEST_LINUX := linux_shim linux_unsupported
GUESTS += $(GUEST_LINUX:%=$(GUEST_DIR)/%.elf)
$(GUEST_LINUX:%=$(GUEST_DIR)/%.elf): $(GUEST_DIR)/%.elf: vmcore/guests/%.S vmcore/guests.mk | deps-guests
	@mkdir -p $(@D)
	$(GUEST_CC) $(LINUX_FLAGS) -march=rv64ima -o $@ $<

# Built and run on this machine (plain C, no sanitizer flags: it only computes).
$(GUEST_EXPECTED): vmcore/guests/compute_expected.c vmcore/guests/compute_kernel.h vmcore/guests.mk | deps-build
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -Ivmcore/guests -o $(@D)/compute_expected $<
	$(@D)/compute_expected $(sort 4 64 $(BENCH_ROUNDS)) > $@.tmp && mv $@.tmp $@

include vmcore/suite.mk

.PHONY: guests
guests: $(GUESTS)
