//! Misuse gets a clear message, never a hang.

mod support;

fn panic_message(result: std::thread::Result<impl Sized>) -> String {
    let payload = match result {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => payload,
    };
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap()
}

#[test]
fn spawn_outside_a_runtime_names_the_mistake() {
    let msg = panic_message(std::panic::catch_unwind(|| braid::spawn(async {})));
    assert!(
        msg.contains("must be called from the context of a braid runtime"),
        "{msg}"
    );
    let msg = panic_message(std::panic::catch_unwind(|| braid::spawn_blocking(|| ())));
    assert!(
        msg.contains("must be called from the context of a braid runtime"),
        "{msg}"
    );
    let msg = panic_message(std::panic::catch_unwind(braid::Handle::current));
    assert!(
        msg.contains("must be called from the context of a braid runtime"),
        "{msg}"
    );
}

#[test]
fn block_on_inside_a_worker_names_the_mistake() {
    for (name, rt) in support::flavours() {
        let handle = rt.handle().clone();
        let err = rt.block_on(async move {
            braid::spawn(async move { handle.block_on(async {}) })
                .await
                .unwrap_err()
        });
        let msg = panic_message(Err::<(), _>(err.into_panic()));
        assert!(
            msg.contains("`block_on` called from inside a braid runtime"),
            "{name}: {msg}"
        );
    }
}

#[test]
fn nested_block_on_names_the_mistake() {
    for (name, rt) in support::flavours() {
        let msg = panic_message(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
            || rt.block_on(async { rt.block_on(async {}) }),
        )));
        assert!(
            msg.contains("`block_on` called from inside a braid runtime"),
            "{name}: {msg}"
        );
    }
}

#[test]
fn zero_workers_is_an_invalid_input_error() {
    let err = braid::Builder::new_multi_thread()
        .worker_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        err.to_string()
            .contains("worker_threads must be at least 1"),
        "{err}"
    );
    let err = braid::Builder::new_multi_thread()
        .max_blocking_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn absurd_worker_counts_are_an_invalid_input_error_naming_the_limit() {
    for workers in [usize::MAX, braid::Builder::MAX_WORKER_THREADS + 1] {
        let err = braid::Builder::new_multi_thread()
            .worker_threads(workers)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        let msg = err.to_string();
        assert!(
            msg.contains("worker_threads must be at most 32768")
                && msg.contains(&workers.to_string()),
            "{msg}"
        );
    }
    // A count past every core but under the limit starts.
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(64)
        .build()
        .unwrap();
    assert_eq!(
        rt.block_on(async { braid::spawn(async { 1 }).await.unwrap() }),
        1
    );
    // The blocking pool starts threads on demand: any nonzero maximum is fine.
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(usize::MAX)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(rt.handle().spawn_blocking(|| 2)).unwrap(), 2);
}

#[test]
fn polling_a_join_handle_after_ready_names_the_mistake() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let rt = support::multi(1);
    let mut handle = rt.spawn(async { 1 });
    while !handle.is_finished() {
        std::thread::yield_now();
    }
    let mut cx = Context::from_waker(Waker::noop());
    assert!(matches!(
        std::pin::Pin::new(&mut handle).poll(&mut cx),
        Poll::Ready(Ok(1))
    ));
    let msg = panic_message(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
        || {
            let _ = std::pin::Pin::new(&mut handle).poll(&mut cx);
        },
    )));
    assert!(msg.contains("polled after it returned `Ready`"), "{msg}");
}

#[test]
fn dropping_the_runtime_inside_itself_names_the_mistake() {
    let rt = support::multi(1);
    let holder = std::sync::Arc::new(std::sync::Mutex::new(Some(support::multi(1))));
    let inner_rt = holder.lock().unwrap().take().unwrap();
    let handle = inner_rt.handle().clone();
    // Move the runtime into one of its own tasks and drop it there.
    let err = rt.block_on(async move {
        let join = handle.spawn(async move { drop(inner_rt) });
        join.await.unwrap_err()
    });
    let msg = panic_message(Err::<(), _>(err.into_panic()));
    assert!(
        msg.contains("dropped (or shut down) from one of its own worker threads"),
        "{msg}"
    );
}

#[test]
fn a_runtime_dropped_inside_itself_still_shuts_down() {
    let drops = support::DropCounter::default();
    let inner_rt = support::multi(2);
    let handle = inner_rt.handle().clone();
    let token = drops.token();
    drop(handle.spawn(async move {
        let _token = token;
        std::future::pending::<()>().await
    }));
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    drop(handle.spawn(async move {
        let _tell = Tell(done_tx);
        drop(inner_rt);
    }));
    // Told by the dropping task's unwinding. The waiting task is cancelled
    // (by the shutdown, or at the end of the poll it may be in on the other
    // worker), and new tasks are refused.
    let counter = drops.clone();
    support::eventually(move || {
        done_rx.recv().unwrap();
        while counter.count() == 0 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    });
    assert_eq!(drops.count(), 1);
    let late = handle.spawn(async { "never runs" });
    let other = support::current();
    assert!(other.block_on(late).unwrap_err().is_cancelled());
}

/// Sends on drop, also while unwinding.
struct Tell(std::sync::mpsc::Sender<()>);

impl Drop for Tell {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}
