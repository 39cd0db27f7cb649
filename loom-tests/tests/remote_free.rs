//! The lists of tasks handed back to be freed where they were allocated
//! (`runtime/src/scheduler/remote_free.rs`): hand-overs from two threads
//! racing the home worker's take, takes on two threads (the list of tasks
//! spawned from outside the workers, rule 4) and shutdown's last take.
//! Every task is freed exactly once, by the list or, once it is closed, by
//! its dropper.
#![cfg(loom)]

use braid::loom_harness::HomeList;
use braid_loom_tests::check;
use loom::thread;

#[test]
fn hand_overs_racing_the_home_take_are_each_freed_once() {
    check("remote_free::hand_overs_racing_take", || {
        let home = HomeList::new();
        let droppers: Vec<_> = (0..2)
            .map(|_| {
                let task = home.finished_task();
                thread::spawn(move || drop(task))
            })
            .collect();
        home.free_all();
        for dropper in droppers {
            dropper.join().unwrap();
        }
        home.free_all();
        assert_eq!(home.freed(), 2, "a task lost or freed twice");
    });
}

#[test]
fn a_hand_over_racing_close_is_freed_by_one_side() {
    check("remote_free::hand_over_racing_close", || {
        let home = HomeList::new();
        let task = home.finished_task();
        let dropper = thread::spawn(move || drop(task));
        home.close();
        dropper.join().unwrap();
        // Either the close took it, or the dropper, refused, freed it.
        assert_eq!(home.freed(), 1, "a task lost or freed twice");
        assert!(home.refused() <= 1);
    });
}

#[test]
fn a_take_finding_hand_overs_sees_their_links() {
    // The home worker takes until it has freed something while two
    // threads hand tasks over, so the concurrent take always finds
    // hand-overs made on another thread, ordered only by the list's push
    // (Release) and take (Acquire): a link read without that edge fails the
    // model.
    check("remote_free::take_racing_hand_over", || {
        let home = HomeList::new();
        let droppers: Vec<_> = (0..2)
            .map(|_| {
                let task = home.finished_task();
                thread::spawn(move || drop(task))
            })
            .collect();
        while home.freed() == 0 {
            home.free_all();
            thread::yield_now();
        }
        for dropper in droppers {
            dropper.join().unwrap();
        }
        home.free_all();
        assert_eq!(home.freed(), 2, "a task lost or freed twice");
        assert_eq!(home.refused(), 0, "an open list refused a hand-over");
    });
}

#[test]
fn takes_on_two_threads_racing_a_hand_over_free_it_once() {
    // The list of tasks spawned from outside the workers is taken by
    // whichever thread comes to it (rule 4): a spawning thread, a worker.
    check("remote_free::two_takes_racing_hand_over", || {
        let list = HomeList::new();
        let task = list.finished_task();
        let dropper = thread::spawn(move || drop(task));
        let taker = {
            let list = list.clone();
            thread::spawn(move || list.free_all())
        };
        list.free_all();
        dropper.join().unwrap();
        taker.join().unwrap();
        list.free_all();
        assert_eq!(list.freed(), 1, "a task lost or freed twice");
        assert_eq!(list.refused(), 0, "an open list refused a hand-over");
    });
}

#[test]
fn a_take_racing_close_leaves_the_list_closed() {
    // A take that emptied a closed list would reopen it, and the hand-over
    // after the close would wait there with nobody left to free it.
    check("remote_free::take_racing_close", || {
        let list = HomeList::new();
        let task = list.finished_task();
        let taker = {
            let list = list.clone();
            thread::spawn(move || list.free_all())
        };
        list.close();
        let dropper = thread::spawn(move || drop(task));
        taker.join().unwrap();
        dropper.join().unwrap();
        assert_eq!(list.freed(), 1, "the hand-over after the close was kept");
        assert_eq!(list.refused(), 1);
    });
}
