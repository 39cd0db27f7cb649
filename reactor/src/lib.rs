//! The I/O driver, timer wheel, net and time types of braid (being written).

pub mod coop;
