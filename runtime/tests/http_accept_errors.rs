//! `braid::hyper::serve` survives accept errors: out of file descriptors
//! (`EMFILE`), it pauses between retries instead of spinning, keeps
//! running, and serves the waiting clients once descriptors are free.
//!
//! The descriptor limit is the process's, so this file holds one test.
#![cfg(all(feature = "hyper", target_os = "linux"))]

#[path = "support/http.rs"]
mod http;
mod support;

use std::io::{Read, Write};
use std::mem;
use std::net::{SocketAddr, SocketAddrV4};
use std::os::fd::{FromRawFd, RawFd};
use std::time::Duration;
use support::{eventually, multi};

/// Polls made and polls cut short by the cooperative budget, over all the
/// runtime's workers.
fn polls_and_forced_yields() -> (u64, u64) {
    let metrics = braid::Handle::current().metrics();
    let polls = (0..metrics.num_workers())
        .map(|worker| metrics.worker_poll_count(worker))
        .sum();
    (polls, metrics.budget_forced_yield_count())
}

/// Lowers the soft descriptor limit so that no new descriptor can be made,
/// and puts the old one back when dropped (even when the test fails).
struct NoMoreDescriptors(libc::rlimit);

impl NoMoreDescriptors {
    fn now() -> NoMoreDescriptors {
        // The lowest free descriptor: the kernel hands out the lowest, so
        // with the limit there, every new one fails with `EMFILE`.
        let probe = std::fs::File::open("/dev/null").unwrap();
        let lowest_free = std::os::fd::AsRawFd::as_raw_fd(&probe);
        drop(probe);
        // SAFETY: `getrlimit` and `setrlimit` read and write the struct
        // they are given, which is a valid `rlimit`.
        unsafe {
            let mut old: libc::rlimit = mem::zeroed();
            assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut old), 0);
            let new = libc::rlimit {
                rlim_cur: lowest_free as libc::rlim_t,
                rlim_max: old.rlim_max,
            };
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &new), 0);
            NoMoreDescriptors(old)
        }
    }
}

impl Drop for NoMoreDescriptors {
    fn drop(&mut self) {
        // SAFETY: as in `now`.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &self.0) };
    }
}

/// A TCP socket, made before the limit drops and connected after: the
/// connection is then queued on the listener, waiting for an accept.
struct Unconnected(RawFd);

impl Unconnected {
    fn new() -> Unconnected {
        // SAFETY: a plain `socket(2)` call; the result is checked.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
        assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
        Unconnected(fd)
    }

    fn connect(self, addr: SocketAddr) -> std::net::TcpStream {
        let SocketAddr::V4(addr) = addr else {
            panic!("the server is on IPv4")
        };
        let sockaddr = sockaddr_in(addr);
        // SAFETY: `sockaddr` is a valid `sockaddr_in` for the length given,
        // and `self.0` an open socket.
        let result = unsafe {
            libc::connect(
                self.0,
                (&raw const sockaddr).cast(),
                mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
            )
        };
        assert_eq!(result, 0, "connect: {}", std::io::Error::last_os_error());
        // SAFETY: the descriptor is an open, connected socket that nothing
        // else owns.
        unsafe { std::net::TcpStream::from_raw_fd(self.0) }
    }
}

fn sockaddr_in(addr: SocketAddrV4) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: addr.port().to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(*addr.ip()).to_be(),
        },
        sin_zero: [0; 8],
    }
}

const CLIENTS: usize = 3;

#[test]
#[cfg_attr(miri, ignore)]
fn out_of_descriptors_the_server_pauses_and_recovers() {
    eventually(|| {
        multi(2).block_on(async {
            let server = http::start(|_| async { http::text("hello") }).await;
            let sockets: Vec<Unconnected> = (0..CLIENTS).map(|_| Unconnected::new()).collect();

            let limit = NoMoreDescriptors::now();
            let clients: Vec<std::net::TcpStream> = sockets
                .into_iter()
                .map(|socket| socket.connect(server.addr))
                .collect();
            // Every accept fails now, and the connections stay queued.
            let (polls_before, forced_before) = polls_and_forced_yields();
            braid::time::sleep(Duration::from_millis(500)).await;
            let (polls_after, forced_after) = polls_and_forced_yields();
            // Counted, not timed. Every accept attempt spends a unit of the
            // cooperative budget, so a loop that retried at once would run
            // out of it within a poll (a forced yield) and be polled again
            // and again; one that pauses makes an attempt a poll, a dozen
            // in half a second, and is never cut short. (Nothing else runs
            // meanwhile: the clients' connections are not yet accepted.)
            assert_eq!(
                forced_after - forced_before,
                0,
                "the accept loop retried without pausing until the budget ran out"
            );
            let polls = polls_after - polls_before;
            assert!(
                polls < 100,
                "the accept loop was polled {polls} times in 500 ms"
            );
            assert!(!server.is_finished(), "serve gave up on EMFILE");
            drop(limit);

            // Descriptors are back: the queued clients are served.
            let answers = braid::spawn_blocking(move || {
                clients
                    .into_iter()
                    .map(|mut client| {
                        client
                            .set_read_timeout(Some(Duration::from_secs(10)))
                            .unwrap();
                        client
                            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                            .unwrap();
                        let mut response = String::new();
                        client.read_to_string(&mut response).unwrap();
                        response
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .unwrap();
            for response in &answers {
                assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
                assert!(response.ends_with("hello"), "{response}");
            }
            server.stop().await.unwrap();
        })
    });
}
