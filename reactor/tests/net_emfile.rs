//! Running out of file descriptors is the OS's `EMFILE` error from every
//! socket call, never a panic. Its own test binary: it lowers the process's
//! descriptor limit, which would starve tests running beside it.

mod support;

use braid::net::{TcpListener, TcpSocket, UdpSocket, UnixStream};
use std::io;
use support::eventually;

/// Sets the soft limit on open descriptors to `limit`.
fn set_fd_limit(limit: libc::rlim_t) {
    let mut rlimit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `rlimit` is a live `struct rlimit` for both calls.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut rlimit), 0);
        rlimit.rlim_cur = limit.min(rlimit.rlim_max);
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &rlimit), 0);
    }
}

fn is_emfile(result: io::Result<impl Sized>) -> bool {
    matches!(result, Err(error) if error.raw_os_error() == Some(libc::EMFILE))
}

#[test]
#[cfg_attr(miri, ignore)]
fn running_out_of_descriptors_is_an_io_error_everywhere() {
    eventually(|| {
        let rt = braid::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            // One connection waits in the backlog to be accepted.
            let _pending = std::net::TcpStream::connect(addr).unwrap();

            // Fill the descriptor table up to a low limit.
            set_fd_limit(256);
            let mut held = Vec::new();
            loop {
                match UdpSocket::bind("127.0.0.1:0").await {
                    Ok(socket) => held.push(socket),
                    Err(error) => {
                        assert_eq!(error.raw_os_error(), Some(libc::EMFILE), "{error}");
                        break;
                    }
                }
                assert!(held.len() < 256, "the limit never applied");
            }

            assert!(is_emfile(TcpSocket::new_v4()));
            assert!(is_emfile(UnixStream::pair()));
            assert!(is_emfile(TcpListener::bind("127.0.0.1:0").await));
            assert!(is_emfile(listener.accept().await));

            // With descriptors free again, the same listener accepts the
            // connection that waited.
            drop(held);
            let (stream, _) = listener.accept().await.unwrap();
            drop(stream);
        });
    });
}
