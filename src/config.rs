//! TODO: config stage.
