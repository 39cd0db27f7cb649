//! The options of a [`TcpSocket`], set before it binds, listens or
//! connects.

use super::TcpSocket;
use crate::net::sys;
use std::io;
use std::os::fd::AsFd;
use std::time::Duration;

impl TcpSocket {
    /// Sets `SO_REUSEADDR`: a listener may bind a port that connections of an
    /// earlier process still hold in `TIME_WAIT`.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// socket.set_reuseaddr(true)?;
    /// assert!(socket.reuseaddr()?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        sys::set_int(
            self.as_fd(),
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            reuseaddr.into(),
        )
    }

    /// Whether `SO_REUSEADDR` is set.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// socket.set_reuseaddr(false)?;
    /// assert!(!socket.reuseaddr()?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn reuseaddr(&self) -> io::Result<bool> {
        Ok(sys::get_int(self.as_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR)? != 0)
    }

    /// Sets `SO_REUSEPORT`: several sockets may bind the same address and port,
    /// and the OS spreads the incoming connections between them.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// socket.set_reuseport(true)?;
    /// assert!(socket.reuseport()?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        sys::set_int(
            self.as_fd(),
            libc::SOL_SOCKET,
            libc::SO_REUSEPORT,
            reuseport.into(),
        )
    }

    /// Whether `SO_REUSEPORT` is set.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// socket.set_reuseport(false)?;
    /// assert!(!socket.reuseport()?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn reuseport(&self) -> io::Result<bool> {
        Ok(sys::get_int(self.as_fd(), libc::SOL_SOCKET, libc::SO_REUSEPORT)? != 0)
    }

    /// Sets `SO_KEEPALIVE`: the OS probes an idle connection and reports a dead
    /// peer as an error.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// socket.set_keepalive(true)?;
    /// assert!(socket.keepalive()?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        sys::set_int(
            self.as_fd(),
            libc::SOL_SOCKET,
            libc::SO_KEEPALIVE,
            keepalive.into(),
        )
    }

    /// Whether `SO_KEEPALIVE` is set.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// socket.set_keepalive(false)?;
    /// assert!(!socket.keepalive()?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn keepalive(&self) -> io::Result<bool> {
        Ok(sys::get_int(self.as_fd(), libc::SOL_SOCKET, libc::SO_KEEPALIVE)? != 0)
    }

    /// Sets `TCP_NODELAY`: turns Nagle's algorithm off (`true`), so small writes
    /// go out at once.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// socket.set_nodelay(true)?;
    /// assert!(socket.nodelay()?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        sys::set_int(
            self.as_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            nodelay.into(),
        )
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// socket.set_nodelay(false)?;
    /// assert!(!socket.nodelay()?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        Ok(sys::get_int(self.as_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY)? != 0)
    }

    /// Sets the size of the OS's send buffer (`SO_SNDBUF`). The OS may
    /// round it or double it (Linux doubles it for its own bookkeeping), so
    /// read [`send_buffer_size`](TcpSocket::send_buffer_size) for the size in effect.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// socket.set_send_buffer_size(64 * 1024)?;
    /// assert!(socket.send_buffer_size()? >= 64 * 1024);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        let size = i32::try_from(size).unwrap_or(i32::MAX);
        sys::set_int(self.as_fd(), libc::SOL_SOCKET, libc::SO_SNDBUF, size)
    }

    /// The size of the OS's send buffer, as the OS reports it.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// assert!(socket.send_buffer_size()? > 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        let size = sys::get_int(self.as_fd(), libc::SOL_SOCKET, libc::SO_SNDBUF)?;
        Ok(size.max(0).unsigned_abs())
    }

    /// Sets the size of the OS's receive buffer (`SO_RCVBUF`). The OS may
    /// round it or double it (Linux doubles it for its own bookkeeping), so
    /// read [`recv_buffer_size`](TcpSocket::recv_buffer_size) for the size in effect.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// socket.set_recv_buffer_size(64 * 1024)?;
    /// assert!(socket.recv_buffer_size()? >= 64 * 1024);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        let size = i32::try_from(size).unwrap_or(i32::MAX);
        sys::set_int(self.as_fd(), libc::SOL_SOCKET, libc::SO_RCVBUF, size)
    }

    /// The size of the OS's receive buffer, as the OS reports it.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// assert!(socket.recv_buffer_size()? > 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        let size = sys::get_int(self.as_fd(), libc::SOL_SOCKET, libc::SO_RCVBUF)?;
        Ok(size.max(0).unsigned_abs())
    }

    /// Sets `SO_LINGER`. `None` (the default): closing returns at once and
    /// the OS sends what is still queued in the background. `Some(timeout)`:
    /// closing waits up to `timeout` (whole seconds) for the queue to drain;
    /// `Some(Duration::ZERO)` resets the connection on close instead.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// socket.set_linger(Some(Duration::from_secs(2)))?;
    /// assert_eq!(socket.linger()?, Some(Duration::from_secs(2)));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        sys::set_linger(self.as_fd(), linger)
    }

    /// The `SO_LINGER` setting, as [`set_linger`](TcpSocket::set_linger)
    /// takes it.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = braid::net::TcpSocket::new_v4()?;
    /// assert_eq!(socket.linger()?, None);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        sys::linger(self.as_fd())
    }
}
