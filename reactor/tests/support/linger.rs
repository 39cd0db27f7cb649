//! Resetting a TCP connection on purpose: closing a socket whose
//! `SO_LINGER` is on with a zero timeout sends RST instead of FIN. `std`
//! has no stable setter for it, so this is the one place that calls
//! `setsockopt`, shared by the reactor's reset tests and the runtime's echo
//! example (which includes this file by `#[path]`).

use std::io;
use std::net::TcpStream;

/// Closes `stream` with a reset (RST) instead of an orderly shutdown, so
/// the peer's next read or write fails with `ConnectionReset`.
///
/// # Errors
///
/// What `setsockopt` reports, or `Unsupported` on platforms other than
/// Unix; either way `stream` is still closed (with a FIN).
pub(crate) fn reset(stream: TcpStream) -> io::Result<()> {
    set_linger_zero(&stream)
}

#[cfg(unix)]
fn set_linger_zero(stream: &TcpStream) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: the descriptor is open for the whole call (borrowed from
    // `stream`), and `value`/`len` describe a live `struct linger`.
    let result = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(unix))]
fn set_linger_zero(_stream: &TcpStream) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "resetting a connection (SO_LINGER) is wired up for Unix only",
    ))
}
