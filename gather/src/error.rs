//! `GatherError`: why a `try_gather` produced no results.

use std::error::Error;
use std::fmt;

/// Why a [`try_gather`](crate::try_gather()) returned no results.
///
/// # Examples
///
/// ```
/// use braid::GatherError;
///
/// let err: GatherError<&str> = GatherError::Failed { index: 2, error: "timed out" };
/// assert_eq!(err.to_string(), "gather child 2 failed: timed out");
/// assert_eq!(GatherError::<&str>::Cancelled.to_string(), "gather was cancelled");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GatherError<E> {
    /// The first child to fail, by its position in the input, and its error.
    /// Its siblings were cancelled and had all stopped when this was returned.
    Failed {
        /// The failing child's position in the input.
        index: usize,
        /// The error it returned.
        error: E,
    },
    /// The gather's token was cancelled before every child had finished.
    Cancelled,
}

impl<E> GatherError<E> {
    /// The failing child's error, if a child failed.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::GatherError;
    ///
    /// assert_eq!(GatherError::Failed { index: 0, error: 5 }.into_error(), Some(5));
    /// assert_eq!(GatherError::<i32>::Cancelled.into_error(), None);
    /// ```
    pub fn into_error(self) -> Option<E> {
        match self {
            GatherError::Failed { error, .. } => Some(error),
            GatherError::Cancelled => None,
        }
    }

    /// Whether the gather was cancelled rather than failed.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(braid::GatherError::<()>::Cancelled.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, GatherError::Cancelled)
    }
}

impl<E: fmt::Display> fmt::Display for GatherError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GatherError::Failed { index, error } => {
                write!(f, "gather child {index} failed: {error}")
            }
            GatherError::Cancelled => f.write_str("gather was cancelled"),
        }
    }
}

impl<E: Error + 'static> Error for GatherError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            GatherError::Failed { error, .. } => Some(error),
            GatherError::Cancelled => None,
        }
    }
}
