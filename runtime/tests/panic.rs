//! A panicking task becomes a JoinError; the runtime carries on.

mod support;

use std::panic;

#[test]
fn panic_becomes_join_error_and_back() {
    for (name, rt) in support::flavours() {
        let err = rt.block_on(async {
            braid::spawn(async { panic!("task exploded") })
                .await
                .unwrap_err()
        });
        assert!(err.is_panic(), "{name}");
        assert_eq!(
            err.to_string(),
            "task panicked with message \"task exploded\""
        );
        let payload = err.into_panic();
        let resumed =
            panic::catch_unwind(panic::AssertUnwindSafe(|| panic::resume_unwind(payload)));
        let message = resumed.unwrap_err();
        assert_eq!(
            *message.downcast::<&str>().unwrap(),
            "task exploded",
            "{name}"
        );
    }
}

#[test]
fn the_runtime_survives_a_panicking_task() {
    for (name, rt) in support::flavours() {
        let out = rt.block_on(async {
            for _ in 0..10 {
                let _ = braid::spawn(async { panic!("again") }).await;
            }
            braid::spawn(async { "alive" }).await.unwrap()
        });
        assert_eq!(out, "alive", "{name}");
    }
}

#[test]
fn a_panicking_drop_of_the_output_is_contained() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("bomb dropped");
        }
    }
    for (name, rt) in support::flavours() {
        let out = rt.block_on(async {
            drop(braid::spawn(async { Bomb }));
            braid::spawn(async { 1 }).await.unwrap()
        });
        assert_eq!(out, 1, "{name}");
    }
}

#[test]
fn panic_in_block_on_propagates_to_the_caller() {
    let rt = support::multi(1);
    let caught = panic::catch_unwind(panic::AssertUnwindSafe(|| {
        rt.block_on(async { panic!("in block_on") })
    }));
    assert!(caught.is_err());
    // The runtime is still usable afterwards.
    assert_eq!(
        rt.block_on(async { braid::spawn(async { 2 }).await.unwrap() }),
        2
    );
}
