#!/usr/bin/env bash
# Peer check: the real TensorBoard reads LoupeTensorBoard's event files back, exactly.
#
# Builds the tests (release, as `make test` does; quick when already built), runs the Swift tests
# TensorBoardPeerFixture (the event-file writer: logs/ and expected.json) and
# TelemetryTensorBoardPeerFixture (a debug run's telemetry through `loupe runs export`'s code:
# export-logs/ and export-expected.json) with LOUPE_TB_OUT set, then reads both with
# tensorboard_readback.py in ~/.cache/loupe/peers-venv (created by setup-python-peers.sh when
# missing). Run from anywhere: scripts/peers/tensorboard-check.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
"$root/scripts/peers/setup-python-peers.sh"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
flags=(-c release -Xcc -march=native -Xswiftc -enable-testing)
swift build --build-tests "${flags[@]}"
LOUPE_TB_OUT="$out" swift test --skip-build "${flags[@]}" --filter TensorBoardPeerFixture
for file in expected.json export-expected.json; do
  [ -f "$out/$file" ] || { echo "error: the peer fixtures wrote no $file to $out (were they skipped?)" >&2; exit 1; }
done
"$HOME/.cache/loupe/peers-venv/bin/python" "$root/scripts/peers/tensorboard_readback.py" "$out/logs" "$out/expected.json"
"$HOME/.cache/loupe/peers-venv/bin/python" "$root/scripts/peers/tensorboard_readback.py" "$out/export-logs" "$out/export-expected.json"
