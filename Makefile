# Strait's front door. On a fresh Debian 12 machine (as root):
#   make lab-up   installs what is missing, builds, and brings up the
#                 paris/tokyo lab (gateways, internet, Kubernetes nodes) in
#                 network namespaces; lab-verify, lab-status, lab-down
#   make test     installs what is missing, builds and runs every test
#   make asan, make tsan  the tests again under the sanitizers (and the
#                 fuzz targets' smoke runs); make test runs them too
#   make soak     the lab for SOAK_MINUTES (30) with a rekey every minute
#   make conformance  conformance/run: every case of conformance/cases
#                 through strait replay, and the interoperability checks
#   make install  the binary, man page, systemd units and example
#                 configuration under PREFIX (/usr/local), below DESTDIR
#   make deb      the Debian package, in build/deb/; deb-check also runs
#                 lintian and installs it into a scratch dpkg root

BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all build strait deps test unit conformance asan tsan bench bench-e2e lab-up lab-down lab-verify lab-status soak \
	format format-check clean install deb deb-check fuzz fuzz-build fuzz-smoke fuzz-merge fuzz-seeds

all: build

deps:
	ci/install-deps

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: $(BUILD)/build.ninja
	ninja -C $(BUILD) -j $(JOBS)

# Only build/strait: all that the lab scripts and bench-e2e run.
strait: $(BUILD)/build.ninja
	ninja -C $(BUILD) -j $(JOBS) strait

# CTest prints each test's time as it ends; cmake/TestSummary.cmake then
# prints the ten slowest and repeats the verdict. The exit status is
# CTest's.
CTEST = ctest --output-on-failure -j $(JOBS) --output-junit ctest-junit.xml
TEST_SUMMARY = cmake -DJUNIT=ctest-junit.xml -P $(CURDIR)/cmake/TestSummary.cmake

test: deps
	$(MAKE) build
	$(MAKE) format-check
	cd $(BUILD) && { $(CTEST); status=$$?; $(TEST_SUMMARY); exit $$status; }
	$(MAKE) asan
	$(MAKE) tsan

unit: build
	cd $(BUILD) && { $(CTEST) -L unit; status=$$?; $(TEST_SUMMARY); exit $$status; }

# Every conformance case through build/strait replay (conformance/README.md);
# CASES="name ..." runs some of them.
conformance: strait
	conformance/run --gateway $(BUILD)/strait $(foreach c,$(CASES),--case $(c))

# Sanitizer builds (README, "Sanitizers"), each in a build directory of its
# own. make asan: clang-14 with AddressSanitizer + UndefinedBehaviorSanitizer
# and the libFuzzer targets; the unit, sim and conformance tests and each
# fuzz target's smoke run (label unit). make tsan: ThreadSanitizer, every
# test that runs code on more than one thread (CTest label threads). A report
# fails the test that triggered it. make test runs both.
SANITIZER_OPTIONS = ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
SANITIZER_CTEST = ctest --output-on-failure --output-junit ctest-junit.xml

build-asan/build.ninja:
	CC=clang-14 CXX=clang++-14 cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DSTRAIT_SANITIZE=address,undefined -DSTRAIT_FUZZ=ON

asan: build-asan/build.ninja
	ninja -C build-asan -j $(JOBS)
	cd build-asan && { $(SANITIZER_OPTIONS) $(SANITIZER_CTEST) -j $(JOBS) \
	  -L '^(unit|sim|conformance)$$'; status=$$?; $(TEST_SUMMARY); exit $$status; }

tsan:
	cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTRAIT_SANITIZE=thread
	ninja -C build-tsan -j $(JOBS) threads-tests
	cd build-tsan && { $(SANITIZER_OPTIONS) $(SANITIZER_CTEST) -j 1 -L '^threads$$'; \
	  status=$$?; $(TEST_SUMMARY); exit $$status; }

# libFuzzer (fuzz/README.md): the fuzz targets of the clang-14 ASan + UBSan
# build (build-asan, above). make fuzz runs every target for FUZZ_SECONDS
# each (FUZZ_TARGETS="a b": some of them); fuzz-smoke is each target over its
# corpus plus a few seconds (CTest; make asan runs it too); fuzz-merge keeps
# in fuzz/corpus what make fuzz found that adds coverage; fuzz-seeds rebuilds
# seeds from the conformance captures and merges them in.
FUZZ_BUILD = build-asan
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz-build: $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD) -j $(JOBS) fuzz_targets

fuzz: deps
	$(MAKE) fuzz-build
	fuzz/run-all.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: deps
	$(MAKE) fuzz-build
	cd $(FUZZ_BUILD) && ctest --output-on-failure -j $(JOBS) -R '^fuzz_'

fuzz-merge: fuzz-build
	fuzz/merge.sh $(FUZZ_BUILD) $(FUZZ_BUILD)/fuzz-runs/corpus

fuzz-seeds: fuzz-build
	rm -rf $(FUZZ_BUILD)/seeds
	/usr/bin/python3 fuzz/make_seeds.py $(FUZZ_BUILD)/seeds
	fuzz/merge.sh $(FUZZ_BUILD) $(FUZZ_BUILD)/seeds

# Installation without Nix (README, "Install"; dist/CMakeLists.txt).
PREFIX ?= /usr/local
install: $(BUILD)/build.ninja
	ninja -C $(BUILD) -j $(JOBS) dist
	DESTDIR=$(if $(DESTDIR),$(abspath $(DESTDIR))) cmake --install $(BUILD) --prefix $(PREFIX)
	@[ -n "$(DESTDIR)" ] || echo "install: 'systemctl daemon-reload' makes systemd see strait@.service and strait-interfaces@.service"

deb:
	JOBS=$(JOBS) dist/build-deb.sh $(BUILD)/deb

# The man page is expected in the package when the build has a `man` target.
deb-check: $(BUILD)/build.ninja
	JOBS=$(JOBS) bash dist/tests/deb_test.sh $(CURDIR) $(abspath $(BUILD))/deb \
	  $$(ninja -C $(BUILD) -t targets all | grep -q '^man:' && echo 1 || echo 0)

bench: strait
	$(BUILD)/strait bench

# iperf3 through two strait gateways, wireguard-go and plain forwarding in
# network namespaces, alternated over RUNS (5) rounds, gateways and iperf3
# ends pinned (root, about 3 minutes): $(BUILD)/bench-e2e/result.json and
# plot.png. BACKEND=xdp|af-packet, MODE, SECONDS_RUN, STRAIT_ARGS,
# CPUS_GATEWAYS, CPUS_HOSTS, PERF=1, REQUIRE_RATIO (README.md).
bench-e2e: deps
	$(MAKE) strait
	OUT="$${OUT:-$(BUILD)/bench-e2e}" netns-lab/bench-e2e.sh $(BUILD)/strait

# The two-region lab (netns-lab/README.md). LAB_BACKEND=xdp|af-packet,
# LAB_WAN=paris-tokyo|lan|lossy, LAB_NAT=1 (vita-tokyo behind a NAT: ESP in UDP),
# LAB_PREFIX (namespace name prefix).
lab-up: deps
	$(MAKE) strait
	STRAIT=$(abspath $(BUILD))/strait netns-lab/lab-up.sh

lab-down:
	netns-lab/lab-down.sh

lab-verify:
	STRAIT=$(abspath $(BUILD))/strait netns-lab/lab-verify.sh $(CHECKS)

# The lab under UDP both ways with a rekey about every minute
# (netns-lab/soak.sh): SOAK_MINUTES (default 30), SOAK_RATE, LAB_WAN.
soak: deps
	$(MAKE) strait
	STRAIT=$(abspath $(BUILD))/strait SOAK_MINUTES=$(or $(SOAK_MINUTES),30) netns-lab/soak.sh

lab-status:
	STRAIT=$(abspath $(BUILD))/strait netns-lab/lab-status.sh

format:
	git ls-files "*.cpp" "*.hpp" | xargs clang-format -i

format-check:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD)
