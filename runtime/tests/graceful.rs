//! The graceful example end to end, as an operator sees it: the server runs
//! as a child process (this test binary again, told so by an environment
//! variable), gets SIGTERM while a request is in flight, answers that
//! request, refuses new connections, closes an idle one, and exits 0.
//!
//! Without the test harness (`harness = false`): the child must be a plain
//! process whose whole life is the server.

#[path = "../examples/graceful.rs"]
#[allow(dead_code)] // the example's `main`
mod graceful;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const CHILD: &str = "BRAID_GRACEFUL_CHILD";
/// How long any one step may take before the test fails instead of hanging.
const STEP: Duration = Duration::from_secs(30);

fn main() {
    if std::env::var_os(CHILD).is_some() {
        let rt = braid::Runtime::new().expect("the runtime starts");
        match rt.block_on(graceful::run("127.0.0.1:0", graceful::GRACE)) {
            Ok(()) => std::process::exit(0),
            Err(error) => {
                eprintln!("graceful: {error}");
                std::process::exit(1);
            }
        }
    }
    sigterm_lets_the_request_in_flight_finish();
    println!("graceful: 1 passed, 0 failed");
}

fn sigterm_lets_the_request_in_flight_finish() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let (lines_tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |prefix: &str| -> String {
        loop {
            let line = lines
                .recv_timeout(STEP)
                .unwrap_or_else(|_| panic!("the server never printed {prefix:?}"));
            if line.starts_with(prefix) || line.contains(prefix) {
                return line;
            }
        }
    };

    let addr = wait_for("listening on ")
        .trim_start_matches("listening on ")
        .to_owned();
    let connect = || {
        let stream = TcpStream::connect(&addr)?;
        stream.set_read_timeout(Some(STEP))?;
        Ok::<_, std::io::Error>(stream)
    };
    let mut busy = connect().unwrap();
    let mut idle = connect().unwrap();

    busy.write_all(b"PING\n").unwrap();
    let mut reply = BufReader::new(busy.try_clone().unwrap());
    let mut line = String::new();
    reply.read_line(&mut line).unwrap();
    assert_eq!(line, "PONG\n");

    busy.write_all(b"SLOW 1000\n").unwrap();
    wait_for(": SLOW 1000");

    // SAFETY: `kill` takes any pid and signal number; the pid is our child's.
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(sent, 0, "SIGTERM sent");

    // The busy connection is open for sure; the idle one may still have
    // been in the listen queue, closed with the listener.
    wait_for("stopped accepting");
    assert!(
        TcpStream::connect(&addr).is_err(),
        "a connection after the signal is refused"
    );

    line.clear();
    reply.read_line(&mut line).unwrap();
    assert_eq!(line, "done 1000\n", "the request in flight got its answer");
    let mut rest = Vec::new();
    match idle.read_to_end(&mut rest) {
        Ok(n) => assert_eq!(n, 0, "the idle connection was closed, unanswered"),
        Err(error) => assert_eq!(
            error.kind(),
            std::io::ErrorKind::ConnectionReset,
            "the idle connection was closed"
        ),
    }

    wait_for("bye");
    let status = child.wait().unwrap();
    assert!(status.success(), "the server exited with {status}");
}
