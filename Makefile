# appsim: the two set-up commands (make run, make test) and their helpers.
# Each target installs missing Debian packages first, configures CMake into
# build/ (Release) and builds; everything else is CMake's job.
# `make fuzz FUZZ_SECONDS=N` builds the libFuzzer targets with clang into
# build-fuzz/ and runs each for N seconds (docs/fuzzing.md).
# `make bench-ns3` runs the ns-3 counterparts of the benchmarks (opt-in).

BUILD    ?= build
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=

.PHONY: all deps configure build run test bench bench-ns3 fuzz fuzz-build clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

# The build's own output goes to build/build.log, and is shown only when it fails.
build: configure
	@cmake --build $(BUILD) -j $(JOBS) > $(BUILD)/build.log 2>&1 || (cat $(BUILD)/build.log; exit 1)

run: build
	@$(BUILD)/appsim run scenarios/http-persistence.json

test: build
	@cd $(BUILD) && ctest --output-on-failure -V

bench: build
	@$(BUILD)/appsim-bench

# The same hold model and dumbbell on ns-3 3.37, for comparison
# (docs/performance.md). Opt-in: needs libns3-dev (scripts/install-deps.sh
# --ns3), which nothing else requires; builds into $(BUILD)/ns3.
bench-ns3:
	@bench/ns3/run.sh -o $(BUILD)/ns3

# The fuzz targets only (ASan + UBSan + libFuzzer, clang), in their own
# build folder; the build's output goes to $(FUZZ_BUILD)/build.log.
fuzz-build:
	@scripts/install-deps.sh --fuzz
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DAPPSIM_FUZZ=ON -DAPPSIM_WERROR=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) --target fuzz -j $(JOBS) > $(FUZZ_BUILD)/build.log 2>&1 || \
		(cat $(FUZZ_BUILD)/build.log; exit 1)

# Each target (or those of FUZZ_TARGETS) for FUZZ_SECONDS seconds, from a
# scratch copy of its seed corpus; fails on any finding.
fuzz: fuzz-build
	@fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
