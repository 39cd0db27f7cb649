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
