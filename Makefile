# tremplin — a thin layer over Meson and Ninja. The two commands of the README:
#   make run    installs what is missing, builds, seeds the demo data and serves http://127.0.0.1:8080
#   make test   builds with ASan and UBSan and runs every suite on SQLite and PostgreSQL
.POSIX:
.PHONY: all deps build run test bench fuzz format format-check clean

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

bench: build
	@tools/deps.sh bench
	bench/run.sh $(BUILD)

fuzz:
	fuzz/run.sh 30

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'fuzz/*.c')

format-check:
	clang-format --dry-run -Werror $$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'fuzz/*.c')

clean:
	rm -rf $(BUILD) $(TEST_BUILD)
