//! TODO: shingle stage.
