#!/usr/bin/env bash
# Installs what Loupe needs on a fresh Debian 12 machine that already has Swift:
# OpenBLAS (libopenblas-dev), zlib (zlib1g-dev), SQLite (libsqlite3-dev, for the run store) and Open MPI
# (libopenmpi-dev, openmpi-bin), found through pkg-config, and the default LLM
# (scripts/fetch-model.sh). Safe to run again: it installs only what is missing.
set -euo pipefail

if ! command -v swift >/dev/null 2>&1; then
    echo "error: Swift is not on PATH. Install Swift 6 (https://swift.org/install) and run this again." >&2
    exit 1
fi

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ! pkg-config --exists openblas 2>/dev/null; then missing+=(libopenblas-dev); fi
if ! pkg-config --exists zlib 2>/dev/null; then missing+=(zlib1g-dev); fi
if ! pkg-config --exists sqlite3 2>/dev/null; then missing+=(libsqlite3-dev); fi
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
# A real browser for the dashboard's end-to-end check (headless Chromium driven by Selenium).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
# Open MPI for data-parallel training and its multi-rank tests (docs/DISTRIBUTED.md).
command -v mpirun >/dev/null 2>&1 || missing+=(openmpi-bin)
if ! pkg-config --exists ompi-c 2>/dev/null; then missing+=(libopenmpi-dev); fi
# Instruction counts for `make bench-check` (callgrind).
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)

if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]} (Debian packages)..."
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "error: need root or sudo to install ${missing[*]}" >&2; exit 1; }
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
pkg-config --exists openblas zlib sqlite3 || { echo "error: OpenBLAS or zlib is still not visible to pkg-config" >&2; exit 1; }

# The Python peers the end-to-end checks compare with (tensorboard), in ~/.cache/loupe/peers-venv.
"$(dirname "$0")/peers/setup-python-peers.sh"

# The default LLM for the runtime and its tests (cached outside the repository).
"$(dirname "$0")/fetch-model.sh"
