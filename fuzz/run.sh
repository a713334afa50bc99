#!/usr/bin/env bash
# Run the fuzz targets: ./run.sh [PIPELINE_SECONDS] [DECODE_SECONDS] [PIECES_SECONDS]
# Only the stable toolchain exists here; RUSTC_BOOTSTRAP=1 lets cargo-fuzz
# use the nightly-only sanitizer flags. Needs `cargo install cargo-fuzz`.
set -euo pipefail
cd "$(dirname "$0")"
./seed.sh
export RUSTC_BOOTSTRAP=1
cargo fuzz run -O pipeline corpus/pipeline -- -max_total_time="${1:-60}" -rss_limit_mb=2048 -timeout=10
cargo fuzz run -O decode corpus/decode -- -max_total_time="${2:-60}" -rss_limit_mb=2048 -timeout=10
cargo fuzz run -O pieces corpus/pieces -- -max_total_time="${3:-60}" -rss_limit_mb=2048 -timeout=10
