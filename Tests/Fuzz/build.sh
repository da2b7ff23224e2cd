#!/usr/bin/env bash
# Builds the fuzz harness: Tests/Fuzz/*.swift with every source of the SFLKit
# library and the tests' independent PNG and JPEG writers (seeds), as one
# module, with libFuzzer and AddressSanitizer.
#
#   Tests/Fuzz/build.sh [output]     (default: .build/fuzz/fuzz-decoders)
#
# Run from anywhere; prints the path of the program it built.
set -euo pipefail
cd "$(dirname "$0")/../.."
output=${1:-.build/fuzz/fuzz-decoders}
mkdir -p "$(dirname "$output")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One module named SFLKit (a few sources qualify names with it). The test
# writers import the library (`@testable import SFLKit`); here they are
# compiled into the same module, so that line goes.
for file in Tests/SFLKitTests/ImageIO/TestSupport.swift Tests/SFLKitTests/ImageIO/JPEGTestEncoder.swift; do
    grep -v '^@testable import SFLKit$' "$file" > "$work/$(basename "$file")"
done

sources=()
while IFS= read -r -d '' file; do sources+=("$file"); done < <(find Sources/SFLKit -name '*.swift' -print0 | sort -z)

# lld: the default gold linker warns about every ASan report function it
# cannot export; lld links the same program without a warning.
swiftc -sanitize=fuzzer,address -use-ld=lld -parse-as-library -O -swift-version 6 -module-name SFLKit \
    Tests/Fuzz/FuzzDecoders.swift Tests/Fuzz/FuzzSeeds.swift "$work"/*.swift "${sources[@]}" \
    -o "$output"
echo "$output"
