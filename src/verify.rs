//! TODO: verify stage.
