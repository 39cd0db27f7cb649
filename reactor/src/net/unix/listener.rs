//! `UnixListener`: accepts Unix stream connections.

use super::path_error::bind_error;
use super::{SocketAddr, UnixStream};
use crate::driver::Direction;
use crate::net::io_source::IoSource;
use mio::Interest;
use std::fmt;
use std::io;
use std::path::Path;

/// A Unix stream socket listening on a path.
///
/// # Examples
///
/// ```
/// use braid::net::{UnixListener, UnixStream};
///
/// #[braid::main]
/// async fn main() -> std::io::Result<()> {
///     let dir = std::env::temp_dir().join(format!("braid-doc-listener-{}", std::process::id()));
///     std::fs::create_dir_all(&dir)?;
///     let path = dir.join("socket");
///     let _ = std::fs::remove_file(&path);
///     let listener = UnixListener::bind(&path)?;
///     let _client = UnixStream::connect(&path).await?;
///     let (_server, _peer) = listener.accept().await?;
///     std::fs::remove_dir_all(&dir)
/// }
/// ```
pub struct UnixListener {
    pub(in crate::net) io: IoSource<mio::net::UnixListener>,
}

impl UnixListener {
    /// Creates a socket file at `path` and listens on it (not async: binding
    /// a path never waits).
    ///
    /// # Errors
    ///
    /// What the OS reports, with `path` in the message and the OS's error
    /// as its source: `AddrInUse` when the path exists (saying whether it is
    /// a socket file, which must be removed if no process listens on it, or
    /// not a socket at all), `NotFound` when its directory does not exist,
    /// `PermissionDenied`.
    ///
    /// # Panics
    ///
    /// Outside a braid runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let path = std::env::temp_dir().join(format!("braid-doc-bind-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = braid::net::UnixListener::bind(&path)?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     // Binding again fails with the path in the message.
    ///     let error = braid::net::UnixListener::bind(&path).unwrap_err();
    ///     assert!(error.to_string().contains(&*path.to_string_lossy()));
    ///     std::fs::remove_file(&path)
    /// }
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let path = path.as_ref();
        let listener = mio::net::UnixListener::bind(path).map_err(|e| bind_error(e, path))?;
        UnixListener::from_mio(listener)
    }

    fn from_mio(listener: mio::net::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: IoSource::new(listener, Interest::READABLE)?,
        })
    }

    /// Takes over a listening `std` listener; braid sets it non-blocking
    /// itself.
    ///
    /// # Errors
    ///
    /// What the OS reports for setting it non-blocking or registering it.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let path = std::env::temp_dir().join(format!("braid-doc-lstd-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let std_listener = std::os::unix::net::UnixListener::bind(&path)?;
    ///     let listener = braid::net::UnixListener::from_std(std_listener)?;
    ///     let _client = braid::net::UnixStream::connect(&path).await?;
    ///     let _accepted = listener.accept().await?;
    ///     std::fs::remove_file(&path)
    /// }
    /// ```
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        UnixListener::from_mio(mio::net::UnixListener::from_std(listener))
    }

    /// Waits for the next connection and returns it with the peer's
    /// address (usually unnamed: clients rarely bind a path).
    ///
    /// # Errors
    ///
    /// What the OS reports for the accept.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::net::{UnixListener, UnixStream};
    /// use futures::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let path = std::env::temp_dir().join(format!("braid-doc-accept-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = UnixListener::bind(&path)?;
    ///     let mut client = UnixStream::connect(&path).await?;
    ///     let (mut server, peer) = listener.accept().await?;
    ///     assert!(peer.is_unnamed());
    ///     client.write_all(b"hi").await?;
    ///     let mut buf = [0; 2];
    ///     server.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"hi");
    ///     std::fs::remove_file(&path)
    /// }
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, peer) = self
            .io
            .io(Direction::Read, |listener| listener.accept())
            .await?;
        Ok((UnixStream::from_mio(stream)?, peer))
    }

    /// The address (path) the listener is bound to.
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
    ///     let path = std::env::temp_dir().join(format!("braid-doc-laddr-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = braid::net::UnixListener::bind(&path)?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)
    /// }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get().local_addr()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
