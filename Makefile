# locklab build. Everything it makes goes under $(BUILD); `make clean` removes it.
#   make            build/locklab
#   make test       the Criterion suite (installs missing dependencies first)
#   make bench      the main benchmark
#   make deps       install missing Debian packages (apt-get, sudo when not root)

BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
PKGS := ck hwloc numa jansson
WARN := -Wall -Wextra -Werror
# Recursive (=) so pkg-config runs after `deps` has installed what it queries.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -I. $(WARN) $(CFLAGS) -MMD -MP $(PKG_CFLAGS)
LDLIBS = $(PKG_LIBS) -lpthread -lm

# Sources compiled once. harness/main.c holds only main(), so the tests link the rest.
VM_SRCS := $(wildcard vmcore/*.c)
LIB_SRCS := $(filter-out harness/main.c,$(wildcard harness/*.c)) \
	$(wildcard locks/*.c) $(VM_SRCS) $(wildcard workloads/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
TEST_SRCS := $(wildcard tests/*.c)
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/%.o)

LOCKLAB := $(BUILD)/locklab
TESTS := $(BUILD)/locklab-tests

.PHONY: all deps test bench bench-quick bench-full clean
all: $(LOCKLAB)

deps:
	@sh tools/deps.sh

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LOCKLAB): $(BUILD)/harness/main.o $(LIB_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(TESTS): $(TEST_OBJS) $(LIB_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs criterion 2>/dev/null)

# Tests run one at a time: torture tests oversubscribe the CPUs on purpose and
# would measure each other otherwise. LOCKLAB tells CLI tests which binary to run.
test: $(LOCKLAB) $(TESTS)
	LOCKLAB=$(LOCKLAB) $(TESTS) --jobs 1 $(TEST_ARGS)

bench: $(LOCKLAB)
	$(LOCKLAB) torture --lock all --seconds 1

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
