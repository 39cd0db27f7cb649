//! `Runtime::enter` and `Handle::enter`: the runtime's context on a plain
//! thread, for as long as the guard lives.

mod support;

use std::time::Duration;

#[test]
fn spawn_and_handle_current_work_under_the_guard_and_not_after() {
    for (name, rt) in support::flavours() {
        let join = {
            let _guard = rt.enter();
            assert_eq!(braid::Handle::current(), *rt.handle(), "{name}");
            braid::spawn(async { 5 })
        };
        assert!(braid::Handle::try_current().is_err(), "{name}");
        assert_eq!(rt.block_on(join).unwrap(), 5, "{name}");
    }
}

#[test]
fn spawn_blocking_and_timers_work_under_a_handle_guard_on_another_thread() {
    let rt = support::multi(2);
    let handle = rt.handle().clone();
    let (blocking, nap) = support::eventually(move || {
        let _guard = handle.enter();
        let blocking = braid::spawn_blocking(|| 7);
        // The timer registers with the entered runtime's driver when made.
        let nap = braid::time::sleep(Duration::from_millis(1));
        (blocking, Box::pin(nap))
    });
    assert_eq!(rt.block_on(blocking).unwrap(), 7);
    rt.block_on(nap);
}

#[test]
fn guards_nest_and_restore_the_runtime_entered_before() {
    let outer = support::multi(1);
    let inner = support::current();
    let _a = outer.enter();
    {
        let _b = inner.enter();
        assert_eq!(braid::Handle::current(), *inner.handle());
    }
    assert_eq!(braid::Handle::current(), *outer.handle());
    // block_on under a guard enters and leaves its own runtime on top.
    inner.block_on(async { assert_eq!(braid::Handle::current(), *inner.handle()) });
    assert_eq!(braid::Handle::current(), *outer.handle());
}

#[test]
fn a_forgotten_guard_outliving_its_runtime_is_no_dangling_pointer() {
    let rt = support::multi(1);
    std::mem::forget(rt.enter());
    drop(rt);
    // The thread still names the runtime it entered (its handle is leaked,
    // not freed); spawning onto it after shutdown is refused, not UB.
    let join = braid::spawn(async { 1 });
    let other = support::current();
    assert!(other.block_on(join).unwrap_err().is_cancelled());
}

#[test]
fn dropping_guards_out_of_order_names_the_mistake() {
    let a_rt = support::multi(1);
    let b_rt = support::current();
    let a = a_rt.enter();
    let b = b_rt.enter();
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(a)))
        .expect_err("dropping the outer guard first must panic");
    let msg = message(&*payload);
    assert!(msg.contains("reverse order"), "{msg}");
    // The inner guard is still the current one, and restores safely.
    assert_eq!(braid::Handle::current(), *b_rt.handle());
    drop(b);
    assert_eq!(braid::Handle::current(), *a_rt.handle());
}

#[test]
fn the_no_runtime_message_names_enter() {
    let payload = std::panic::catch_unwind(|| braid::spawn(async {})).unwrap_err();
    let msg = message(&*payload);
    assert!(msg.contains("`Runtime::enter`"), "{msg}");
}

fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .expect("a panic with a message")
}
