# appsim: the two set-up commands (make run, make test) and their helpers.
# Each target installs missing Debian packages first, configures CMake into
# build/ (Release) and builds; everything else is CMake's job.

BUILD    ?= build
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test bench clean

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

clean:
	rm -rf $(BUILD)
