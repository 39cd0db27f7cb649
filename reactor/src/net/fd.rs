//! `AsRawFd` and `AsFd` for every registered socket type: the descriptor
//! stays owned (and registered) by the braid socket; the borrow is for
//! socket options and other calls that neither read nor write through it.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

/// Implements both traits for types whose `io` field is an `IoSource`.
macro_rules! impl_fd {
    ($($ty:ty),* $(,)?) => {$(
        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.io.get().as_raw_fd()
            }
        }

        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.io.get().as_fd()
            }
        }
    )*};
}

impl_fd!(
    super::TcpListener,
    super::TcpStream,
    super::UdpSocket,
    super::UnixListener,
    super::UnixStream,
    super::UnixDatagram,
);
