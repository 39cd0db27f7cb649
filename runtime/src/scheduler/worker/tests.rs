//! The LIFO slot and the queues on hand-driven worker cores, without worker
//! threads or a driver, so that Miri checks the slot's raw-pointer hand-offs
//! and shutdown's draining.

use std::time::Duration;

use super::{Core, Pushed};
use crate::blocking::BlockingPool;
use crate::scheduler::Spawner;
use crate::scheduler::multi_thread::MultiThread;
use crate::sync::{Arc, AtomicUsize, Ordering};
use crate::task::{self, Notified};

/// Counts its drops.
struct Tracked(&'static AtomicUsize);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn shared(workers: usize) -> (Arc<MultiThread>, Vec<Core>) {
    let blocking = BlockingPool::new(
        1,
        crate::thread_config::ThreadConfig::new("braid-test-blocking".into()),
        Duration::ZERO,
        None,
    );
    MultiThread::new(workers, None, blocking, None, Default::default())
}

/// A task bound to `shared`'s owned list whose future never completes and
/// counts its drop.
fn pending_task(shared: &Arc<MultiThread>, drops: &'static AtomicUsize) -> Notified {
    let tracked = Tracked(drops);
    let (task, notified, join) = task::new(
        async move {
            let _tracked = tracked;
            std::future::pending::<()>().await
        },
        shared.clone(),
        std::panic::Location::caller(),
        crate::context::spawn_time(),
    );
    drop(join);
    assert!(shared.owned().bind(task).is_ok());
    notified
}

/// Pushes `task` on `core` as a wake during a poll does.
fn wake_while_running(core: &mut Core, shared: &MultiThread, task: Notified) -> Pushed {
    core.running = true;
    let pushed = core.push_local(task, false, shared.remote(core.index()));
    core.running = false;
    pushed
}

/// `core`'s next task on an ordinary (not a maintenance) tick.
fn next_task(core: &mut Core, shared: &MultiThread) -> Option<Notified> {
    core.next_task(false, shared.remote(core.index()), shared.injector())
        .0
}

/// One search pass of `core` over its peers.
fn steal_pass(core: &mut Core, shared: &MultiThread) -> (Option<Notified>, bool) {
    let metrics = shared.worker_metrics(core.index());
    core.steal_pass(shared.remotes(), shared.injector(), metrics)
}

#[test]
fn a_wake_during_a_poll_takes_the_slot_and_displaces_its_occupant() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let (shared, mut cores) = shared(1);
    let first = pending_task(&shared, &DROPS);
    let second = pending_task(&shared, &DROPS);
    let (first_ptr, second_ptr) = (first.ptr(), second.ptr());
    // Only the slot holds new work, which no sleeper may take yet; then
    // the displaced entry is in the deque, where any searcher may.
    let pushed = wake_while_running(&mut cores[0], &shared, first);
    assert!(matches!(pushed, Pushed::LifoOnly));
    let pushed = wake_while_running(&mut cores[0], &shared, second);
    assert!(matches!(pushed, Pushed::Deque));
    let core = &mut cores[0];
    // The newest wake runs next; the one it displaced waits in the deque.
    assert_eq!(next_task(core, &shared).map(|t| t.ptr()), Some(second_ptr));
    assert_eq!(next_task(core, &shared).map(|t| t.ptr()), Some(first_ptr));
    assert!(next_task(core, &shared).is_none());
    shared.signal_shutdown();
    shared.shutdown_tasks();
    assert_eq!(DROPS.load(Ordering::SeqCst), 2);
}

#[test]
fn a_searcher_takes_a_peer_slot_only_once_it_is_stale() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let (shared, mut cores) = shared(2);
    let (owner, searcher) = match &mut cores[..] {
        [owner, searcher] => (owner, searcher),
        _ => unreachable!(),
    };
    let woken = pending_task(&shared, &DROPS);
    let woken_ptr = woken.ptr();
    let _ = wake_while_running(owner, &shared, woken);

    // First sight of the entry: fresh, so the searcher only watches it.
    let (task, watching) = steal_pass(searcher, &shared);
    assert!(task.is_none() && watching);
    // The owner starts another poll: the entry is fresh again.
    shared
        .remote(0)
        .lifo
        .epoch()
        .fetch_add(1, Ordering::Release);
    let (task, watching) = steal_pass(searcher, &shared);
    assert!(task.is_none() && watching);
    // Same entry under the same poll as the last pass: the owner is stuck
    // in that poll, and the searcher takes the task.
    let (task, _) = steal_pass(searcher, &shared);
    assert_eq!(task.as_ref().map(|t| t.ptr()), Some(woken_ptr));
    assert!(
        owner.take_lifo(shared.remote(0)).is_none(),
        "taken exactly once"
    );
    drop(task);
    shared.signal_shutdown();
    shared.shutdown_tasks();
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
}

#[test]
fn shutdown_frees_the_tasks_in_slots_deques_and_the_injector() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let (shared, mut cores) = shared(2);
    for _ in 0..3 {
        let task = pending_task(&shared, &DROPS);
        let _ = wake_while_running(&mut cores[0], &shared, task);
    }
    let task = pending_task(&shared, &DROPS);
    cores[1].push_back(task);
    let task = pending_task(&shared, &DROPS);
    shared.injector().push(task);

    shared.signal_shutdown();
    shared.shutdown_tasks();
    assert_eq!(DROPS.load(Ordering::SeqCst), 5, "each future dropped once");
    assert_eq!(shared.owned().len(), 0);
    // Every task held a reference to the scheduler: all of them are freed,
    // though the worker cores (and their deques) still exist.
    assert_eq!(Arc::strong_count(&shared), 1);
    drop(cores);
}

#[test]
fn a_steal_counts_the_batch_it_moved_and_the_task_it_took() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let (shared, mut cores) = shared(2);
    for _ in 0..6 {
        let task = pending_task(&shared, &DROPS);
        cores[1].push_back(task);
    }
    let (stolen, _) = steal_pass(&mut cores[0], &shared);
    let moved = cores[0].local.len();
    assert!(stolen.is_some() && moved > 0, "a batch and a task");
    assert_eq!(
        shared.worker_metrics(0).steals.get(),
        moved as u64 + 1,
        "the batch left on the thief's deque and the task it runs"
    );
    assert_eq!(cores[1].local.len() + moved + 1, 6);
    drop(stolen);
    shared.signal_shutdown();
    shared.shutdown_tasks();
    drop(cores);
}

#[test]
fn a_searcher_watches_every_peer_slot_at_once() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let (shared, mut cores) = shared(3);
    let mut woken = Vec::new();
    for owner in &mut cores[..2] {
        let task = pending_task(&shared, &DROPS);
        woken.push(task.ptr());
        let _ = wake_while_running(owner, &shared, task);
    }
    let searcher = &mut cores[2];
    // One pass to see both fresh entries, then one pass per stale entry:
    // remembering only the last entry seen would make the two peers
    // overwrite each other's sighting.
    let (task, watching) = steal_pass(searcher, &shared);
    assert!(task.is_none() && watching);
    let mut stolen: Vec<_> = (0..2)
        .map(|_| steal_pass(searcher, &shared).0.expect("a stale entry"))
        .collect();
    let mut ptrs: Vec<_> = stolen.iter().map(Notified::ptr).collect();
    ptrs.sort();
    woken.sort();
    assert_eq!(ptrs, woken);
    stolen.clear();
    shared.signal_shutdown();
    shared.shutdown_tasks();
    assert_eq!(DROPS.load(Ordering::SeqCst), 2);
}

/// A task that finishes at its first poll, allocated on `core` and bound to
/// `shared`'s list, and its first queue entry.
fn finishing_task_of(core: &mut Core, shared: &Arc<MultiThread>) -> Notified {
    let (task, notified) = task::new_detached(
        async {},
        None,
        shared.clone(),
        std::panic::Location::caller(),
        crate::context::spawn_time(),
    );
    core.adopt(&task, shared.remote(core.index()));
    assert!(shared.owned().bind(task).is_ok());
    notified
}

#[test]
fn a_task_freed_away_from_home_is_handed_back_and_freed_there() {
    let (shared, mut cores) = shared(2);
    let notified = finishing_task_of(&mut cores[0], &shared);
    // Runs to completion on this thread, which is not its home worker:
    // its last reference drops here, and it goes on worker 0's list.
    notified.run();
    assert_eq!(shared.owned().len(), 0);
    assert_eq!(Arc::strong_count(&shared), 2, "held on worker 0's list");
    // Worker 0 frees it once it has made `SPAWNS_PER_FREE` spawns, the
    // first included (or at its maintenance, or as it parks).
    let mut next = vec![finishing_task_of(&mut cores[0], &shared)];
    assert_eq!(
        Arc::strong_count(&shared),
        3,
        "still held, the second alive"
    );
    while next.len() + 1 < super::SPAWNS_PER_FREE as usize {
        next.push(finishing_task_of(&mut cores[0], &shared));
    }
    assert_eq!(
        Arc::strong_count(&shared),
        1 + next.len(),
        "the first freed, the others alive"
    );
    for task in next {
        task.run();
    }
    shared.signal_shutdown();
    shared.shutdown_tasks();
    assert_eq!(
        Arc::strong_count(&shared),
        1,
        "shutdown freed what was left"
    );
    // Once shut down, a task is freed where it dies (a spawn refused by
    // the closed list is one such).
    let (task, notified) = task::new_detached(
        async {},
        None,
        shared.clone(),
        std::panic::Location::caller(),
        crate::context::spawn_time(),
    );
    cores[1].adopt(&task, shared.remote(1));
    drop(notified);
    task.shutdown();
    assert_eq!(Arc::strong_count(&shared), 1);
}

#[test]
fn a_task_spawned_from_outside_is_freed_by_the_spawns_that_follow() {
    let (shared, mut cores) = shared(1);
    let spawn_from_outside = |future: fn() -> std::future::Pending<()>| {
        // This thread is no worker: the spawn goes to the injector.
        shared.spawn_detached(future(), None, std::panic::Location::caller(), None);
    };
    shared.spawn_detached(async {}, None, std::panic::Location::caller(), None);
    let task = next_task(&mut cores[0], &shared).expect("the spawn is queued");
    // It finishes and its last reference drops away from the thread that
    // allocated it: it goes on the runtime's list of such tasks.
    task.run();
    assert_eq!(shared.owned().len(), 0);
    assert_eq!(Arc::strong_count(&shared), 2, "held on the outside list");
    // The spawn that brings the count of spawns from outside to
    // `SPAWNS_PER_FREE` takes the list, on the spawning thread.
    let per_free = super::SPAWNS_PER_FREE as usize;
    for _ in 2..per_free {
        spawn_from_outside(std::future::pending);
    }
    assert_eq!(
        Arc::strong_count(&shared),
        1 + 1 + (per_free - 2),
        "still held, the others alive"
    );
    spawn_from_outside(std::future::pending);
    assert_eq!(
        Arc::strong_count(&shared),
        1 + (per_free - 1),
        "the first freed, the others alive"
    );
    // Another dies the same way.
    shared.spawn_detached(async {}, None, std::panic::Location::caller(), None);
    while let Some(task) = next_task(&mut cores[0], &shared) {
        task.run();
    }
    assert_eq!(
        Arc::strong_count(&shared),
        1 + 1 + (per_free - 1),
        "the second held, the pending ones alive"
    );
    // A batch from outside (a gather inside `block_on`) counts each of its
    // tasks: this one brings the count to the next multiple.
    shared.spawn_batch(
        (1..per_free).map(|_| (std::future::pending::<()>(), None)),
        std::panic::Location::caller(),
    );
    assert_eq!(
        Arc::strong_count(&shared),
        1 + 2 * (per_free - 1),
        "the second freed, the pending ones alive"
    );
    // A third dies; shutdown frees it with the rest.
    shared.spawn_detached(async {}, None, std::panic::Location::caller(), None);
    while let Some(task) = next_task(&mut cores[0], &shared) {
        task.run();
    }
    assert_eq!(Arc::strong_count(&shared), 1 + 1 + 2 * (per_free - 1));
    shared.signal_shutdown();
    shared.shutdown_tasks();
    assert_eq!(
        Arc::strong_count(&shared),
        1,
        "shutdown freed what was left"
    );
}

#[test]
fn workers_poll_epochs_are_a_cache_line_apart() {
    // Each worker writes its epoch at every poll: two on one line would
    // make every poll of one worker miss in the other's cache.
    let (shared, _cores) = shared(4);
    let addresses: Vec<usize> = shared
        .remotes()
        .iter()
        .map(|remote| std::ptr::from_ref(remote.lifo.epoch()) as usize)
        .collect();
    for pair in addresses.windows(2) {
        assert!(pair[1] - pair[0] >= 64, "epochs {pair:x?} share a line");
    }
}

#[test]
fn a_stuck_peer_is_found_among_more_fresh_slots_than_a_searcher_records() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    // Every peer but the searcher holds a LIFO entry; all but one keep
    // starting new polls (fresh), one stays in its poll (stuck). There are
    // more of them than the searcher keeps records for.
    let workers = 2 * crate::scheduler::lifo::WATCHED + 2;
    let (shared, mut cores) = shared(workers);
    let (searcher, owners) = cores.split_last_mut().expect("workers");
    let stuck = 5;
    let mut stuck_entry = None;
    for (index, owner) in owners.iter_mut().enumerate() {
        let task = pending_task(&shared, &DROPS);
        if index == stuck {
            stuck_entry = Some(task.ptr());
        }
        let _ = wake_while_running(owner, &shared, task);
    }
    let mut taken = None;
    for _ in 0..1_000 {
        let (task, watching) = steal_pass(searcher, &shared);
        if let Some(task) = task {
            taken = Some(task);
            break;
        }
        assert!(watching);
        for (index, remote) in shared.remotes()[..workers - 1].iter().enumerate() {
            if index != stuck {
                remote.lifo.epoch().fetch_add(1, Ordering::Release);
            }
        }
    }
    let taken = taken.expect("the stuck peer's entry was never taken");
    assert_eq!(Some(taken.ptr()), stuck_entry, "took a fresh entry");
    drop(taken);
    shared.signal_shutdown();
    shared.shutdown_tasks();
    assert_eq!(DROPS.load(Ordering::SeqCst), workers - 1);
}
