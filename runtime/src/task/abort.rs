//! `AbortHandle`: cancel a task without owning its output.

use std::fmt;

use super::RawTask;

/// A handle that can cancel a task but not await it. Dropping it does
/// nothing to the task.
///
/// # Examples
///
/// ```
/// let rt = braid::Runtime::new().unwrap();
/// rt.block_on(async {
///     let handle = braid::spawn(std::future::pending::<()>());
///     let abort = handle.abort_handle();
///     assert!(!abort.is_finished());
///     abort.abort();
///     assert!(handle.await.unwrap_err().is_cancelled());
///     assert!(abort.is_finished());
/// });
/// ```
pub struct AbortHandle {
    raw: RawTask,
}

// SAFETY: the handle only touches the atomic state word and the scheduler,
// both thread-safe.
unsafe impl Send for AbortHandle {}
// SAFETY: as above; `&self` methods are atomic operations.
unsafe impl Sync for AbortHandle {}

impl AbortHandle {
    pub(crate) fn new(raw: RawTask) -> AbortHandle {
        raw.header().state.ref_inc();
        AbortHandle { raw }
    }

    /// Cancels the task, as [`JoinHandle::abort`](crate::JoinHandle::abort).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let handle = braid::spawn(std::future::pending::<()>());
    ///     handle.abort_handle().abort();
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// The task's id, as [`braid::task::id()`](crate::task::id()) returns
    /// inside it.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let handle = braid::spawn(async { braid::task::id() });
    ///     let id = handle.abort_handle().id();
    ///     assert_eq!(handle.await.unwrap(), id);
    /// });
    /// ```
    pub fn id(&self) -> crate::task::Id {
        self.raw.meta().id
    }

    /// Whether the task has finished.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// let abort = rt.block_on(async {
    ///     let handle = braid::spawn(async {});
    ///     let abort = handle.abort_handle();
    ///     handle.await.unwrap();
    ///     abort
    /// });
    /// assert!(abort.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}
