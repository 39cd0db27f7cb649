//! The inspect example's demo: the handler that blocks its worker is
//! reported once, naming where its task was spawned, and the dump taken
//! then shows it running.

#[path = "../examples/inspect.rs"]
#[allow(dead_code)] // the example's `main`
mod inspect;

mod support;

use std::sync::{Arc, Mutex};

#[test]
#[cfg_attr(miri, ignore)]
fn the_blocking_handler_is_reported_with_a_dump() {
    support::eventually(|| {
        let seen = Arc::new(Mutex::new(inspect::Seen::default()));
        let rt = inspect::runtime(seen.clone()).unwrap();
        rt.block_on(inspect::demo()).unwrap();
        drop(rt);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.stalls.len(), 1, "{:?}", seen.stalls);
        assert!(
            seen.stalls[0].contains("examples/inspect.rs"),
            "{}",
            seen.stalls[0]
        );
        assert_eq!(seen.dumps.len(), 1);
        let running: Vec<_> = seen.dumps[0]
            .lines()
            .filter(|line| line.contains("running"))
            .collect();
        assert_eq!(running.len(), 1, "{}", seen.dumps[0]);
        assert!(running[0].contains("examples/inspect.rs"));
    });
}
