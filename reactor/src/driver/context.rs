//! The thread's current driver, set by [`Handle::enter`]: the `driver` slot
//! of this thread's [`ThreadContext`](crate::context::ThreadContext).

use super::Handle;
use crate::context;
use std::fmt;
use std::marker::PhantomData;

/// Makes a driver current on this thread until dropped, then restores the
/// one that was current before; returned by [`Handle::enter`].
///
/// Guards nest; drop them in the reverse order of creation. The guard stays
/// on the thread that created it (it is `!Send`).
///
/// # Examples
///
/// ```
/// use braid_reactor::driver::{Driver, Handle};
///
/// let driver = Driver::new(false)?;
/// {
///     let _guard = driver.handle().enter();
///     assert!(Handle::try_current().is_some());
/// }
/// assert!(Handle::try_current().is_none());
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "the driver is current only while the guard lives"]
pub struct EnterGuard {
    previous: Option<Handle>,
    _not_send: PhantomData<*const ()>,
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // A guard dropped during thread teardown has nothing to restore
        // (rule 5 of `context`); the handle it replaced is dropped outside
        // the borrow, as its drop may run driver code.
        let ours = context::with(|cx| cx.map(|cx| cx.driver.replace(previous)));
        drop(ours);
    }
}

pub(super) fn enter(handle: Handle) -> EnterGuard {
    let previous = context::with(|cx| cx.and_then(|cx| cx.driver.replace(Some(handle))));
    EnterGuard {
        previous,
        _not_send: PhantomData,
    }
}

/// Runs `f` with the current driver, if any, without cloning it.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    context::with(|cx| match cx {
        Some(cx) => f(cx.driver.borrow().as_ref()),
        None => f(None),
    })
}
