# Sourced by the CI checks that build stslint the way users install it
# (pre-commit, the wheel, a fresh clone's `cargo run --release`): one target
# directory for all of them, and a release build without optimisation or
# LTO. They check that the commands work, not the binary's speed; the
# release workflow builds with the real profile.
export CARGO_TARGET_DIR="$repo/target/ci-release"
export CARGO_PROFILE_RELEASE_OPT_LEVEL=0
export CARGO_PROFILE_RELEASE_LTO=false
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
export CARGO_PROFILE_RELEASE_DEBUG=false
