//! Support for the `gather!` and `try_gather!` macros; not a public API:
//! only the macros' expansions name it.
//!
//! A tuple of futures of different types is erased into a `Vec` of boxed
//! futures of `Box<dyn Any>`, gathered like any other group, and restored
//! into a tuple by downcasting each output to the type it was erased from.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::{Gather, GatherError, TryGather, gather, try_gather};

/// A child's output with its type erased.
pub type Erased = Box<dyn Any + Send>;

/// A child future with its output type erased.
pub type ErasedFuture = Pin<Box<dyn Future<Output = Erased> + Send>>;

/// A fallible child future with its `Ok` type erased.
pub type TryErasedFuture<E> = Pin<Box<dyn Future<Output = Result<Erased, E>> + Send>>;

/// A tuple of futures that `gather!` can run.
pub trait FutureTuple {
    /// The tuple of their outputs.
    type Output;
    /// The futures, in order, with their outputs erased.
    fn erase(self) -> Vec<ErasedFuture>;
    /// The outputs of [`erase`](Self::erase)'s futures, in order, as a tuple.
    fn restore(outputs: Vec<Erased>) -> Self::Output;
}

/// A tuple of fallible futures with one error type that `try_gather!` can run.
pub trait TryFutureTuple<E> {
    /// The tuple of their `Ok` values.
    type Output;
    /// The futures, in order, with their `Ok` values erased.
    fn erase(self) -> Vec<TryErasedFuture<E>>;
    /// The `Ok` values of [`erase`](Self::erase)'s futures, in order.
    fn restore(outputs: Vec<Erased>) -> Self::Output;
}

/// What `gather!` expands to.
pub fn gather_tuple<T: FutureTuple>(futures: T) -> GatherTuple<T> {
    GatherTuple {
        inner: gather(futures.erase()),
        _tuple: PhantomData,
    }
}

/// What `try_gather!` expands to.
pub fn try_gather_tuple<E, T>(futures: T) -> TryGatherTuple<E, T>
where
    E: Send + 'static,
    T: TryFutureTuple<E>,
{
    TryGatherTuple {
        inner: try_gather(futures.erase()),
        _tuple: PhantomData,
    }
}

// The two futures below are named types rather than `async fn`s: an
// `async fn` over `T::Output` makes the compiler prove `Send` for the
// projection under every lifetime, which fails for outputs such as
// `&'static str`. Here `Send` follows from the erased inner group alone
// (`fn() -> T` is `Send` whatever `T` is).

/// The future of `gather!`: resolves to the tuple of outputs.
#[must_use = "futures do nothing unless awaited"]
pub struct GatherTuple<T> {
    inner: Gather<Erased>,
    _tuple: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for GatherTuple<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatherTuple").finish_non_exhaustive()
    }
}

impl<T: FutureTuple> Future for GatherTuple<T> {
    type Output = T::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T::Output> {
        Pin::new(&mut self.get_mut().inner).poll(cx).map(T::restore)
    }
}

/// The future of `try_gather!`: resolves to the tuple of `Ok` values or the
/// first error.
#[must_use = "futures do nothing unless awaited"]
pub struct TryGatherTuple<E, T> {
    inner: TryGather<Erased, E>,
    _tuple: PhantomData<fn() -> T>,
}

impl<E, T> fmt::Debug for TryGatherTuple<E, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryGatherTuple").finish_non_exhaustive()
    }
}

impl<E: Send + 'static, T: TryFutureTuple<E>> Future for TryGatherTuple<E, T> {
    type Output = Result<T::Output, GatherError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.get_mut().inner)
            .poll(cx)
            .map(|result| result.map(T::restore))
    }
}

/// Moves the next output out of `outputs` as a `T`.
fn restore_one<T: 'static>(outputs: &mut std::vec::IntoIter<Erased>) -> T {
    let output = outputs.next().expect("one output per gathered future");
    *output
        .downcast::<T>()
        .expect("outputs come back in the order of their futures")
}

macro_rules! tuple_impls {
    ($( ($($future:ident $ok:ident),+) )+) => {$(
        impl<$($future),+> FutureTuple for ($($future,)+)
        where
            $($future: Future + Send + 'static, $future::Output: Send + 'static,)+
        {
            type Output = ($($future::Output,)+);

            #[allow(non_snake_case, reason = "the futures are named for their types")]
            fn erase(self) -> Vec<ErasedFuture> {
                let ($($future,)+) = self;
                vec![$(Box::pin(async move { Box::new($future.await) as Erased }) as ErasedFuture),+]
            }

            fn restore(outputs: Vec<Erased>) -> Self::Output {
                let mut outputs = outputs.into_iter();
                ($(restore_one::<$future::Output>(&mut outputs),)+)
            }
        }

        impl<Error, $($future, $ok),+> TryFutureTuple<Error> for ($($future,)+)
        where
            Error: Send + 'static,
            $($future: Future<Output = Result<$ok, Error>> + Send + 'static, $ok: Send + 'static,)+
        {
            type Output = ($($ok,)+);

            #[allow(non_snake_case, reason = "the futures are named for their types")]
            fn erase(self) -> Vec<TryErasedFuture<Error>> {
                let ($($future,)+) = self;
                vec![$(Box::pin(async move {
                    $future.await.map(|ok| Box::new(ok) as Erased)
                }) as TryErasedFuture<Error>),+]
            }

            fn restore(outputs: Vec<Erased>) -> Self::Output {
                let mut outputs = outputs.into_iter();
                ($(restore_one::<$ok>(&mut outputs),)+)
            }
        }
    )+};
}

tuple_impls! {
    (A0 T0)
    (A0 T0, A1 T1)
    (A0 T0, A1 T1, A2 T2)
    (A0 T0, A1 T1, A2 T2, A3 T3)
    (A0 T0, A1 T1, A2 T2, A3 T3, A4 T4)
    (A0 T0, A1 T1, A2 T2, A3 T3, A4 T4, A5 T5)
    (A0 T0, A1 T1, A2 T2, A3 T3, A4 T4, A5 T5, A6 T6)
    (A0 T0, A1 T1, A2 T2, A3 T3, A4 T4, A5 T5, A6 T6, A7 T7)
    (A0 T0, A1 T1, A2 T2, A3 T3, A4 T4, A5 T5, A6 T6, A7 T7, A8 T8)
    (A0 T0, A1 T1, A2 T2, A3 T3, A4 T4, A5 T5, A6 T6, A7 T7, A8 T8, A9 T9)
    (A0 T0, A1 T1, A2 T2, A3 T3, A4 T4, A5 T5, A6 T6, A7 T7, A8 T8, A9 T9, A10 T10)
    (A0 T0, A1 T1, A2 T2, A3 T3, A4 T4, A5 T5, A6 T6, A7 T7, A8 T8, A9 T9, A10 T10, A11 T11)
}
