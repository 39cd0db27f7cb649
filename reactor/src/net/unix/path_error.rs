//! Errors of binding and connecting Unix sockets, with the path named.
//!
//! Each error keeps the kind of the OS's error, and the OS's error itself as
//! its [`source`](std::error::Error::source), so its `raw_os_error` stays
//! within reach.

use std::error::Error;
use std::fmt;
use std::fs::FileType;
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

/// `error`, from binding `path`, with the path in its message. An
/// `AddrInUse` says what is at the path, read from its metadata: a socket
/// file (which may still have a process behind it, or be left over and need
/// removing) or something that is not a socket. Nothing connects to the
/// path to tell a live socket from a left-over one: that would hand a
/// listener there a connection it did not ask for, and a path that is not a
/// socket refuses connections just as a left-over socket file does.
pub(super) fn bind_error(error: io::Error, path: &Path) -> io::Error {
    if error.kind() != io::ErrorKind::AddrInUse {
        return with_path(error, "bind", path);
    }
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return with_path(error, "bind", path);
    };
    let file_type = metadata.file_type();
    let what = if file_type.is_socket() {
        "the path is in use by a socket file; if no process listens on it, \
         the file is left over and must be removed before binding"
            .to_owned()
    } else {
        format!(
            "the path exists and is {}, not a socket; bind creates the \
             socket file itself, at a path that must not exist",
            describe(file_type)
        )
    };
    reworded(
        error,
        format!("cannot bind the Unix socket {}: {what}", path.display()),
    )
}

/// `error`, from `what` on `path`, with the path in its message; the kind
/// and the OS's words are kept.
pub(super) fn with_path(error: io::Error, what: &str, path: &Path) -> io::Error {
    let message = format!("cannot {what} the Unix socket {}: {error}", path.display());
    reworded(error, message)
}

/// An `io::Error` of `source`'s kind that reads `message` and has `source`
/// as its source.
fn reworded(source: io::Error, message: String) -> io::Error {
    io::Error::new(source.kind(), PathError { message, source })
}

/// What a path that is not a socket is, for a message.
fn describe(file_type: FileType) -> &'static str {
    if file_type.is_file() {
        "a regular file"
    } else if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else {
        "a file of another type"
    }
}

/// The error inside an `io::Error` of this module: a message that names the
/// path, over the OS's error as its source.
#[derive(Debug)]
struct PathError {
    message: String,
    source: io::Error,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for PathError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}
