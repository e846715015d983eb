#!/usr/bin/env bash
# Creates the Python environment the peer checks run in, ~/.cache/loupe/peers-venv, with pinned
# versions of the reference packages. Safe to run again: it installs only what is missing. The
# Swift tests never need it; the scripts in scripts/peers/ (and scripts/proto/generate.sh) do.
#
#   tensorboard 2.21.0   reads the event files LoupeTensorBoard writes (EventAccumulator, the
#                        HParams plugin); its *_pb2 modules are what check_subset.py compares with
#   protobuf 7.36.2, numpy 2.4.6: the versions pip resolved for it when this was verified
#   selenium 4.38.0      drives headless Chromium through the dashboard (dashboard_browser_check.py);
#                        4.52 needs a certifi the package index here lacks
#   openai 3.57.0        the official OpenAI client, pointed at `loupe serve` (openai_check.py);
#                        pulls in httpx2, pydantic, anyio, jiter (no conflict with the pins above)
set -euo pipefail

venv="$HOME/.cache/loupe/peers-venv"
pins=(tensorboard==2.21.0 protobuf==7.36.2 numpy==2.4.6 selenium==4.38.0 openai==3.57.0)

if [ ! -x "$venv/bin/python" ]; then
    python3 -c 'import venv, ensurepip' 2>/dev/null \
        || { echo "error: python3 with venv and ensurepip is needed (Debian: apt-get install python3-venv)" >&2; exit 1; }
    echo "Creating $venv..."
    python3 -m venv "$venv"
fi

installed="$("$venv/bin/python" -m pip freeze --disable-pip-version-check)"
missing=()
for pin in "${pins[@]}"; do
    grep -qix "$pin" <<<"$installed" || missing+=("$pin")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]} into $venv..."
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"
fi
