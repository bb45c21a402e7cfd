# vigil - the two commands: `make run` and `make test`.
#   make run    installs missing Debian packages, builds (Release), starts a node
#   make test   same install and build, then the whole test suite through CTest
#   make bench  builds and runs the benchmarks in bench/
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

# Debian 12 packages needed to build, test and run vigil.
DEB_PACKAGES := build-essential cmake ninja-build ccache pkg-config \
  libcaf-dev libcapnp-dev capnproto liblmdb-dev lmdb-utils liblz4-dev libyaml-cpp-dev \
  libsimdjson-dev libsnappy-dev libprotobuf-dev protobuf-compiler libboost-dev \
  libboost-test-dev libcli11-dev libre2-dev libcurl4-openssl-dev libbenchmark-dev \
  libssl-dev zlib1g-dev prometheus python3 python3-aiosmtpd curl

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build run test bench clean

all: build

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "vigil: installing missing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/cli/vigil serve

# The PromQL conformance counts are printed first (the suite also runs in
# ctest, which must have the last word: CI reads its closing lines).
test: build
	@echo "PromQL conformance (Prometheus 2.42 test scripts, ../shared/conformance/promql):"
	@./$(BUILD_DIR)/tests/query_tests --run_test=conformance --color_output=no | grep "evals pass" | sed 's/^/  /' || true
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	./bench/run.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
