//! Reading from a socket into memory that may be uninitialised, for the
//! I/O traits whose buffers are (`hyper::rt::Read`, `tokio::io::AsyncRead`):
//! the bytes go straight from the kernel into the caller's buffer, with no
//! zeroing and no intermediate copy.

use std::io;
use std::mem::MaybeUninit;

/// Reads once from `source` into `buf`; on `Ok(n)` the first `n` bytes of
/// `buf` are initialised. `WouldBlock` comes back as an error, like
/// [`std::io::Read::read`] on a non-blocking socket.
#[cfg(unix)]
pub(super) fn read_uninit(
    source: &impl std::os::fd::AsRawFd,
    buf: &mut [MaybeUninit<u8>],
) -> io::Result<usize> {
    // SAFETY: `read(2)` writes at most `buf.len()` bytes through the pointer,
    // which is valid for that many writes, and never reads the memory, so it
    // being uninitialised is fine. The descriptor is open for as long as
    // `source` is borrowed.
    let n = unsafe { libc::read(source.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        // `read` never returns more than it was asked for, so `n` fits.
        Ok(n as usize)
    }
}

/// Where no raw descriptor is at hand, the buffer is zeroed first and read
/// through `std`'s [`io::Read`].
#[cfg(not(unix))]
pub(super) fn read_uninit<S>(source: &S, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize>
where
    for<'a> &'a S: io::Read,
{
    buf.fill(MaybeUninit::new(0));
    // SAFETY: every byte was just initialised, and `MaybeUninit<u8>` has the
    // layout of `u8`.
    let buf = unsafe { &mut *(buf as *mut [MaybeUninit<u8>] as *mut [u8]) };
    io::Read::read(&mut &*source, buf)
}
