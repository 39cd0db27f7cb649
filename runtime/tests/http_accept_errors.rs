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

/// CPU time (user and system) this process has used so far.
fn cpu_time() -> Duration {
    // SAFETY: `getrusage` fills the struct it is given; a zeroed `rusage`
    // is a valid value of it.
    let usage = unsafe {
        let mut usage: libc::rusage = mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
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
            let before = cpu_time();
            braid::time::sleep(Duration::from_millis(500)).await;
            let used = cpu_time() - before;
            // Retrying after pauses costs microseconds; a retry loop would
            // burn a whole core, 500 ms of CPU. Half of that separates the
            // two however loaded the machine is (the count is the whole
            // process's: the runtime's other threads are in it too).
            assert!(
                used < Duration::from_millis(250),
                "the accept loop used {used:?} of CPU in 500 ms"
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
