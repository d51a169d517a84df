# tremplin — a thin layer over Meson and Ninja. The two commands of the README:
#   make run    installs what is missing, builds, seeds the demo data and serves http://127.0.0.1:8080
#   make test   builds with ASan and UBSan and runs every suite on SQLite and PostgreSQL
#   make deb    builds the Debian package with Debian's tools into dist/ (debian/, docs/DEPLOYMENT.md)
.POSIX:
.PHONY: all deps build run test bench fuzz soak format format-check clean deb

BUILD ?= build
TEST_BUILD ?= build-test
DATABASE ?= sqlite:var/tremplin.db

all: build

deps:
	@tools/deps.sh build

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)
	tools/static.sh $(BUILD)/static

run: build
	mkdir -p var
	$(BUILD)/src/tremplin seed --demo --database $(DATABASE)
	@echo "tremplin: http://127.0.0.1:8080 (stop with Ctrl-C)"
	exec $(BUILD)/src/tremplin serve --database $(DATABASE) --listen 127.0.0.1:8080

$(TEST_BUILD)/build.ninja:
	meson setup $(TEST_BUILD) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

test:
	@tools/deps.sh test
	@$(MAKE) --no-print-directory $(TEST_BUILD)/build.ninja
	ninja -C $(TEST_BUILD)
	tools/static.sh $(TEST_BUILD)/static
	tests/run.sh $(TEST_BUILD)

# bench/run.sh writes bench/results.md; bench/subsidies.sh (issue 12: 10,000 contracts, 4,000 conventions, an order
# of 10,000 lines, on SQLite) appends its figures to it. BENCH_CONTRACTS changes the size.
bench: build
	@tools/deps.sh bench
	bench/run.sh $(BUILD)
	bench/subsidies.sh $(BUILD) $${BENCH_CONTRACTS:-10000} sqlite

# dpkg-buildpackage writes beside the source tree: the results are moved into dist/. -tc cleans the tree after.
deb:
	@tools/deps.sh deb
	@tools/deps.sh build
	dpkg-buildpackage -us -uc -b -tc
	mkdir -p dist
	v=$$(dpkg-parsechangelog -S Version) && a=$$(dpkg-architecture -qDEB_HOST_ARCH) && \
	  mv ../tremplin_$${v}_$$a.deb ../tremplin_$${v}_$$a.changes ../tremplin_$${v}_$$a.buildinfo \
	    ../tremplin-dbgsym_$${v}_$$a.deb dist/ && \
	  ls -l dist/tremplin_$${v}_$$a.deb

# The soak (tests/faults/soak.py): on SQLite then PostgreSQL, SOAK_SECONDS at 80 % of the measured maximum
# throughput with a mix of reads and writes; fails on any failed request or resident memory growing past 10 %.
SOAK_SECONDS ?= 600
soak: build
	@tools/deps.sh test
	tests/faults/soak.py $(BUILD) --seconds $(SOAK_SECONDS)

# Every fuzz driver for 10 minutes (make test runs each for 9 s).
FUZZ_SECONDS ?= 600
fuzz:
	@tools/deps.sh fuzz
	fuzz/run.sh $(FUZZ_SECONDS)

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'fuzz/*.c')

format-check:
	clang-format --dry-run -Werror $$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'fuzz/*.c')

clean:
	rm -rf $(BUILD) $(TEST_BUILD)
