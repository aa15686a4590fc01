# vmcore guests and the VM benchmark; included from the top-level Makefile.
#   $(GUESTS)     every guest ELF, built from vmcore/guests/ into $(BUILD)/guests/
#   bench-vm      compute on vmcore vs the same kernel under qemu-riscv64
GUEST_CC ?= clang
# Expected results of the compute kernel, from a native build of the same source.
GUEST_EXPECTED := $(BUILD)/gen/guests/compute_expected.h
GUEST_FLAGS := --target=riscv64-unknown-elf -march=rv64ima -mabi=lp64 -mcmodel=medany \
	-mno-relax -nostdlib -ffreestanding -fuse-ld=lld -O2 -Wall -Wextra -Werror \
	-fno-builtin -Ivmcore/guests -I$(dir $(GUEST_EXPECTED))
GUEST_DIR := $(BUILD)/guests
BENCH_ROUNDS := 200
GUEST_LIB := vmcore/guests/start.S vmcore/guests/lib.c
GUEST_DEPS := $(GUEST_LIB) vmcore/guests/lib.h vmcore/guests/link.ld vmcore/guests.mk \
	$(GUEST_EXPECTED)
GUEST_C := compute atomics spin io smc timer mixed trap lockheavy pvlock churn pvfault
GUEST_ASM := insn fault fail32 hang
# The same guests built with the C extension (compressed instructions).
GUEST_RVC := compute atomics spin io smc timer mixed trap insn lockheavy pvlock churn
GUESTS := $(GUEST_C:%=$(GUEST_DIR)/%.elf) $(GUEST_ASM:%=$(GUEST_DIR)/%.elf) \
	$(GUEST_RVC:%=$(GUEST_DIR)/%-rvc.elf) $(GUEST_DIR)/compute-bench.elf

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
$(GUEST_DIR)/compute-bench-linux.elf: vmcore/guests/compute_linux.c vmcore/guests/compute_kernel.h vmcore/guests.mk $(GUEST_EXPECTED) | deps-guests
	@mkdir -p $(@D)
	$(GUEST_CC) $(LINUX_FLAGS) -march=rv64ima -I$(dir $(GUEST_EXPECTED)) -DROUNDS=$(BENCH_ROUNDS) \
		-o $@ $<

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

# The VM benchmark suite: one guest per kernel of suite_kernels.h, two also built
# with C, each checked against a native build's checksums (suite_expected.c) for
# the test count (make test) and its bench count (make bench-vm: 1 G instructions
# or more).
SUITE := sort hash interp lz muldiv chase
SUITE_RVC := sort interp
SUITE_TEST_ITERS := 2
SUITE_ITERS_sort := 400
SUITE_ITERS_hash := 460
SUITE_ITERS_interp := 72
SUITE_ITERS_lz := 240
SUITE_ITERS_muldiv := 11000
SUITE_ITERS_chase := 3000
SUITE_EXPECTED := $(BUILD)/gen/guests/suite_expected.h
SUITE_GUESTS := $(SUITE:%=$(GUEST_DIR)/suite-%.elf) $(SUITE_RVC:%=$(GUEST_DIR)/suite-rvc-%.elf)
GUESTS += $(SUITE_GUESTS)
SUITE_DEPS := vmcore/guests/suite.c vmcore/guests/suite_kernels.h $(SUITE_EXPECTED) $(GUEST_DEPS)

$(GUEST_DIR)/suite-rvc-%.elf: $(SUITE_DEPS) | deps-guests
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_FLAGS) -march=rv64imac -DSUITE_KERNEL=$* \
		-DSUITE_DEFAULT_ITERS=$(SUITE_ITERS_$*) -T vmcore/guests/link.ld -o $@ $(GUEST_LIB) $<

$(GUEST_DIR)/suite-%.elf: $(SUITE_DEPS) | deps-guests
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_FLAGS) -DSUITE_KERNEL=$* -DSUITE_DEFAULT_ITERS=$(SUITE_ITERS_$*) \
		-T vmcore/guests/link.ld -o $@ $(GUEST_LIB) $<

$(SUITE_EXPECTED): vmcore/guests/suite_expected.c vmcore/guests/suite_kernels.h vmcore/guests.mk | deps-build
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -Ivmcore/guests -o $(@D)/suite_expected $<
	$(@D)/suite_expected $(foreach k,$(SUITE),$(k)=$(SUITE_TEST_ITERS) $(k)=$(SUITE_ITERS_$(k))) \
		> $@.tmp && mv $@.tmp $@

.PHONY: guests bench-vm
guests: $(GUESTS)

bench-vm: $(LOCKLAB) $(GUEST_DIR)/compute-bench.elf $(GUEST_DIR)/compute-bench-linux.elf $(SUITE_GUESTS) | deps-vm
	@sh vmcore/bench_vm.sh $(LOCKLAB) $(GUEST_DIR)/compute-bench.elf $(GUEST_DIR)/compute-bench-linux.elf
	@sh vmcore/bench_suite.sh $(LOCKLAB) $(SUITE_GUESTS)
