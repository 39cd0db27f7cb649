//! Errors of binding and connecting Unix sockets, with the path named.

use std::io;
use std::path::Path;

/// `error`, from binding `path`, with the path in its message. An
/// `AddrInUse` whose path refuses connections is called out as a stale
/// socket file.
pub(super) fn bind_error(error: io::Error, path: &Path) -> io::Error {
    if error.kind() == io::ErrorKind::AddrInUse && nobody_listens(path) {
        return io::Error::new(
            io::ErrorKind::AddrInUse,
            format!(
                "cannot bind the Unix socket {}: the path exists but nobody listens \
                 on it (a stale socket file left by a process that exited?); \
                 remove it before binding",
                path.display()
            ),
        );
    }
    with_path(error, "bind", path)
}

/// `error`, from `what` on `path`, with the path in its message; the kind
/// and the OS's words are kept.
pub(super) fn with_path(error: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(
        error.kind(),
        format!("cannot {what} the Unix socket {}: {error}", path.display()),
    )
}

/// Whether a non-blocking connect to `path` is refused: a socket file with
/// no listener behind it.
fn nobody_listens(path: &Path) -> bool {
    matches!(
        mio::net::UnixStream::connect(path),
        Err(error) if error.kind() == io::ErrorKind::ConnectionRefused
    )
}
