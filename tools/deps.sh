#!/usr/bin/env bash
# Installs what tremplin needs on Debian 12: the Debian packages that are missing (as root; otherwise
# prints the exact apt-get line and stops), then the front-end packages from package-lock.json.
# Usage: tools/deps.sh [build|test|bench|deb|fuzz]   (test, bench and deb add what they need)
set -eu
cd "$(dirname "$0")/.."
what=${1:-build}

# libcmocka-dev is in every build: the unit tests are built with the program (meson.build requires cmocka).
pkgs=(meson ninja-build pkg-config gcc make python3
  libh2o-evloop-dev libssl-dev zlib1g-dev libuv1-dev libsqlite3-dev libpq-dev libjansson-dev libsodium-dev
  libcurl4-openssl-dev libinih-dev libcsv-dev libxlsxwriter-dev libutf8proc-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core
  libcmocka-dev scdoc libsystemd-dev
  libcjose-dev liboath-dev libqrencode-dev)
# The fuzz drivers (fuzz/run.sh, in make test and make fuzz): clang with libFuzzer and the sanitizers' runtime.
fuzz_pkgs=(clang libclang-rt-14-dev)
# The Debian package (make deb) and its checks (tests/ops): debhelper, lintian, systemd-analyze, man.
deb_pkgs=(debhelper dpkg-dev lintian systemd man-db)
case "$what" in
test) pkgs+=(poppler-utils postgresql-15 python3-pytest python3-pytest-xdist python3-requests python3-aiosmtpd chromium clang-format sqlite3
  nginx-light "${deb_pkgs[@]}" "${fuzz_pkgs[@]}") ;;
fuzz) pkgs+=("${fuzz_pkgs[@]}") ;;
deb) pkgs+=("${deb_pkgs[@]}") ;;
bench) pkgs+=(wrk nginx-light sqlite3) ;;
esac

missing=()
# Node.js and npm may come from elsewhere than Debian (a newer Node ships its own npm): ask for the
# commands, and install Debian's packages only when they are absent.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "tremplin needs these Debian packages; install them as root with:" >&2
    echo "  apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Front-end assets, reference data and browser-test tools, exactly as locked.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
