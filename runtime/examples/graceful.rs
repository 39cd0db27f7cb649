//! Graceful shutdown: a TCP server whose connections live in a
//! `TaskGroup`. On SIGINT (Ctrl-C) or SIGTERM it stops accepting, lets
//! every connection finish the request it is serving (an idle connection
//! closes at once), gives them a grace period, cancels whatever is left
//! through the group, and exits 0.
//!
//! `cargo run -p braid --example graceful [ADDR]` (default 127.0.0.1:7002),
//! then talk to it with `nc 127.0.0.1 7002`: `PING` answers `PONG`, and
//! `SLOW 3000` answers `done 3000` after 3 s. Press Ctrl-C while a `SLOW`
//! request runs: its answer still arrives, then the server exits.
//! (`runtime/tests/graceful.rs` runs it as a child process and sends it
//! SIGTERM.)

use std::io;
use std::time::Duration;

use braid::net::{TcpListener, TcpStream};
use braid::signal::unix::{SignalKind, signal};
use braid::{CancellationToken, TaskGroup};
use futures::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use futures::{FutureExt, StreamExt};

/// How long connections get to finish after a shutdown signal.
pub(crate) const GRACE: Duration = Duration::from_secs(10);

/// Serves until SIGINT or SIGTERM, then shuts down as the module docs say.
pub(crate) async fn run(addr: &str, grace: Duration) -> io::Result<()> {
    // Listen for the signals before accepting anybody, so that no signal
    // can arrive unhandled (and kill the process) once we are serving.
    let stop = CancellationToken::new();
    for kind in [SignalKind::interrupt(), SignalKind::terminate()] {
        let mut signals = signal(kind)?;
        let stop = stop.clone();
        braid::spawn(async move {
            if signals.recv().await.is_some() {
                stop.cancel();
            }
        });
    }

    let listener = TcpListener::bind(addr).await?;
    println!("listening on {}", listener.local_addr()?);
    let draining = CancellationToken::new();
    let mut connections = TaskGroup::new();
    while let Some(accepted) = stop.run_until_cancelled(listener.accept()).await {
        match accepted {
            Ok((stream, _peer)) => {
                connections.spawn(connection(stream, draining.clone()));
            }
            // Out of descriptors, or a connection aborted before we took
            // it: not the server's end. Pause instead of spinning.
            Err(error) => {
                eprintln!("accept: {error}");
                braid::time::sleep(Duration::from_millis(100)).await;
            }
        }
        // Collect the connections that ended, so the group holds only the
        // live ones.
        while let Some(Some(_)) = connections.join_next().now_or_never() {}
    }

    drop(listener);
    println!("stopped accepting; {} connections open", connections.len());
    draining.cancel();
    let all_done = async { while connections.join_next().await.is_some() {} };
    if braid::time::timeout(grace, all_done).await.is_err() {
        println!(
            "grace period over: cancelling {} connections",
            connections.len()
        );
        connections.shutdown().await;
    }
    println!("bye");
    Ok(())
}

/// Serves one connection's requests, one line each, until the client
/// leaves or the server drains (then it closes once idle).
async fn connection(stream: TcpStream, draining: CancellationToken) {
    let peer = stream
        .peer_addr()
        .map_or("?".into(), |addr| addr.to_string());
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    loop {
        let line = match draining.run_until_cancelled(lines.next()).await {
            Some(Some(Ok(line))) => line,
            // Drained while idle, the client left, or the connection broke.
            None | Some(None | Some(Err(_))) => break,
        };
        println!("{peer}: {line}");
        let reply = answer(&line).await;
        if writer
            .write_all(format!("{reply}\n").as_bytes())
            .await
            .is_err()
        {
            break;
        }
    }
}

/// The reply to one request.
async fn answer(request: &str) -> String {
    match request.split_once(' ') {
        _ if request == "PING" => "PONG".to_owned(),
        Some(("SLOW", millis)) => match millis.parse() {
            Ok(millis) => {
                braid::time::sleep(Duration::from_millis(millis)).await;
                format!("done {millis}")
            }
            Err(_) => format!("error: not a number of milliseconds: {millis}"),
        },
        _ => format!("error: unknown request {request:?} (PING or SLOW <ms>)"),
    }
}

#[braid::main]
async fn main() -> io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or("127.0.0.1:7002".into());
    run(&addr, GRACE).await
}
