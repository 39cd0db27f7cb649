//! `UdpSocket`'s socket options and multicast membership.

use super::UdpSocket;
use std::io;
use std::net::Ipv4Addr;

impl UdpSocket {
    /// Sets `SO_BROADCAST`: the socket may send to a broadcast address.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let socket = braid::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     socket.set_broadcast(true)?;
    ///     assert!(socket.broadcast()?);
    ///     Ok(())
    /// }
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get().set_broadcast(on)
    }

    /// Whether `SO_BROADCAST` is set.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let socket = braid::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(!socket.broadcast()?);
    ///     Ok(())
    /// }
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get().broadcast()
    }

    /// Sets the IP time-to-live of the datagrams it sends (`IP_TTL`).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let socket = braid::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     socket.set_ttl(42)?;
    ///     assert_eq!(socket.ttl()?, 42);
    ///     Ok(())
    /// }
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get().set_ttl(ttl)
    }

    /// The IP time-to-live (`IP_TTL`).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let socket = braid::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(socket.ttl()? > 0);
    ///     Ok(())
    /// }
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get().ttl()
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with
    /// address `interface` (`Ipv4Addr::UNSPECIFIED`: the OS picks one).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let socket = braid::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let group = Ipv4Addr::new(239, 255, 0, 1);
    ///     socket.join_multicast_v4(group, Ipv4Addr::LOCALHOST)?;
    ///     socket.leave_multicast_v4(group, Ipv4Addr::LOCALHOST)?;
    ///     Ok(())
    /// }
    /// ```
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get().join_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves a group joined with
    /// [`join_multicast_v4`](UdpSocket::join_multicast_v4).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let socket = braid::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let group = Ipv4Addr::new(239, 255, 0, 2);
    ///     socket.join_multicast_v4(group, Ipv4Addr::LOCALHOST)?;
    ///     socket.leave_multicast_v4(group, Ipv4Addr::LOCALHOST)?;
    ///     Ok(())
    /// }
    /// ```
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get().leave_multicast_v4(&multiaddr, &interface)
    }
}
