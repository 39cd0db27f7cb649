//! The socket calls that neither `std` nor mio offer (creating a socket
//! before binding it, socket options such as `SO_LINGER` and
//! `SO_REUSEPORT`), on Unix through libc. Every libc call of `net` is in
//! this file, and each returns the OS error as an `io::Error`.

use std::io;
use std::mem::{MaybeUninit, size_of};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::time::Duration;

/// Turns the `-1` of a failed libc call into the OS error.
fn check(result: libc::c_int) -> io::Result<libc::c_int> {
    if result == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(result)
    }
}

/// A new non-blocking, close-on-exec TCP socket for `addr`'s family.
pub(super) fn tcp_socket(ipv6: bool) -> io::Result<OwnedFd> {
    let domain = if ipv6 { libc::AF_INET6 } else { libc::AF_INET };
    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly",
        target_os = "illumos",
        target_os = "solaris"
    ))]
    {
        let kind = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        // SAFETY: `socket` takes plain integers; the descriptor it returns
        // is new, so the `OwnedFd` is its only owner.
        let fd = check(unsafe { libc::socket(domain, kind, 0) })?;
        // SAFETY: as above: `fd` is a new descriptor owned by nobody else.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }
    #[cfg(not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly",
        target_os = "illumos",
        target_os = "solaris"
    )))]
    {
        // SAFETY: `socket` takes plain integers; the descriptor it returns
        // is new, so the `OwnedFd` is its only owner.
        let fd =
            unsafe { OwnedFd::from_raw_fd(check(libc::socket(domain, libc::SOCK_STREAM, 0))?) };
        // SAFETY: `fd` is open for both calls; the flags are plain integers.
        unsafe {
            check(libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC))?;
            check(libc::ioctl(
                fd.as_raw_fd(),
                libc::FIONBIO,
                &mut 1 as *mut libc::c_int,
            ))?;
        }
        Ok(fd)
    }
}

/// Sets an option whose value is a C `int` (or a flag).
pub(super) fn set_int(fd: BorrowedFd<'_>, level: i32, name: i32, value: i32) -> io::Result<()> {
    set(fd, level, name, &value)
}

/// Reads an option whose value is a C `int`.
pub(super) fn get_int(fd: BorrowedFd<'_>, level: i32, name: i32) -> io::Result<i32> {
    get(fd, level, name)
}

/// Sets `SO_LINGER`: `None` turns it off (close returns at once and the OS
/// sends what is queued in the background); `Some(timeout)` makes close wait
/// up to `timeout` for the queue to drain, and `Some(ZERO)` resets the
/// connection on close.
pub(super) fn set_linger(fd: BorrowedFd<'_>, linger: Option<Duration>) -> io::Result<()> {
    let value = libc::linger {
        l_onoff: linger.is_some().into(),
        l_linger: linger.map_or(0, |d| d.as_secs().try_into().unwrap_or(libc::c_int::MAX)),
    };
    set(fd, libc::SOL_SOCKET, libc::SO_LINGER, &value)
}

/// Reads `SO_LINGER`, as [`set_linger`] takes it.
pub(super) fn linger(fd: BorrowedFd<'_>) -> io::Result<Option<Duration>> {
    let value: libc::linger = get(fd, libc::SOL_SOCKET, libc::SO_LINGER)?;
    Ok((value.l_onoff != 0)
        .then(|| Duration::from_secs(value.l_linger.max(0).unsigned_abs().into())))
}

fn set<T>(fd: BorrowedFd<'_>, level: i32, name: i32, value: &T) -> io::Result<()> {
    // SAFETY: `fd` is open for the call (borrowed); `value` and its size
    // describe a live `T` that the kernel only reads.
    check(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (value as *const T).cast(),
            socklen::<T>(),
        )
    })?;
    Ok(())
}

/// Only for `T`s that are plain C data (`int`, `struct linger`): any bit
/// pattern the kernel writes is a valid `T`.
fn get<T: Copy>(fd: BorrowedFd<'_>, level: i32, name: i32) -> io::Result<T> {
    let mut value = MaybeUninit::<T>::zeroed();
    let mut len = socklen::<T>();
    // SAFETY: `fd` is open for the call; `value` has room for `len` bytes,
    // and `len` is a live `socklen_t` the kernel updates.
    check(unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            value.as_mut_ptr().cast(),
            &mut len,
        )
    })?;
    // SAFETY: zero-initialised, then (partly) written by the kernel; `T`
    // is plain C data, valid for any bytes.
    Ok(unsafe { value.assume_init() })
}

fn socklen<T>() -> libc::socklen_t {
    libc::socklen_t::try_from(size_of::<T>()).expect("a socket option fits a socklen_t")
}

/// Binds `fd` to `addr`.
pub(super) fn bind(fd: BorrowedFd<'_>, addr: SocketAddr) -> io::Result<()> {
    let (storage, len) = to_sockaddr(addr);
    // SAFETY: `fd` is open; `storage` holds a valid address of `len` bytes.
    check(unsafe { libc::bind(fd.as_raw_fd(), (&raw const storage).cast(), len) })?;
    Ok(())
}

/// Marks `fd` as listening with a queue of `backlog` pending connections
/// (capped by the OS, e.g. at `net.core.somaxconn` on Linux).
pub(super) fn listen(fd: BorrowedFd<'_>, backlog: u32) -> io::Result<()> {
    let backlog = libc::c_int::try_from(backlog).unwrap_or(libc::c_int::MAX);
    // SAFETY: `fd` is open; `backlog` is a plain integer.
    check(unsafe { libc::listen(fd.as_raw_fd(), backlog) })?;
    Ok(())
}

/// Starts a non-blocking connect to `addr`; `Ok` once it is under way (or,
/// rarely, done): the socket turns writable when it ends.
pub(super) fn connect(fd: BorrowedFd<'_>, addr: SocketAddr) -> io::Result<()> {
    let (storage, len) = to_sockaddr(addr);
    // SAFETY: `fd` is open; `storage` holds a valid address of `len` bytes.
    match check(unsafe { libc::connect(fd.as_raw_fd(), (&raw const storage).cast(), len) }) {
        Err(error) if error.raw_os_error() == Some(libc::EINPROGRESS) => Ok(()),
        result => result.map(drop),
    }
}

/// The address `fd` is bound to.
pub(super) fn local_addr(fd: BorrowedFd<'_>) -> io::Result<SocketAddr> {
    let mut storage = MaybeUninit::<libc::sockaddr_storage>::zeroed();
    let mut len = socklen::<libc::sockaddr_storage>();
    // SAFETY: `fd` is open; `storage` has room for `len` bytes, and `len`
    // is a live `socklen_t` the kernel updates.
    check(unsafe { libc::getsockname(fd.as_raw_fd(), storage.as_mut_ptr().cast(), &mut len) })?;
    // SAFETY: zero-initialised, then written by the kernel; a
    // `sockaddr_storage` is valid for any bytes.
    from_sockaddr(&unsafe { storage.assume_init() })
}

/// A `SocketAddr` as the C `sockaddr` the kernel takes.
fn to_sockaddr(addr: SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: `sockaddr_storage` is plain C data; all zeroes is valid.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(addr) => {
            // SAFETY: `sockaddr_storage` is larger than, and aligned for,
            // every `sockaddr_*`; the cast views its first bytes.
            let sin = unsafe { &mut *(&raw mut storage).cast::<libc::sockaddr_in>() };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = addr.port().to_be();
            sin.sin_addr.s_addr = u32::from_ne_bytes(addr.ip().octets());
            socklen::<libc::sockaddr_in>()
        }
        SocketAddr::V6(addr) => {
            // SAFETY: as above.
            let sin6 = unsafe { &mut *(&raw mut storage).cast::<libc::sockaddr_in6>() };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = addr.port().to_be();
            sin6.sin6_addr.s6_addr = addr.ip().octets();
            sin6.sin6_flowinfo = addr.flowinfo();
            sin6.sin6_scope_id = addr.scope_id();
            socklen::<libc::sockaddr_in6>()
        }
    };
    (storage, len)
}

/// The C `sockaddr` the kernel wrote, as a `SocketAddr`.
fn from_sockaddr(storage: &libc::sockaddr_storage) -> io::Result<SocketAddr> {
    match libc::c_int::from(storage.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a `sockaddr_in`.
            let sin =
                unsafe { &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
            Ok(SocketAddrV4::new(ip, u16::from_be(sin.sin_port)).into())
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage holds a `sockaddr_in6`.
            let sin6 = unsafe {
                &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>()
            };
            let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            let port = u16::from_be(sin6.sin6_port);
            Ok(SocketAddrV6::new(ip, port, sin6.sin6_flowinfo, sin6.sin6_scope_id).into())
        }
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the socket's address is neither IPv4 nor IPv6",
        )),
    }
}

/// The peer credentials of a Unix stream socket: (pid, uid, gid).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn peer_cred(fd: BorrowedFd<'_>) -> io::Result<(Option<i32>, u32, u32)> {
    let cred: libc::ucred = get(fd, libc::SOL_SOCKET, libc::SO_PEERCRED)?;
    Ok((Some(cred.pid), cred.uid, cred.gid))
}

/// The peer credentials of a Unix stream socket: (pid, uid, gid).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) fn peer_cred(fd: BorrowedFd<'_>) -> io::Result<(Option<i32>, u32, u32)> {
    let mut uid = 0;
    let mut gid = 0;
    // SAFETY: `fd` is open; `uid` and `gid` are live integers it writes.
    check(unsafe { libc::getpeereid(fd.as_raw_fd(), &mut uid, &mut gid) })?;
    Ok((None, uid, gid))
}
