#!/usr/bin/env bash
# Peer check: the real TensorBoard reads LoupeTensorBoard's event files back, exactly.
#
# Builds the tests (release, as `make test` does; quick when already built), runs the Swift test
# TensorBoardPeerFixture with LOUPE_TB_OUT set so it writes a log directory and expected.json, then
# reads them with tensorboard_readback.py in ~/.cache/loupe/peers-venv (created by
# setup-python-peers.sh when missing). Run from anywhere: scripts/peers/tensorboard-check.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
"$root/scripts/peers/setup-python-peers.sh"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
flags=(-c release -Xcc -march=native -Xswiftc -enable-testing)
swift build --build-tests "${flags[@]}"
LOUPE_TB_OUT="$out" swift test --skip-build "${flags[@]}" --filter TensorBoardPeerFixture
[ -f "$out/expected.json" ] || { echo "error: TensorBoardPeerFixture wrote nothing to $out (was it skipped?)" >&2; exit 1; }
"$HOME/.cache/loupe/peers-venv/bin/python" "$root/scripts/peers/tensorboard_readback.py" "$out/logs" "$out/expected.json"
