//! [`Id`]: a number per task, unique for the life of the process.
//!
//! One counter numbers the tasks of braid's runtime and the children of
//! every [`TaskGroup`](crate::TaskGroup), so an id names one of them, whichever
//! made it: a group child keeps the id it was given at `spawn` as the id of
//! the task that runs it (see [`ChildTask::id`](crate::ChildTask::id)).

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// A task's id: unique among all the tasks of the process, never reused.
///
/// Get it from `braid::JoinHandle::id`, [`AbortHandle::id`](crate::AbortHandle::id)
/// (which a [`TaskGroup`](crate::TaskGroup)'s `spawn` returns too), or,
/// inside the task, from `braid::task::id()`. Dumps and stall reports name
/// tasks by it.
///
/// # Examples
///
/// ```
/// let rt = braid::Runtime::new().unwrap();
/// rt.block_on(async {
///     let handle = braid::spawn(async { braid::task::id() });
///     let expected: braid::task::Id = handle.id();
///     assert_eq!(handle.await.unwrap(), expected);
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(NonZeroU64);

/// The next id to hand out. A plain counter outside every modelled
/// protocol, so std's atomic whatever the build.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Id {
    /// A fresh id, never handed out before.
    pub(crate) fn next() -> Id {
        // Relaxed: only uniqueness matters, which the read-modify-write gives.
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Id(NonZeroU64::new(id).expect("task ids ran out"))
    }

    /// The id numbered `n`, if `n` is one (not 0).
    pub(crate) fn from_u64(n: u64) -> Option<Id> {
        NonZeroU64::new(n).map(Id)
    }

    /// The id as a number.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Runtime::new().unwrap();
    /// let handle = rt.spawn(async {});
    /// assert!(handle.id().as_u64() > 0);
    /// ```
    pub fn as_u64(&self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Id;

    #[test]
    fn ids_are_unique_and_increasing_on_one_thread() {
        let first = Id::next();
        let second = Id::next();
        assert!(second > first);
        assert_eq!(Id::from_u64(first.as_u64()), Some(first));
        assert_eq!(Id::from_u64(0), None);
        assert_eq!(format!("{first:?}"), format!("Id({first})"));
    }
}
