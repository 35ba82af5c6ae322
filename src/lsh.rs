//! TODO: lsh stage.
