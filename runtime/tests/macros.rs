//! `#[braid::main]` and `#[braid::test]` run their body on a runtime.

use std::time::Duration;

#[braid::test]
async fn test_attribute_runs_on_a_current_thread_runtime() {
    let here = std::thread::current().id();
    let there = braid::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_eq!(
        here, there,
        "current-thread by default: tasks run on the test thread"
    );
}

#[braid::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_attribute_takes_the_multi_thread_flavor() {
    let here = std::thread::current().id();
    let there = braid::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_ne!(here, there, "multi-thread: tasks run on workers");
}

#[braid::test(start_paused = true)]
async fn test_attribute_can_start_the_clock_paused() {
    let before = braid::time::Instant::now();
    let wall = std::time::Instant::now();
    braid::time::sleep(Duration::from_secs(3600)).await;
    assert!(before.elapsed() >= Duration::from_secs(3600));
    assert!(wall.elapsed() < Duration::from_secs(3600));
}

#[braid::test]
async fn test_attribute_allows_a_result() -> Result<(), std::io::Error> {
    braid::spawn(async {})
        .await
        .map_err(std::io::Error::other)?;
    Ok(())
}

mod main_attribute {
    // A `main` made by the attribute is an ordinary function; call it.
    #[braid::main(worker_threads = 1)]
    async fn main() -> u32 {
        braid::spawn(async { 7 }).await.unwrap()
    }

    #[test]
    fn main_attribute_builds_a_runtime_and_returns_the_body_value() {
        assert_eq!(main(), 7);
    }
}

mod any_async_fn {
    // Code ported from Tokio puts the attribute on helpers that are not
    // `main`, with arguments and a return value.
    #[braid::main(flavor = "current_thread")]
    async fn add_on_a_runtime(a: u32, b: u32) -> u32 {
        braid::spawn(async move { a + b }).await.unwrap()
    }

    #[test]
    fn main_attribute_runs_any_async_fn_with_arguments() {
        assert_eq!(add_on_a_runtime(2, 3), 5);
        // A fresh runtime per call: calling it twice works.
        assert_eq!(add_on_a_runtime(4, 5), 9);
    }

    mod reexport {
        pub(super) use braid as runtime;
    }

    #[braid::main(crate = "reexport::runtime", worker_threads = 1)]
    async fn through_a_reexport() -> usize {
        reexport::runtime::spawn(async { 3 }).await.unwrap()
    }

    #[test]
    fn main_attribute_takes_the_path_of_a_reexported_crate() {
        assert_eq!(through_a_reexport(), 3);
    }
}

/// The body's inner attributes apply to it as they would in a plain
/// function (here the lint that `x` trips is allowed).
#[braid::test]
async fn test_attribute_keeps_the_bodys_inner_attributes() {
    #![deny(unused_variables)]
    #![allow(unused_variables)]
    let x = braid::spawn(async { 1 }).await.unwrap();
}
