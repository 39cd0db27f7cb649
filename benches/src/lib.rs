//! Shared workloads of the braid benchmarks (being written).
