//! The thread's current driver, set by [`Handle::enter`].

use super::Handle;
use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;

thread_local! {
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

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
        // `try_with`: a guard dropped during thread teardown has nothing to
        // restore.
        let _ = CURRENT.try_with(|current| *current.borrow_mut() = previous);
    }
}

pub(super) fn enter(handle: Handle) -> EnterGuard {
    let previous = CURRENT.with(|current| current.borrow_mut().replace(handle));
    EnterGuard {
        previous,
        _not_send: PhantomData,
    }
}

/// Runs `f` with the current driver, if any, without cloning it.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    CURRENT.with(|current| f(current.borrow().as_ref()))
}
