//! The HTTP examples' demos: each serves on a free port, talks to itself
//! and shuts down gracefully.
#![cfg(feature = "hyper")]

mod support;

#[path = "../examples/hello_http.rs"]
#[allow(dead_code)] // the example's `main`
mod hello_http;

#[path = "../examples/axum.rs"]
#[allow(dead_code)]
mod axum_example;

#[path = "../examples/http_client.rs"]
#[allow(dead_code)]
mod http_client;

use support::{eventually, multi};

#[test]
#[cfg_attr(miri, ignore)]
fn hello_http_demo() {
    let body = eventually(|| multi(2).block_on(hello_http::demo()).unwrap());
    assert_eq!(body, "Hello, world!\n");
}

#[test]
#[cfg_attr(miri, ignore)]
fn axum_demo() {
    let demo = eventually(|| multi(2).block_on(axum_example::demo()).unwrap());
    assert_eq!(demo.root, "Hello from axum on braid!\n");
    assert_eq!(demo.visits, 3);
    assert_eq!(
        demo.greeting,
        r#"{"name":"braid","message":"Hello, braid!"}"#
    );
    assert_eq!(demo.missing, hyper::StatusCode::NOT_FOUND);
}

#[test]
#[cfg_attr(miri, ignore)]
fn http_client_demo_reuses_pooled_connections() {
    let demo = eventually(|| multi(2).block_on(http_client::demo()).unwrap());
    assert_eq!(
        demo.bodies.len(),
        http_client::SEQUENTIAL + http_client::CONCURRENT
    );
    assert!(demo.bodies.iter().all(|body| body == "hello"));
    // Connections are kept alive and reused. (A connection goes back to the
    // pool a moment after its response ends, so the next request may find
    // the pool empty and open a second one: not every request reuses.)
    assert!(
        demo.connections_for_sequential < http_client::SEQUENTIAL / 2,
        "{demo:?}"
    );
    assert!(demo.connections_in_all <= 1 + http_client::CONCURRENT);
}
