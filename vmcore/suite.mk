# The VM benchmark suite (make bench-vm); included from vmcore/guests.mk.
# One kernel a file in vmcore/guests/suite/, each built from the same source as
#   suite-K.elf, suite-K-test.elf        bare-metal guests (vmcore/guests/suite.c)
#   suite-K-linux.elf, -linux-test.elf   static riscv64 Linux programs (suite_linux.c)
#   $(SUITE_GEN)/K/kernel_expected.h     checksums from a native build (suite_expected.c)
# and the kernels in SUITE_RVC also with C (suite-rvc-K*.elf). The bench count
# runs 1.6 G instructions or more and over 1 s under qemu-riscv64 (about 2 G;
# fir, hash and lz, which qemu runs fastest, 4-8 G); the test count a few million
# (make test; chase 22 M, most of it building its 4 MiB cycle).
SUITE := $(sort $(basename $(notdir $(wildcard vmcore/guests/suite/*.c))))
SUITE_RVC := sort interp
SUITE_ITERS_chase := 3000
SUITE_ITERS_fir := 4000
SUITE_ITERS_hash := 1840
SUITE_ITERS_interp := 140
SUITE_ITERS_lz := 1760
SUITE_ITERS_muldiv := 22000
SUITE_ITERS_parse := 1300
SUITE_ITERS_sort := 800
SUITE_TEST_ITERS_chase := 2
SUITE_TEST_ITERS_fir := 4
SUITE_TEST_ITERS_hash := 2
SUITE_TEST_ITERS_interp := 1
SUITE_TEST_ITERS_lz := 1
SUITE_TEST_ITERS_muldiv := 40
SUITE_TEST_ITERS_parse := 4
SUITE_TEST_ITERS_sort := 2
SUITE_GEN := $(BUILD)/gen/guests/suite
SUITE_NAMES := $(SUITE:%=suite-%) $(SUITE_RVC:%=suite-rvc-%)
SUITE_BENCH := $(SUITE_NAMES:%=$(GUEST_DIR)/%.elf) $(SUITE_NAMES:%=$(GUEST_DIR)/%-linux.elf)
SUITE_TEST := $(SUITE_NAMES:%=$(GUEST_DIR)/%-test.elf) $(SUITE_NAMES:%=$(GUEST_DIR)/%-linux-test.elf)
GUESTS += $(SUITE_BENCH) $(SUITE_TEST)
SUITE_SOURCES := vmcore/guests/suite/suite.h vmcore/suite.mk

# suite_guest NAME KERNEL MARCH: NAME's four builds of suite/KERNEL.c.
define suite_guest
$(GUEST_DIR)/$(1).elf $(GUEST_DIR)/$(1)-test.elf: $(GUEST_DIR)/$(1)%.elf: vmcore/guests/suite.c \
		vmcore/guests/suite/$(2).c $(SUITE_GEN)/$(2)/kernel_expected.h $(SUITE_SOURCES) \
		$(GUEST_DEPS) | deps-guests
	@mkdir -p $$(@D)
	$(GUEST_CC) $(GUEST_FLAGS) -march=$(3) -I$(SUITE_GEN)/$(2) -DSUITE_NAME='"$(1)"' \
		-DSUITE_ITERATIONS=$$(if $$*,$(SUITE_TEST_ITERS_$(2)),$(SUITE_ITERS_$(2))) \
		-T vmcore/guests/link.ld -o $$@ $(GUEST_LIB) vmcore/guests/suite.c vmcore/guests/suite/$(2).c
$(GUEST_DIR)/$(1)-linux.elf $(GUEST_DIR)/$(1)-linux-test.elf: $(GUEST_DIR)/$(1)-linux%.elf: \
		vmcore/guests/suite_linux.c vmcore/guests/freestanding.c vmcore/guests/suite/$(2).c \
		$(SUITE_GEN)/$(2)/kernel_expected.h $(SUITE_SOURCES) vmcore/guests.mk | deps-guests
	@mkdir -p $$(@D)
	$(GUEST_CC) $(LINUX_FLAGS) -march=$(3) -Ivmcore/guests -I$(SUITE_GEN)/$(2) \
		-DSUITE_NAME='"$(1)"' \
		-DSUITE_ITERATIONS=$$(if $$*,$(SUITE_TEST_ITERS_$(2)),$(SUITE_ITERS_$(2))) \
		-o $$@ vmcore/guests/suite_linux.c vmcore/guests/freestanding.c vmcore/guests/suite/$(2).c
endef
$(foreach k,$(SUITE),$(eval $(call suite_guest,suite-$(k),$(k),rv64ima)))
$(foreach k,$(SUITE_RVC),$(eval $(call suite_guest,suite-rvc-$(k),$(k),rv64imac)))

# Built and run on this machine (plain C, no sanitizer flags: it only computes).
$(SUITE_GEN)/%/kernel_expected.h: vmcore/guests/suite_expected.c vmcore/guests/suite/%.c \
		$(SUITE_SOURCES) | deps-build
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -Ivmcore/guests -o $(@D)/suite_expected \
		vmcore/guests/suite_expected.c vmcore/guests/suite/$*.c
	$(@D)/suite_expected $(SUITE_TEST_ITERS_$*) $(SUITE_ITERS_$*) > $@.tmp && mv $@.tmp $@

# make bench-vm: every suite guest on vmcore and under qemu-riscv64, and compute
# (the guest vmcore's fused pairs were chosen on) beside them, outside the means.
# make bench-vm-jit: the suite compiled against --no-opt (vmcore/jit.h).
.PHONY: bench-vm bench-vm-jit
bench-vm: $(LOCKLAB) $(SUITE_BENCH) $(GUEST_DIR)/compute-bench.elf \
		$(GUEST_DIR)/compute-bench-linux.elf | deps-vm
	@sh vmcore/bench_vm.sh $(LOCKLAB) $(GUEST_DIR) $(SUITE_NAMES) compute-bench
bench-vm-jit: $(LOCKLAB) $(SUITE_BENCH) | deps-vm
	@sh vmcore/bench_suite.sh $(LOCKLAB) $(SUITE_NAMES:%=$(GUEST_DIR)/%.elf)
