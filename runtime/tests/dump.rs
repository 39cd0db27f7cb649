//! `Handle::dump`: exactly the live tasks, with where they were spawned and
//! what they are doing, taken while the runtime runs.

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use braid::TaskState;

fn idle() -> std::future::Pending<()> {
    std::future::pending()
}

#[test]
fn a_dump_lists_exactly_the_live_tasks() {
    for (name, rt) in support::flavours() {
        let spawned: Vec<_> = (0..5).map(|_| (rt.spawn(idle()), line!())).collect();
        let line = spawned[0].1;
        let waiting: Vec<_> = spawned.into_iter().map(|(handle, _)| handle).collect();
        // Finished ones are not listed, joined or not.
        rt.block_on(rt.spawn(async {})).unwrap();
        let detached = rt.spawn(async {});
        rt.block_on(async {
            while !detached.is_finished() {
                braid::yield_now().await;
            }
        });
        // Finished, it leaves the list once its last poll returns.
        support::wait_for("the finished tasks leave the list", || {
            rt.handle().metrics().num_alive_tasks() == 5
        });
        let dump = rt.handle().dump();
        let listed: HashSet<_> = dump.tasks().iter().map(|task| task.id()).collect();
        let expected: HashSet<_> = waiting.iter().map(|handle| handle.id()).collect();
        assert_eq!(listed, expected, "{name}");
        assert_eq!(dump.tasks().len(), 5, "{name}");
        for task in dump.tasks() {
            assert_eq!(task.location().file(), file!(), "{name}");
            assert_eq!(task.location().line(), line, "{name}");
        }
        let text = dump.to_string();
        assert_eq!(
            text.lines().count(),
            6,
            "{name}: a header and a line per task"
        );
        for handle in &waiting {
            let row = text
                .lines()
                .find(|row| row.split_whitespace().next() == Some(&handle.id().to_string()))
                .unwrap_or_else(|| panic!("{name}: no line for task {}", handle.id()));
            assert!(row.contains(&format!("{}:{}:", file!(), line)), "{row}");
        }
        for handle in waiting {
            handle.abort();
            assert!(rt.block_on(handle).unwrap_err().is_cancelled());
        }
        // A task leaves the list just after its join handle is woken.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !rt.handle().dump().tasks().is_empty() {
            assert!(std::time::Instant::now() < deadline, "{name}: tasks left");
            std::thread::yield_now();
        }
    }
}

#[test]
fn a_dump_sees_a_running_task_and_counts_polls() {
    let rt = support::multi(2);
    let started = Arc::new(AtomicBool::new(false));
    let release = Arc::new(AtomicBool::new(false));
    let running = rt.spawn({
        let (started, release) = (started.clone(), release.clone());
        async move {
            for _ in 0..3 {
                braid::yield_now().await;
            }
            started.store(true, Ordering::SeqCst);
            while !release.load(Ordering::SeqCst) {
                std::hint::spin_loop();
            }
        }
    });
    support::eventually(move || {
        while !started.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
    });
    let dump = rt.handle().dump();
    release.store(true, Ordering::SeqCst);
    let task = dump
        .tasks()
        .iter()
        .find(|task| task.id() == running.id())
        .expect("the running task is listed");
    assert_eq!(task.state(), TaskState::Running);
    assert_eq!(task.polls(), 4, "three yields, then the poll that spins");
    assert!(dump.to_string().contains("running"));
    rt.block_on(running).unwrap();
}
