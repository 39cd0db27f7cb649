//! `gather!` and `try_gather!`: gather futures of different types into a tuple.

/// Runs futures of different types as parallel tasks and resolves to the
/// tuple of their outputs, in argument order (up to 12 futures). Otherwise
/// it behaves as [`gather`](crate::gather()).
///
/// # Examples
///
/// ```
/// #[braid::main]
/// async fn main() {
///     let (id, name, score) = braid::gather!(async { 7_u32 }, async { "ada" }, async { 9.5 }).await;
///     assert_eq!((id, name, score), (7, "ada", 9.5));
/// }
/// ```
#[macro_export]
macro_rules! gather {
    ($($future:expr),+ $(,)?) => {
        $crate::__private::gather_tuple(($($future,)+))
    };
}

/// Runs fallible futures of different `Ok` types (one error type) as parallel
/// tasks and resolves to the tuple of their `Ok` values, or to the first
/// error, as [`try_gather`](crate::try_gather()) does (up to 12 futures).
///
/// # Examples
///
/// ```
/// #[braid::main]
/// async fn main() {
///     use braid::GatherError;
///
///     let ok = braid::try_gather!(async { Ok::<_, String>(1) }, async { Ok("one") }).await;
///     assert_eq!(ok, Ok((1, "one")));
///
///     let failed = braid::try_gather!(async { Ok(1) }, async { Err::<(), _>("no") }).await;
///     assert_eq!(failed, Err(GatherError::Failed { index: 1, error: "no" }));
/// }
/// ```
#[macro_export]
macro_rules! try_gather {
    ($($future:expr),+ $(,)?) => {
        $crate::__private::try_gather_tuple(($($future,)+))
    };
}
