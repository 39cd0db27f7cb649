//! Task ids: unique per task, the same inside the task and on its handles.

mod support;

use std::collections::HashSet;

#[test]
fn each_task_has_its_own_id_seen_the_same_from_inside_and_outside() {
    for (name, rt) in support::flavours() {
        let pairs = rt.block_on(async {
            let handles: Vec<_> = (0..100)
                .map(|_| braid::spawn(async { braid::task::id() }))
                .collect();
            let mut pairs = Vec::new();
            for handle in handles {
                let outside = handle.id();
                assert_eq!(handle.abort_handle().id(), outside);
                pairs.push((outside, handle.await.unwrap()));
            }
            pairs
        });
        let ids: HashSet<_> = pairs.iter().map(|(outside, _)| *outside).collect();
        assert_eq!(ids.len(), 100, "{name}: ids are unique");
        for (outside, inside) in pairs {
            assert_eq!(outside, inside, "{name}");
        }
    }
}

#[test]
fn no_task_id_outside_a_task() {
    assert_eq!(braid::task::try_id(), None);
    let rt = support::multi(2);
    // `block_on`'s own future is not a task.
    assert_eq!(rt.block_on(async { braid::task::try_id() }), None);
    // Nor is anything left of a task's id once its poll returns.
    let inner = rt.block_on(async {
        let id = braid::spawn(async { braid::task::try_id() }).await.unwrap();
        (id, braid::task::try_id())
    });
    assert!(inner.0.is_some());
    assert_eq!(inner.1, None);
}

#[test]
fn a_blocking_call_runs_as_a_task_with_an_id() {
    let rt = support::multi(1);
    rt.block_on(async {
        let handle = braid::spawn_blocking(braid::task::id);
        let id = handle.id();
        assert_eq!(handle.await.unwrap(), id);
    });
}

#[test]
#[should_panic(expected = "`braid::task::id` called outside a task")]
fn id_outside_a_task_panics_naming_the_mistake() {
    braid::task::id();
}

#[test]
fn ids_print_as_their_number() {
    let rt = support::current();
    let handle = rt.spawn(async {});
    let id = handle.id();
    assert_eq!(id.to_string(), id.as_u64().to_string());
    assert_eq!(format!("{id:?}"), format!("Id({})", id.as_u64()));
    rt.block_on(handle).unwrap();
}

#[test]
fn a_group_child_runs_with_the_id_its_abort_handle_names() {
    for (name, rt) in support::flavours() {
        rt.block_on(async {
            for limit in [None, Some(1)] {
                let mut group = braid::TaskGroup::new();
                if let Some(limit) = limit {
                    // Later children wait unstarted: their ids are given at
                    // `spawn`, before they have a task.
                    group = group.limit(limit);
                }
                let handles: Vec<braid::AbortHandle> = (0..20)
                    .map(|_| group.spawn(async { braid::task::id() }))
                    .collect();
                let mut inside: Vec<braid::task::Id> = group.join_all().await;
                let mut outside: Vec<braid::task::Id> =
                    handles.iter().map(|handle| handle.id()).collect();
                assert_eq!(inside, outside, "{name}, limit {limit:?}: in spawn order");
                inside.sort();
                inside.dedup();
                outside.sort();
                assert_eq!(inside, outside, "{name}, limit {limit:?}: ids are unique");
            }
        });
    }
}

#[test]
fn group_children_gather_children_and_tasks_never_share_an_id() {
    let rt = support::multi(2);
    let ids = rt.block_on(async {
        let mut group = braid::TaskGroup::new();
        let mut ids: Vec<braid::task::Id> = (0..50).map(|_| group.spawn(async {}).id()).collect();
        ids.extend(braid::gather((0..50).map(|_| async { braid::task::id() })).await);
        ids.extend((0..50).map(|_| braid::spawn(async {}).id()));
        group.join_all().await;
        ids
    });
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
}
