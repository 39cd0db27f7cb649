//! A group of N costs O(N): the gatherer is woken once when its children all
//! finish, never once per child (the `join_all` bug of tokio#2401), and the
//! collector spawns a bounded batch per poll, waking itself to go on.
//! Driven by hand with a waker that counts, so the counts are exact.

#[path = "support/manual.rs"]
mod manual;

use std::future::{Future, Ready, ready};
use std::task::Poll;

use braid_gather::SPAWN_BATCH;
use braid_gather::{as_completed, gather, gather_settled, try_gather};
use manual::{CountingWaker, Tasks, poll};

const N: usize = 1000;

/// Polls `future` until it stops waking itself, i.e. until every child is
/// spawned; returns how many polls that took.
fn spawn_all<F: Future + Unpin>(tasks: &Tasks, future: &mut F, len: usize) -> usize {
    let (wakes, waker) = CountingWaker::new();
    let mut polls = 0;
    loop {
        assert!(poll(future, &waker).is_pending());
        polls += 1;
        let spawned = tasks.len();
        assert_eq!(spawned, (polls * SPAWN_BATCH).min(len), "one batch a poll");
        match wakes.take() {
            0 => return polls,
            1 => assert!(spawned < len, "woken itself with children left"),
            more => panic!("woken {more} times by one poll"),
        }
    }
}

/// Runs the queued children one at a time, polling `future` whenever it was
/// woken, as an executor would; returns its output and how many wakes it
/// took. Each wake is a re-poll, so this counts the gatherer's work too.
fn finish<F: Future + Unpin>(tasks: &Tasks, future: &mut F) -> (F::Output, usize) {
    let (wakes, waker) = CountingWaker::new();
    assert!(poll(future, &waker).is_pending());
    let mut total = 0;
    for task in tasks.take() {
        assert!(tasks.poll(task), "every child here finishes in one poll");
        let woken = wakes.take();
        assert!(woken <= 1, "a registered waker is woken once");
        total += woken;
        if woken == 1 {
            if let Poll::Ready(output) = poll(future, &waker) {
                assert!(tasks.len() == 0, "ready only once every child finished");
                return (output, total);
            }
        }
    }
    panic!("the gatherer was not woken by its last child");
}

fn values(n: usize) -> Vec<Ready<usize>> {
    (0..n).map(ready).collect()
}

#[test]
fn the_first_poll_spawns_one_batch_and_asks_to_be_polled_again() {
    let (tasks, _spawner) = Tasks::enter();
    let len = 3 * SPAWN_BATCH + 5;
    let mut group = gather(values(len));
    assert_eq!(
        spawn_all(&tasks, &mut group, len),
        len.div_ceil(SPAWN_BATCH)
    );
    let (output, _) = finish(&tasks, &mut group);
    assert_eq!(output, (0..len).collect::<Vec<_>>());
}

#[test]
fn a_thousand_children_wake_the_gatherer_once() {
    let (tasks, _spawner) = Tasks::enter();
    let mut group = gather(values(N));
    let polls = spawn_all(&tasks, &mut group, N);
    assert_eq!(
        polls,
        N.div_ceil(SPAWN_BATCH),
        "a bounded number of self-wakes"
    );
    let (output, wakes) = finish(&tasks, &mut group);
    assert_eq!(wakes, 1, "only the last child wakes the gatherer");
    assert_eq!(output, (0..N).collect::<Vec<_>>());
}

#[test]
fn try_gather_and_gather_settled_wake_once_too() {
    let (tasks, _spawner) = Tasks::enter();
    let mut fallible = try_gather((0..N).map(|i| ready(Ok::<_, ()>(i))));
    spawn_all(&tasks, &mut fallible, N);
    let (output, wakes) = finish(&tasks, &mut fallible);
    assert_eq!(wakes, 1);
    assert_eq!(output, Ok((0..N).collect()));

    let mut settled = gather_settled(values(N));
    spawn_all(&tasks, &mut settled, N);
    let (output, wakes) = finish(&tasks, &mut settled);
    assert_eq!(wakes, 1);
    assert!(output.into_iter().all(|o| o.is_ok()));
}

#[test]
fn limit_and_as_completed_wake_at_most_once_per_child() {
    let (tasks, _spawner) = Tasks::enter();
    let (wakes, waker) = CountingWaker::new();
    let mut limited = gather(values(N)).limit(100);
    let mut polls = 0;
    let output = loop {
        polls += 1;
        if let Poll::Ready(output) = poll(&mut limited, &waker) {
            break output;
        }
        assert!(tasks.len() <= 100, "never more than the limit in flight");
        tasks.run_once();
    };
    assert_eq!(output, (0..N).collect::<Vec<_>>());
    assert!(wakes.take() <= N, "one wake per finished child at most");
    assert!(
        polls <= N / 100 + 2,
        "{polls} polls: refills come in batches"
    );

    let mut stream = as_completed(values(N));
    let mut next = Box::pin(stream.next());
    assert!(poll(&mut next, &waker).is_pending());
    drop(next);
    while tasks.len() < N {
        assert!(poll(&mut Box::pin(stream.next()), &waker).is_pending());
    }
    wakes.take();
    tasks.run_once();
    assert!(wakes.take() <= N);
    let mut seen = 0;
    while let Poll::Ready(Some(_)) = poll(&mut Box::pin(stream.next()), &waker) {
        seen += 1;
    }
    assert_eq!(seen, N);
}
