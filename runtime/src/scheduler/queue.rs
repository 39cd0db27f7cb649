//! The run queues: each worker's deque, the shared injector, and the
//! stealers, behind one interface.
//!
//! Outside loom these are crossbeam's Chase–Lev deques (Chase & Lev,
//! "Dynamic Circular Work-Stealing Deque", SPAA 2005; with the memory
//! orderings of Lê et al., PPoPP 2013). Loom cannot see inside crossbeam, so
//! under `cfg(loom)` they are replaced by a locked `VecDeque` with the same
//! interface: the scheduler's own protocol (idle accounting, parking,
//! notification) is what the models check, and it is unchanged.

#[cfg(not(loom))]
pub(crate) use crossbeam_deque::{Injector, Steal, Stealer, Worker as Local};

#[cfg(loom)]
pub(crate) use model::{Injector, Local, Steal, Stealer};

#[cfg(loom)]
mod model {
    use std::collections::VecDeque;

    use crate::sync::{Arc, Mutex};

    /// The outcome of a steal, as crossbeam reports it.
    pub(crate) enum Steal<T> {
        Empty,
        Success(T),
        #[allow(dead_code, reason = "the locked queue never asks for a retry")]
        Retry,
    }

    impl<T> Steal<T> {
        pub(crate) fn success(self) -> Option<T> {
            match self {
                Steal::Success(value) => Some(value),
                _ => None,
            }
        }

        pub(crate) fn is_retry(&self) -> bool {
            matches!(self, Steal::Retry)
        }
    }

    pub(crate) struct Local<T> {
        queue: Arc<Mutex<VecDeque<T>>>,
    }

    pub(crate) struct Stealer<T> {
        queue: Arc<Mutex<VecDeque<T>>>,
    }

    impl<T> Local<T> {
        pub(crate) fn new_fifo() -> Local<T> {
            Local {
                queue: Arc::new(Mutex::new(VecDeque::new())),
            }
        }

        pub(crate) fn stealer(&self) -> Stealer<T> {
            Stealer {
                queue: self.queue.clone(),
            }
        }

        pub(crate) fn push(&self, value: T) {
            self.queue.lock().push_back(value);
        }

        pub(crate) fn pop(&self) -> Option<T> {
            self.queue.lock().pop_front()
        }

        pub(crate) fn len(&self) -> usize {
            self.queue.lock().len()
        }
    }

    impl<T> Stealer<T> {
        pub(crate) fn steal(&self) -> Steal<T> {
            match self.queue.lock().pop_front() {
                Some(value) => Steal::Success(value),
                None => Steal::Empty,
            }
        }

        pub(crate) fn steal_batch_and_pop(&self, dest: &Local<T>) -> Steal<T> {
            let mut src = self.queue.lock();
            let Some(first) = src.pop_front() else {
                return Steal::Empty;
            };
            let half = src.len() / 2;
            let mut dst = dest.queue.lock();
            dst.extend(src.drain(..half));
            Steal::Success(first)
        }

        pub(crate) fn is_empty(&self) -> bool {
            self.queue.lock().is_empty()
        }

        pub(crate) fn len(&self) -> usize {
            self.queue.lock().len()
        }
    }

    pub(crate) struct Injector<T> {
        queue: Mutex<VecDeque<T>>,
    }

    impl<T> Injector<T> {
        pub(crate) fn new() -> Injector<T> {
            Injector {
                queue: Mutex::new(VecDeque::new()),
            }
        }

        pub(crate) fn push(&self, value: T) {
            self.queue.lock().push_back(value);
        }

        pub(crate) fn steal(&self) -> Steal<T> {
            match self.queue.lock().pop_front() {
                Some(value) => Steal::Success(value),
                None => Steal::Empty,
            }
        }

        pub(crate) fn steal_batch_and_pop(&self, dest: &Local<T>) -> Steal<T> {
            let mut src = self.queue.lock();
            let Some(first) = src.pop_front() else {
                return Steal::Empty;
            };
            let take = src.len().min(16);
            dest.queue.lock().extend(src.drain(..take));
            Steal::Success(first)
        }

        pub(crate) fn is_empty(&self) -> bool {
            self.queue.lock().is_empty()
        }

        pub(crate) fn len(&self) -> usize {
            self.queue.lock().len()
        }
    }
}
