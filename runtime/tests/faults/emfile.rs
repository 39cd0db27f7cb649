//! Out of file descriptors: with the process's limit lowered, a flood of
//! connections ends in `EMFILE` errors (no panic, no hang, no spinning
//! accept), timers and tasks keep running, and once descriptors are freed
//! the same listener accepts again. Runs in a child process, since the
//! limit is process-wide.

use std::time::Duration;

use braid::net::{TcpListener, TcpStream};
use futures::io::{AsyncReadExt, AsyncWriteExt};

use crate::support;

/// Descriptors left to the child above those it has open.
const HEADROOM: u64 = 48;

fn open_descriptors() -> u64 {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count() as u64
}

fn lower_descriptor_limit(to: u64) {
    let limit = libc::rlimit {
        rlim_cur: to,
        rlim_max: to,
    };
    // SAFETY: `limit` is a valid `struct rlimit` for the whole call.
    let result = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    assert_eq!(result, 0, "setrlimit: {}", std::io::Error::last_os_error());
}

fn is_emfile(error: &std::io::Error) -> bool {
    error.raw_os_error() == Some(libc::EMFILE)
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_descriptor_flood_fails_cleanly_and_recovers() {
    let output = crate::run_child("emfile::child_out_of_descriptors");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{}",
        crate::describe(&output)
    );
}

#[test]
#[ignore = "run in a child process by a_descriptor_flood_fails_cleanly_and_recovers"]
fn child_out_of_descriptors() {
    assert!(
        crate::in_child(),
        "run through a_descriptor_flood_fails_cleanly_and_recovers"
    );
    let rt = support::multi(2);
    support::eventually(move || {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            lower_descriptor_limit(open_descriptors() + HEADROOM);

            // Connect until the process runs out; each pair costs two
            // descriptors, one per end.
            let mut clients = Vec::new();
            let mut servers = Vec::new();
            let flood_error = loop {
                match TcpStream::connect(addr).await {
                    Ok(client) => clients.push(client),
                    Err(error) => break error,
                }
                match listener.accept().await {
                    Ok((server, _)) => servers.push(server),
                    Err(error) => break error,
                }
                assert!(
                    clients.len() < 10 * HEADROOM as usize,
                    "the limit never bit"
                );
            };
            assert!(is_emfile(&flood_error), "flood ended with {flood_error:?}");
            assert!(!clients.is_empty());

            // Still out: accept and connect fail at once, neither hangs.
            for _ in 0..3 {
                let error = TcpStream::connect(addr).await.unwrap_err();
                assert!(is_emfile(&error), "{error:?}");
            }
            // Timers and tasks need no descriptor and keep working.
            braid::time::sleep(Duration::from_millis(5)).await;
            assert_eq!(braid::spawn(async { 7 }).await.unwrap(), 7);

            // Free half and serve again through the same listener.
            let freed = clients.len() / 2;
            clients.truncate(clients.len() - freed);
            servers.truncate(servers.len().saturating_sub(freed));
            // A connection left queued by the failed accept comes first.
            let mut client = TcpStream::connect(addr).await.unwrap();
            let mut served = None;
            for _ in 0..4 {
                let (server, peer) = listener.accept().await.unwrap();
                if peer == client.local_addr().unwrap() {
                    served = Some(server);
                    break;
                }
            }
            let mut server = served.expect("the new connection was accepted");
            client.write_all(b"back").await.unwrap();
            let mut buf = [0; 4];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"back");
        });
    });
}
