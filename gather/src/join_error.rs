//! Why a task produced no value: it was cancelled, or it panicked.

use std::any::Any;
use std::fmt;

/// A task (or a gather child) ended without producing its value.
///
/// Returned by awaiting a `JoinHandle`, and by `gather_settled` for each child
/// that panicked or was cancelled.
///
/// Only a runtime makes one (braid's, or another hosting braid's tasks
/// through [`host`](crate::host)); a program receives them.
///
/// # Examples
///
/// ```
/// braid::Runtime::new().unwrap().block_on(async {
///     let task = braid::spawn(std::future::pending::<()>());
///     task.abort();
///     let err: braid::JoinError = task.await.unwrap_err();
///     assert!(err.is_cancelled());
///     assert!(!err.is_panic());
///     assert_eq!(err.to_string(), "task was cancelled");
/// });
/// ```
pub struct JoinError {
    repr: Repr,
}

/// One pointer wide: a `Result<T, JoinError>` sits in every task until its
/// output is read, so a panic's parts live behind a box of their own rather
/// than widening every task (a panic is rare; a task is not).
enum Repr {
    Cancelled,
    Panic(Box<Panicked>),
}

/// What a panicked task leaves behind.
struct Panicked {
    payload: Payload,
    /// The payload's text when it is a string: read once, at construction,
    /// so `&JoinError` never touches the payload.
    message: Option<String>,
}

/// A panic payload that is only ever moved, never borrowed.
struct Payload(Box<dyn Any + Send + 'static>);

// SAFETY: `Sync` allows shared access from several threads; no method of
// `JoinError` hands out or uses a `&Payload` (the message is copied out at
// construction and the payload leaves only by value), so sharing a
// `&JoinError` never shares the `!Sync` payload.
unsafe impl Sync for Payload {}

impl JoinError {
    /// The error of a task that was cancelled (aborted, or shut down with its
    /// runtime) before it finished.
    pub(crate) fn cancelled() -> JoinError {
        JoinError {
            repr: Repr::Cancelled,
        }
    }

    /// The error of a task whose future panicked; `payload` is what
    /// `std::panic::catch_unwind` caught.
    pub(crate) fn panic(payload: Box<dyn Any + Send + 'static>) -> JoinError {
        let message = panic_message(payload.as_ref()).map(str::to_owned);
        JoinError {
            repr: Repr::Panic(Box::new(Panicked {
                payload: Payload(payload),
                message,
            })),
        }
    }

    /// Whether the task was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let err = braid::spawn(async { panic!("boom") }).await.unwrap_err();
    ///     assert!(!err.is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// Whether the task panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let err = braid::spawn(async { panic!("boom") }).await.unwrap_err();
    ///     assert!(err.is_panic());
    ///     assert_eq!(err.to_string(), "task panicked with message \"boom\"");
    /// });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(..))
    }

    /// The panic payload, to hand to `std::panic::resume_unwind`.
    ///
    /// # Panics
    ///
    /// Panics if the task was cancelled rather than panicking; use
    /// [`try_into_panic`](Self::try_into_panic) to ask first.
    ///
    /// # Examples
    ///
    /// ```
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let err = braid::spawn(async { std::panic::panic_any(7_u32) })
    ///         .await
    ///         .unwrap_err();
    ///     assert_eq!(*err.into_panic().downcast::<u32>().unwrap(), 7);
    /// });
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("`JoinError::into_panic` called on a cancelled task's error, not a panic")
    }

    /// The panic payload, or the error itself back if the task was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// braid::Runtime::new().unwrap().block_on(async {
    ///     let task = braid::spawn(std::future::pending::<()>());
    ///     task.abort();
    ///     let err = task.await.unwrap_err();
    ///     assert!(err.try_into_panic().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(panicked) => Ok(panicked.payload.0),
            Repr::Cancelled => Err(self),
        }
    }
}

/// The text of a panic payload when it is a string, as `panic!` makes it.
fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("task was cancelled"),
            Repr::Panic(panicked) => match &panicked.message {
                Some(msg) => write!(f, "task panicked with message {msg:?}"),
                None => f.write_str("task panicked"),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("JoinError::Cancelled"),
            Repr::Panic(panicked) => match &panicked.message {
                Some(msg) => write!(f, "JoinError::Panic({msg:?})"),
                None => f.write_str("JoinError::Panic(..)"),
            },
        }
    }
}

impl std::error::Error for JoinError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_panic_message() {
        let err = JoinError::panic(Box::new(String::from("bad input")));
        assert_eq!(err.to_string(), "task panicked with message \"bad input\"");
        assert_eq!(format!("{err:?}"), "JoinError::Panic(\"bad input\")");
        let opaque = JoinError::panic(Box::new(3_u8));
        assert_eq!(opaque.to_string(), "task panicked");
    }

    #[test]
    fn converts_into_boxed_send_sync_errors() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<JoinError>();
        let boxed: Box<dyn std::error::Error + Send + Sync> = JoinError::cancelled().into();
        assert_eq!(boxed.to_string(), "task was cancelled");
        let io = std::io::Error::other(JoinError::panic(Box::new("p")));
        assert_eq!(io.to_string(), "task panicked with message \"p\"");
    }

    #[test]
    fn is_one_pointer_wide() {
        // Every task holds a `Result<Output, JoinError>` once it finishes;
        // a wider error widens every task with a small future.
        assert_eq!(size_of::<JoinError>(), size_of::<usize>());
        assert!(size_of::<Result<(), JoinError>>() <= 2 * size_of::<usize>());
    }

    #[test]
    #[should_panic(expected = "called on a cancelled task's error")]
    fn into_panic_of_cancelled_names_the_mistake() {
        let _ = JoinError::cancelled().into_panic();
    }
}
