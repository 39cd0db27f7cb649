//! Criterion suite: the gather workloads on braid, Tokio and smol.

fn main() {
    braid_benches::suite::main(braid_benches::Area::Gather);
}
