//! Unix domain sockets: [`UnixListener`], [`UnixStream`] (with the owned
//! halves of a split stream and the peer's credentials) and
//! [`UnixDatagram`], as in Tokio's `net::unix`.
//!
//! Binding a path that exists fails with `AddrInUse` and a message that
//! names the path and says what is there: a socket file (left over, to be
//! removed, unless a process still listens on it) or something that is not
//! a socket. Braid never connects to the path to find out whether anyone
//! listens, and never removes a path it did not create.

mod datagram;
mod listener;
mod path_error;
mod split;
mod stream;
mod ucred;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use std::os::unix::net::SocketAddr;
pub use stream::UnixStream;
pub use ucred::UCred;
