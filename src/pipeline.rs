//! TODO: pipeline stage.
