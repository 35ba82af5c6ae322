#!/usr/bin/env bash
# Builds every fuzz target (CI runs this; it does not fuzz).
#
# cargo-fuzz needs nightly-only flags (-Zsanitizer); the machine has stable
# Rust only, so RUSTC_BOOTSTRAP=1 lets stable rustc accept them.
#
# To fuzz one target for three minutes, from the repository root:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -a TARGET -- -max_total_time=180 -max_len=4096
# Targets: tokenize_shingle, jsonl_reader, align_pair, report_roundtrip
# (fuzz/README.md says what each checks).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz
fi
# -a: debug assertions on (overflow checks, Span invariants), as when fuzzing.
RUSTC_BOOTSTRAP=1 cargo fuzz build -a
