# The same checks CI runs (.ci/run calls `make ci`).

.PHONY: ci fmt clippy doc test browser fuzz-build spark bench measure

ci: fmt clippy doc test fuzz-build spark

fmt:
	cargo fmt --all -- --check

clippy:
	cargo clippy --all-targets -- -D warnings

doc:
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps

# The README's test command.
test:
	cargo test
	bash tests/browser/run.sh

browser:
	bash tests/browser/run.sh

# Builds the fuzz targets (installs cargo-fuzz if missing); does not fuzz.
fuzz-build:
	bash fuzz/build.sh

# The Spark job against `reprint scan` on the seeds (JSONL and Parquet), bad
# input and a generated corpus, with local[2] (installs PySpark and pyarrow
# into target/spark-venv, and Java 17 or python3-venv when missing).
spark:
	bash spark/run_local.sh

bench:
	cargo bench --bench stages
	cargo bench --bench align

measure:
	benches/measure.sh 10000 1
