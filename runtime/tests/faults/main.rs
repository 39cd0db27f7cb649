//! Fault injection through the whole runtime: wakers that panic inside
//! the drivers, connections reset in the middle of a read or a write, a
//! process out of file descriptors, and wakers used after their runtime
//! is gone. Each fault must be contained and reported, and must cost no
//! other task its progress.
//!
//! The tests that need a process of their own (a lowered descriptor
//! limit, a look at what is printed on standard error) run this binary
//! again with one ignored test selected; see [`run_child`].

#[path = "../support/mod.rs"]
mod support;

mod after_runtime;
#[cfg(target_os = "linux")]
mod emfile;
#[cfg(target_os = "linux")]
mod reset;
mod wakers;

use std::process::{Command, Output};

/// Set in the environment of a child run by [`run_child`].
const CHILD: &str = "BRAID_FAULTS_CHILD";

/// Runs the ignored test `name` of this binary in a child process and
/// returns what it printed and how it ended.
fn run_child(name: &str) -> Output {
    let exe = std::env::current_exe().expect("the test binary's path");
    Command::new(exe)
        .args([
            "--ignored",
            "--exact",
            "--test-threads=1",
            "--nocapture",
            name,
        ])
        .env(CHILD, "1")
        .output()
        .expect("could not run the test binary as a child")
}

/// Whether this process is a child run by [`run_child`]: the ignored
/// tests refuse to run otherwise (they change process-wide state).
fn in_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// The child's output, for an assertion message.
fn describe(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
