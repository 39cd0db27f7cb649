//! `TaskGroup` at scale: 100,000 spawns with `join_next` interleaved, each
//! child dropped exactly once.

#[path = "support/braid_rt.rs"]
mod braid_rt;
#[path = "support/fixtures.rs"]
mod fixtures;

use braid_gather::TaskGroup;
use braid_rt::run;
use fixtures::DropCounter;

#[test]
#[cfg_attr(miri, ignore)]
fn a_hundred_thousand_spawns_with_interleaved_join_next() {
    const N: usize = 100_000;
    let drops = DropCounter::new();
    let sum = run(async {
        let mut group = TaskGroup::new();
        let mut sum = 0_u64;
        let mut joined = 0;
        for i in 0..N {
            let guard = drops.guard();
            group.spawn(async move {
                let _guard = guard;
                i as u64
            });
            // Join one for every two spawned, so the group both grows and
            // drains while children finish on other workers.
            if i % 2 == 1 {
                sum += group.join_next().await.unwrap().unwrap();
                joined += 1;
            }
        }
        assert_eq!(group.len(), N - joined);
        while let Some(outcome) = group.join_next().await {
            sum += outcome.unwrap();
        }
        assert!(group.is_empty());
        sum
    });
    assert_eq!(sum, (0..N as u64).sum());
    assert_eq!(drops.count(), N, "each child dropped exactly once");
}
