//! Shutting a runtime down frees everything it allocated: tasks still
//! queued on a worker, in the injector or in a LIFO slot, the shared
//! scheduler state and the driver.
//!
//! A counting global allocator measures the live allocations before a
//! runtime is built and after it is dropped. The file runs without the test
//! harness (`harness = false`), so no other test allocates concurrently.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(1, Ordering::SeqCst);
        // SAFETY: the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
        // SAFETY: the caller upholds `dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Tasks spawned per round.
const TASKS: usize = 1000;

/// Allocations that may outlive a runtime without being a leak: crossbeam's
/// epoch collector frees the per-thread records of exited workers and the
/// deques' old buffers lazily, on a later thread's pin. A leaked task keeps
/// the whole runtime alive (its state, driver and the other tasks), far more
/// than this.
const LAZY_FREES: isize = 100;

/// Builds a runtime, fills its queues with tasks that never finish, drops
/// it, and returns how many allocations outlived it.
fn leaked_by(build: fn() -> braid::Runtime) -> isize {
    let before = LIVE.load(Ordering::SeqCst);
    {
        let rt = build();
        rt.block_on(async {
            // Spawned from a task: on a worker, so they fill its deque and
            // LIFO slot rather than the injector.
            braid::spawn(async {
                for i in 0..TASKS {
                    match i % 3 {
                        0 => drop(braid::spawn(async {
                            loop {
                                braid::yield_now().await;
                            }
                        })),
                        1 => drop(braid::spawn(std::future::pending::<()>())),
                        _ => drop(braid::spawn(async { braid::yield_now().await })),
                    }
                }
            })
            .await
            .unwrap();
            braid::yield_now().await;
        });
        // From outside any worker: the injector holds these.
        for _ in 0..TASKS / 10 {
            drop(rt.spawn(std::future::pending::<()>()));
        }
    }
    LIVE.load(Ordering::SeqCst) - before
}

fn multi(workers: usize) -> braid::Runtime {
    braid::Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .unwrap()
}

/// A runtime flavour: its name and how to build it.
type Flavour = (&'static str, fn() -> braid::Runtime);

fn main() {
    let flavours: [Flavour; 3] = [
        ("multi_thread(1)", || multi(1)),
        ("multi_thread(4)", || multi(4)),
        ("current_thread", || {
            braid::Builder::new_current_thread().build().unwrap()
        }),
    ];
    for (name, build) in flavours {
        // The first run fills this thread's lazily made thread-locals (the
        // block_on waker, the context), which live on.
        leaked_by(build);
        let start = LIVE.load(Ordering::SeqCst);
        for round in 0..10 {
            let leaked = leaked_by(build);
            assert!(
                leaked < LAZY_FREES,
                "{name}, round {round}: {leaked} allocations outlived the runtime"
            );
        }
        // Lazy frees catch up; a leak would add up round after round.
        let total = LIVE.load(Ordering::SeqCst) - start;
        assert!(
            total < LAZY_FREES,
            "{name}: {total} allocations outlived ten runtimes"
        );
        println!("{name}: no allocation outlives the runtime");
    }
}
