//! `Builder::{on_thread_start, on_thread_stop, thread_stack_size}`: the
//! hooks run once on each thread the runtime starts, workers and blocking
//! threads alike, on that thread, with the runtime as the current one; a
//! shutdown waits for the stop hooks, and a hook's panic is no panic of the
//! shutdown.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Barrier, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

/// Per thread: (starts, stops) seen.
type Seen = Arc<Mutex<HashMap<ThreadId, (usize, usize)>>>;

fn hooked(workers: usize, seen: &Seen) -> braid::Runtime {
    let (on_start, on_stop) = (seen.clone(), seen.clone());
    braid::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("hooked")
        .on_thread_start(move || {
            assert_eq!(std::thread::current().name(), Some("hooked"));
            let id = std::thread::current().id();
            on_start.lock().unwrap().entry(id).or_default().0 += 1;
        })
        .on_thread_stop(move || {
            // Slow, so that a shutdown that did not wait for the hook
            // returns before it is counted.
            std::thread::sleep(Duration::from_millis(10));
            let id = std::thread::current().id();
            on_stop.lock().unwrap().entry(id).or_default().1 += 1;
        })
        .build()
        .unwrap()
}

#[test]
fn hooks_run_once_on_every_worker_and_blocking_thread() {
    let seen: Seen = Arc::default();
    let rt = hooked(3, &seen);
    // Two blocking calls at once: two blocking threads.
    let barrier = Arc::new(Barrier::new(2));
    let calls: Vec<_> = (0..2)
        .map(|_| {
            let barrier = barrier.clone();
            rt.handle().spawn_blocking(move || {
                barrier.wait();
                std::thread::current().id()
            })
        })
        .collect();
    let blocking: Vec<ThreadId> = calls.into_iter().map(|c| rt.block_on(c).unwrap()).collect();
    let workers: Vec<ThreadId> = rt.block_on(async {
        let handles: Vec<_> = (0..30)
            .map(|_| braid::spawn(async { std::thread::current().id() }))
            .collect();
        let mut ids = Vec::new();
        for handle in handles {
            ids.push(handle.await.unwrap());
        }
        ids
    });
    // Every thread that ran code of ours had its start hook run.
    {
        let seen = seen.lock().unwrap();
        for id in blocking.iter().chain(&workers) {
            assert_eq!(seen.get(id).map(|s| s.0), Some(1), "{id:?}");
        }
    }
    // The shutdown waits for every thread's stop hook, the blocking
    // threads' too.
    rt.shutdown_timeout(Duration::from_secs(30));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3 + 2, "three workers, two blocking threads");
    assert!(
        seen.values().all(|&counts| counts == (1, 1)),
        "each hook once on each thread: {seen:?}"
    );
}

#[test]
fn the_hooks_find_their_runtime_as_the_current_one() {
    let found = Arc::new(Mutex::new(Vec::new()));
    let (on_start, on_stop) = (found.clone(), found.clone());
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(1)
        .on_thread_start(move || {
            let current = braid::Handle::try_current().ok();
            on_start.lock().unwrap().push(("start", current));
        })
        .on_thread_stop(move || {
            let current = braid::Handle::try_current().ok();
            on_stop.lock().unwrap().push(("stop", current));
        })
        .build()
        .unwrap();
    let handle = rt.handle().clone();
    rt.block_on(handle.spawn_blocking(|| ())).unwrap();
    rt.shutdown_timeout(Duration::from_secs(30));
    let found = found.lock().unwrap();
    let mut hooks: Vec<&str> = found.iter().map(|&(hook, _)| hook).collect();
    hooks.sort_unstable();
    assert_eq!(
        hooks,
        ["start", "start", "stop", "stop"],
        "one worker and one blocking thread"
    );
    assert!(
        found
            .iter()
            .all(|(_, current)| current.as_ref() == Some(&handle)),
        "a hook ran outside its runtime"
    );
}

#[test]
fn a_stop_hook_that_panics_does_not_make_the_drop_panic() {
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(1)
        .on_thread_stop(|| panic!("a stop hook panicked"))
        .build()
        .unwrap();
    rt.block_on(async {});
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(rt)));
    assert!(dropped.is_ok(), "the drop panicked");
}

#[test]
fn a_current_thread_runtime_hooks_its_blocking_threads() {
    let seen: Seen = Arc::default();
    let (on_start, on_stop) = (seen.clone(), seen.clone());
    let rt = braid::Builder::new_current_thread()
        .on_thread_start(move || {
            let id = std::thread::current().id();
            on_start.lock().unwrap().entry(id).or_default().0 += 1;
        })
        .on_thread_stop(move || {
            let id = std::thread::current().id();
            on_stop.lock().unwrap().entry(id).or_default().1 += 1;
        })
        .build()
        .unwrap();
    let id = rt
        .block_on(rt.handle().spawn_blocking(|| std::thread::current().id()))
        .unwrap();
    assert_eq!(seen.lock().unwrap().get(&id), Some(&(1, 0)));
    // The thread inside `block_on` is the caller's, not the runtime's.
    assert_eq!(seen.lock().unwrap().len(), 1);
}

/// The size of the calling thread's stack, as the OS gave it.
#[cfg(target_os = "linux")]
fn own_stack_size() -> usize {
    // SAFETY: `attr` is initialised by `pthread_getattr_np` before it is
    // read, and destroyed once.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        assert_eq!(libc::pthread_getattr_np(libc::pthread_self(), &mut attr), 0);
        let mut size = 0;
        assert_eq!(libc::pthread_attr_getstacksize(&attr, &mut size), 0);
        libc::pthread_attr_destroy(&mut attr);
        size
    }
}

#[test]
#[cfg(target_os = "linux")]
fn the_stack_size_applies_to_workers_and_blocking_threads() {
    const SIZE: usize = 5 * 1024 * 1024;
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_stack_size(SIZE)
        .build()
        .unwrap();
    let worker = rt.block_on(rt.spawn(async { own_stack_size() })).unwrap();
    let blocking = rt
        .block_on(rt.handle().spawn_blocking(own_stack_size))
        .unwrap();
    // Rust's own default is 2 MiB; the OS may round up.
    assert!(worker >= SIZE, "worker stack {worker}");
    assert!(blocking >= SIZE, "blocking stack {blocking}");
}
