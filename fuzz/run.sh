#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 300 seconds each), one after
# the other, seeded with the repository's fixtures. Needs cargo-fuzz and a nightly
# toolchain (`cargo install cargo-fuzz`; with only a stable toolchain,
# `RUSTC_BOOTSTRAP=1` lets it build: set TOOLCHAIN= to use the default one).
# Usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# Each run's log goes to fuzz/logs/<target>.log and its last statistics line is
# printed. Crashes are written to fuzz/artifacts/<target>/; minimize one with
#   cargo +nightly fuzz tmin <target> fuzz/artifacts/<target>/crash-…
# and turn it into a regression fixture under fixtures/bad/ or a unit test.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-300}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(decode_and_sniff json_parser yaml_parser rule_language decision_procedure documents pipeline tenant)
fi
toolchain="${TOOLCHAIN-+nightly}"
export RUSTC_BOOTSTRAP=1
mkdir -p logs

# Real-shaped inputs: every JSON and YAML fixture of the repository.
seed_with_fixtures() {
    find ../fixtures \( -name '*.json' -o -name '*.yaml' \) -size -64k -print0 |
        while IFS= read -r -d '' file; do
            cp "$file" "$1/seed-$(cksum < "$file" | cut -d' ' -f1)"
        done
}

# The pipeline target splits its input at 0xFF bytes into six files (settings
# catalog, device configuration, compliance, filter, groups, devices): its seeds
# are real files of those kinds joined by 0xFF, so every slot gets content.
seed_pipeline() {
    local tenants=(../fixtures/inputs ../fixtures/inventory-tenant ../fixtures/rollout/uat-overlaps-pilot)
    local index=0
    for catalog in "${tenants[@]}"; do
        local slots=(
            "$(find "$catalog" -path '*Settings Catalog*' -name '*.json' | sort | head -1)"
            "$(find ../fixtures/inputs -path '*Device Configurations*' -name '*.json' | sort | sed -n "$((index % 2 + 1))p")"
            "$(find ../fixtures/inputs -path '*Compliance Policies*' -name '*.json' | sort | head -1)"
            "$(find ../fixtures -path '*Filters*' -name '*.json' | sort | sed -n "$((index + 1))p")"
            "$(find "$catalog" -name 'groups.json' | sort | head -1)"
            "$(find "$catalog" -name 'devices*.json' | sort | head -1)"
        )
        {
            local first=1
            for slot in "${slots[@]}"; do
                [ $first -eq 1 ] || printf '\377'
                first=0
                [ -n "$slot" ] && cat "$slot"
            done
        } > "$1/seed-tenant-$index"
        index=$((index + 1))
    done
}

for target in "${targets[@]}"; do
    corpus="corpus/$target"
    mkdir -p "$corpus"
    max_len=65536
    len_control=100
    case "$target" in
        decode_and_sniff | json_parser | yaml_parser) seed_with_fixtures "$corpus" ;;
        pipeline) seed_pipeline "$corpus" ;;
        # Structured targets: bytes drive choices, not text. The slow ones get
        # their full length from the start (each byte is a decision).
        documents | tenant) max_len=4096 len_control=0 ;;
        *) max_len=4096 ;;
    esac
    echo "== $target for ${seconds}s"
    # shellcheck disable=SC2086
    cargo $toolchain fuzz run -O "$target" "$corpus" -- \
        -max_total_time="$seconds" -max_len="$max_len" -len_control="$len_control" \
        -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 2>&1 | tee "logs/$target.log" | grep -E '^#[0-9]+ +(DONE|INITED)|^==[0-9]+== ERROR|SUMMARY|Done [0-9]+ runs' || true
done
