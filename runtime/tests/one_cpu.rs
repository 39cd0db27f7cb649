//! Two workers on one CPU, where the kernel sometimes puts them even with
//! another CPU free: a task that spawns its children one at a time must not
//! make its peer park and wake once for every child the peer takes.
//!
//! Counted, not timed: a peer woken for each child it takes parks again
//! right after it, about ninety times a round on the machine this was
//! written on, where a peer that hands the CPU back to the spawning task
//! while it searches parks six to nine times a round.
#![cfg(target_os = "linux")]

use std::time::Duration;

/// Confines this thread, and the threads it starts from now on, to the
/// first CPU it may run on.
fn confine_to_one_cpu() {
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: `cpu_set_t` is plain data, and all zeroes is the empty set;
    // both calls get a pointer to a set of the size they are told.
    unsafe {
        let mut allowed: libc::cpu_set_t = std::mem::zeroed();
        assert_eq!(
            libc::sched_getaffinity(0, size, &mut allowed),
            0,
            "sched_getaffinity failed"
        );
        let first = (0..libc::CPU_SETSIZE as usize)
            .find(|&cpu| libc::CPU_ISSET(cpu, &allowed))
            .expect("this thread may run on no CPU");
        let mut one: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(first, &mut one);
        assert_eq!(
            libc::sched_setaffinity(0, size, &one),
            0,
            "sched_setaffinity failed"
        );
    }
}

#[test]
fn a_spawn_loop_on_one_cpu_wakes_its_peer_a_few_times_a_round() {
    const ROUNDS: u64 = 20;
    const CHILDREN: u64 = 1_000;
    // Before the runtime is built: its workers inherit the one CPU.
    confine_to_one_cpu();
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let metrics = rt.handle().metrics();
    let parks = || {
        (0..metrics.num_workers())
            .map(|worker| metrics.worker_park_count(worker))
            .sum::<u64>()
    };
    rt.block_on(async { braid::spawn(async {}).await.unwrap() });
    let before = parks();
    for _ in 0..ROUNDS {
        // Both workers asleep, as when a request reaches an idle server.
        std::thread::sleep(Duration::from_millis(2));
        let sum = rt.block_on(async {
            braid::spawn(async {
                let children: Vec<_> = (0..CHILDREN)
                    .map(|i| braid::spawn(async move { i }))
                    .collect();
                let mut sum = 0;
                for child in children {
                    sum += child.await.unwrap();
                }
                sum
            })
            .await
            .unwrap()
        });
        assert_eq!(sum, CHILDREN * (CHILDREN - 1) / 2);
    }
    let parked = parks() - before;
    assert!(
        parked < 25 * ROUNDS,
        "the workers parked {parked} times in {ROUNDS} rounds of {CHILDREN} spawns: \
         the peer parks and is woken again for each child it takes"
    );
}
