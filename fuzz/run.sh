#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 300 seconds each), seeded
# with the repository's fixtures. Needs a nightly toolchain and cargo-fuzz:
#   rustup toolchain install nightly && cargo install cargo-fuzz
# Usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# Crashes are written to fuzz/artifacts/<target>/; turn each into a regression
# fixture under fixtures/bad/ before fixing it.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-300}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(decode_and_sniff json_parser yaml_parser pipeline)
fi
for target in "${targets[@]}"; do
    corpus="corpus/$target"
    mkdir -p "$corpus"
    # Seed with real-shaped inputs: every JSON and YAML fixture of the repository.
    find ../fixtures \( -name '*.json' -o -name '*.yaml' \) -size -64k -print0 |
        while IFS= read -r -d '' file; do
            cp "$file" "$corpus/seed-$(cksum < "$file" | cut -d' ' -f1)"
        done
    echo "== $target for ${seconds}s"
    cargo +nightly fuzz run "$target" "$corpus" -- -max_total_time="$seconds" -max_len=65536
done
