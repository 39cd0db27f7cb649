//! The `#[braid::main]` and `#[braid::test]` attributes: run an `async fn`
//! on a braid runtime. Use them through the `braid` crate, which re-exports
//! them.
//!
//! Mistakes are compile errors that name them:
//!
//! ```compile_fail
//! #[braid::main]
//! fn main() {} // the `async` keyword is missing
//! ```
//!
//! ```compile_fail
//! #[braid::main(flavor = "single")] // unknown flavor
//! async fn main() {}
//! ```
//!
//! ```compile_fail
//! #[braid::main(flavor = "current_thread", worker_threads = 2)] // one thread only
//! async fn main() {}
//! ```
//!
//! ```compile_fail
//! #[braid::main(worker_threads = 0)] // at least one worker
//! async fn main() {}
//! ```
//!
//! ```compile_fail
//! #[braid::test(threads = 2)] // unknown option
//! async fn case() {}
//! # fn main() {}
//! ```
//!
//! ```compile_fail
//! #[braid::main(flavor = "current_thread", flavor = "multi_thread")] // set twice
//! async fn main() {}
//! ```
//!
//! ```compile_fail
//! #[braid::test]
//! #[test] // a second test attribute: the test would run twice
//! async fn case() {}
//! # fn main() {}
//! ```

mod entry;

use proc_macro::TokenStream;

/// Runs an `async fn` on a braid runtime: usually `main`, but any
/// `async fn` works, with arguments and a return value; each call builds a
/// fresh runtime, runs the body on it with `block_on`, and drops it.
///
/// Options: `flavor = "multi_thread"` (the default) or `"current_thread"`,
/// `worker_threads = N`, `start_paused = true` (paused test clock), and
/// `crate = "path"` for a crate that re-exports braid under another path.
///
/// # Examples
///
/// ```
/// #[braid::main(worker_threads = 2)]
/// async fn main() {
///     let answer = braid::spawn(async { 42 }).await.unwrap();
///     assert_eq!(answer, 42);
/// }
/// ```
///
/// Not only `main`: the attribute turns any `async fn` into a synchronous
/// function that runs its body on a runtime of its own. Call it from
/// synchronous code; inside a runtime it panics, as any `block_on` does.
///
/// ```
/// #[braid::main(flavor = "current_thread")]
/// async fn double(n: u32) -> u32 {
///     braid::spawn(async move { n * 2 }).await.unwrap()
/// }
///
/// fn main() {
///     assert_eq!(double(21), 42);
/// }
/// ```
///
/// A crate that re-exports braid names the path to it:
///
/// ```
/// mod my_framework {
///     pub use braid as rt;
/// }
///
/// #[braid::main(crate = "my_framework::rt")]
/// async fn main() {
///     assert_eq!(my_framework::rt::spawn(async { 1 }).await.unwrap(), 1);
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(args.into(), item.into(), entry::Kind::Main).into()
}

/// Runs an `async fn` test on a fresh braid runtime (current-thread by
/// default, so each test is deterministic and cheap).
///
/// Options as for [`macro@main`]: `flavor`, `worker_threads`, `start_paused`.
///
/// # Examples
///
/// ```
/// #[braid::test(start_paused = true)]
/// async fn sleeps_without_waiting() {
///     braid::time::sleep(std::time::Duration::from_secs(60)).await;
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(args.into(), item.into(), entry::Kind::Test).into()
}
