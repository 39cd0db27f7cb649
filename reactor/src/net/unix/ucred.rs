//! `UCred`: who is at the other end of a Unix stream.

/// The credentials of the process at the other end of a
/// [`UnixStream`](super::UnixStream), as the OS recorded them when it
/// connected (`SO_PEERCRED` on Linux, `getpeereid` elsewhere).
///
/// # Examples
///
/// ```
/// #[braid::main]
/// async fn main() -> std::io::Result<()> {
///     let (a, _b) = braid::net::UnixStream::pair()?;
///     let cred = a.peer_cred()?;
///     println!("peer uid {} gid {} pid {:?}", cred.uid(), cred.gid(), cred.pid());
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UCred {
    pub(super) pid: Option<i32>,
    pub(super) uid: u32,
    pub(super) gid: u32,
}

impl UCred {
    /// The peer's user id.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (a, _b) = braid::net::UnixStream::pair()?;
    ///     let _uid = a.peer_cred()?.uid();
    ///     Ok(())
    /// }
    /// ```
    pub fn uid(&self) -> u32 {
        self.uid
    }

    /// The peer's group id.
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (a, _b) = braid::net::UnixStream::pair()?;
    ///     let _gid = a.peer_cred()?.gid();
    ///     Ok(())
    /// }
    /// ```
    pub fn gid(&self) -> u32 {
        self.gid
    }

    /// The peer's process id, where the OS reports it (Linux and Android;
    /// `None` elsewhere).
    ///
    /// # Examples
    ///
    /// ```
    /// #[braid::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let (a, _b) = braid::net::UnixStream::pair()?;
    ///     if let Some(pid) = a.peer_cred()?.pid() {
    ///         assert_eq!(pid, std::process::id() as i32); // a pair: this process
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub fn pid(&self) -> Option<i32> {
        self.pid
    }
}
