#!/usr/bin/env bash
# Regenerates Sources/LoupeTensorBoard/Generated/*.pb.swift from the trimmed TensorBoard .proto
# files in Sources/LoupeTensorBoard/Proto/ (see the README there), after checking them against the
# pinned `tensorboard` package (scripts/proto/check_subset.py). Run from anywhere:
#
#     scripts/proto/generate.sh
#
# Needs protoc (Debian: protobuf-compiler; libprotoc 3.21.12 made the committed files) and
# protoc-gen-swift from swift-protobuf 1.39.0, the version Package.swift's runtime resolves to. Set
# PROTOC_GEN_SWIFT to a built plugin, or the script builds one once in a scratch package outside
# the repository (about a minute or more; Loupe itself never builds the plugin).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
proto="$root/Sources/LoupeTensorBoard/Proto"
generated="$root/Sources/LoupeTensorBoard/Generated"
scratch="${TMPDIR:-/tmp}/loupe-protoc-gen-swift"

command -v protoc >/dev/null 2>&1 || { echo "error: protoc not found (Debian: apt-get install protobuf-compiler)" >&2; exit 1; }

if [ -z "${PROTOC_GEN_SWIFT:-}" ]; then
    if [ ! -x "$scratch/.build/release/protoc-gen-swift" ]; then
        echo "Building protoc-gen-swift 1.39.0 in $scratch..."
        mkdir -p "$scratch/Sources/Placeholder"
        : > "$scratch/Sources/Placeholder/Placeholder.swift"
        cat > "$scratch/Package.swift" <<'PACKAGE'
// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "ProtocGenSwift",
    dependencies: [.package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0")],
    targets: [.target(name: "Placeholder", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")])]
)
PACKAGE
        swift build --package-path "$scratch" -c release --product protoc-gen-swift
    fi
    PROTOC_GEN_SWIFT="$scratch/.build/release/protoc-gen-swift"
fi

files=()
while IFS= read -r f; do files+=("$f"); done < <(cd "$proto" && find tensorboard -name '*.proto' | sort)

# The trimmed files must say what TensorBoard's say, field for field.
"$root/scripts/peers/setup-python-peers.sh"
descriptors="$(mktemp)"
trap 'rm -f "$descriptors"' EXIT
protoc -I "$proto" --descriptor_set_out="$descriptors" --include_imports "${files[@]/#/$proto/}"
"$HOME/.cache/loupe/peers-venv/bin/python" "$root/scripts/proto/check_subset.py" "$descriptors"

# Internal visibility: the messages are the module's implementation, not its API. DropPath: the
# upstream directory layout stays in Proto/ (import paths), the Swift files sit side by side.
rm -f "$generated"/*.pb.swift
mkdir -p "$generated"
protoc -I "$proto" --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" \
    --swift_opt=Visibility=Internal --swift_opt=FileNaming=DropPath \
    --swift_out="$generated" "${files[@]/#/$proto/}"
echo "Wrote $(ls "$generated"/*.pb.swift | wc -l) files to ${generated#"$root"/}"
