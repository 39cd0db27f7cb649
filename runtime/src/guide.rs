//! A guide to braid, from the first program to a service that shuts down
//! cleanly. Each page is a module of its own; every example on them runs as
//! a test of this crate.
//!
//! 1. [`hello`]: add braid, `#[braid::main]`, building a runtime by hand.
//! 2. [`tasks`]: spawn, join, abort, blocking code.
//! 3. [`gather`]: ordered results, fail-fast, limits.
//! 4. [`time`]: sleeps, timeouts, intervals, the paused clock.
//! 5. [`net`]: TCP servers and clients.
//! 6. [`cancellation`]: tokens and structured cancellation.
//! 7. [`task_groups`]: open-ended groups of tasks, for work that arrives
//!    over time.
//! 8. [`shutdown`]: signals, graceful and bounded shutdown, unobserved
//!    panics, entering a runtime from a plain thread.
//! 9. [`coming_from_tokio`]: Tokio's items and their braid counterparts.

#![allow(
    clippy::needless_doctest_main,
    reason = "the guide's examples are whole programs, as a reader pastes them"
)]

#[doc = include_str!("../docs/guide/hello.md")]
pub mod hello {}

#[doc = include_str!("../docs/guide/tasks.md")]
pub mod tasks {}

#[doc = include_str!("../docs/guide/gather.md")]
pub mod gather {}

#[doc = include_str!("../docs/guide/time.md")]
pub mod time {}

#[doc = include_str!("../docs/guide/net.md")]
pub mod net {}

#[doc = include_str!("../docs/guide/cancellation.md")]
pub mod cancellation {}

#[doc = include_str!("../docs/guide/task_groups.md")]
pub mod task_groups {}

#[cfg(unix)]
#[doc = include_str!("../docs/guide/shutdown.md")]
pub mod shutdown {}

#[doc = include_str!("../docs/guide/coming_from_tokio.md")]
pub mod coming_from_tokio {}
