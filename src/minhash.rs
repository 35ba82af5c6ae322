//! TODO: minhash stage.
