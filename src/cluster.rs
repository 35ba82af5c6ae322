//! TODO: cluster stage.
