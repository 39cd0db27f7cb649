//! Loom models of braid (being written).
