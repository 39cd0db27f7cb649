//! TCP types beyond the socket, listener and stream: the owned halves of a
//! split [`TcpStream`](super::TcpStream), as in Tokio's `net::tcp`.

mod split;

pub(super) use split::split;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
