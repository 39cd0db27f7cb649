//! TCP and UDP sockets driven by the braid reactor.
//!
//! Every socket registers with the current runtime's driver when it is
//! created and deregisters (freeing its slab slot) when it is dropped.
//! Addresses are anything implementing [`std::net::ToSocketAddrs`]; each
//! resolved address is tried in turn, as `std` does. Resolving a host name
//! uses `std`'s blocking resolver, so pass a [`std::net::SocketAddr`] where a
//! lookup could stall.
//!
//! # Panics
//!
//! Creating a socket outside a braid runtime panics with "must be called
//! from the context of a braid runtime".

mod addr;
mod io_source;
mod tcp_listener;
mod tcp_stream;
mod udp_socket;

pub use tcp_listener::TcpListener;
pub use tcp_stream::TcpStream;
pub use udp_socket::UdpSocket;
