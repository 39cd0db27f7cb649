//! Ordered, structured gather (crate docs are written with the gather family).

mod join_error;

pub use join_error::JoinError;
