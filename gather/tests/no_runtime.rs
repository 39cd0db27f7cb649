//! Misuse is reported by name: polling outside a runtime, `limit(0)`.

use braid_gather::gather;

#[test]
#[should_panic(expected = "gather must be polled from the context of a braid runtime")]
fn polling_outside_a_runtime_names_the_mistake() {
    futures::executor::block_on(gather([async { 1 }]));
}

#[test]
#[should_panic(expected = "`limit(0)` would never run a child")]
fn limit_zero_names_the_mistake() {
    drop(gather([async { 1 }]).limit(0));
}
