//! The run queues: each worker's deque, the shared injector, and the
//! stealers, behind one interface.
//!
//! Outside loom these are crossbeam's: Chase–Lev deques (Chase & Lev,
//! "Dynamic Circular Work-Stealing Deque", SPAA 2005; with the memory
//! orderings of Lê et al., PPoPP 2013) and a lock-free injector. Loom
//! cannot see inside crossbeam (its atomics are std's), so under
//! `cfg(loom)` each queue is a small fixed ring on loom's atomics with
//! crossbeam's orderings, and no lock: a push that a sleeper's last look
//! must see is ordered only by what crossbeam promises, so the fences of
//! the idle rules (`idle.rs`) that pair with it are what the models check.

#[cfg(not(loom))]
pub(crate) use crossbeam_deque::{Injector, Steal, Stealer, Worker as Local};

#[cfg(loom)]
pub(crate) use model::{Injector, Local, Steal, Stealer};

#[cfg(loom)]
mod model {
    //! The loom stand-ins, with crossbeam 0.8's orderings.
    //!
    //! The deque (one per worker, FIFO, as `Worker::new_fifo`): the owner
    //! writes the slot at `back`, then publishes it with a `Release` store
    //! of `back + 1`. A taker (the owner's `pop` or a stealer) reads
    //! `front` with `Acquire`, then, after a `SeqCst` fence, `back` with
    //! `Acquire`; an empty range is an empty queue. It claims the slot by
    //! moving `front` on (`SeqCst` compare-exchange) and only then reads
    //! it; a stealer that loses the race reports `Retry`.
    //!
    //! The injector (any thread pushes): a push claims position `tail`
    //! (`SeqCst` compare-exchange), writes the slot, then sets the slot's
    //! `written` flag with `Release`. A steal reads `head` with `Acquire`,
    //! fences (`SeqCst`), reads `tail`, claims `head` (`SeqCst`) and waits
    //! for `written`, as crossbeam's does. `is_empty` compares the two
    //! indices with `SeqCst` loads.
    //!
    //! Both rings are fixed: a push that finds half the ring in use panics
    //! (models queue a handful of tasks), which also keeps a slot from being
    //! written again before its taker has read it.

    use std::mem::MaybeUninit;

    use crate::sync::{Arc, AtomicBool, AtomicUsize, Ordering, UnsafeCell, fence, thread};

    const CAPACITY: usize = 16;

    /// The outcome of a steal, as crossbeam reports it.
    pub(crate) enum Steal<T> {
        Empty,
        Success(T),
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

    /// Crossbeam's claim of the oldest entry, for both rings: read `head`
    /// (`Acquire`), fence (`SeqCst`), read `tail` with `tail_order`, and
    /// move `head` on with a `SeqCst` exchange. The position claimed, or
    /// `Empty`, or `Retry` when another taker moved `head` first.
    fn claim<T>(
        head: &AtomicUsize,
        tail: &AtomicUsize,
        tail_order: Ordering,
    ) -> Result<usize, Steal<T>> {
        let position = head.load(Ordering::Acquire);
        fence(Ordering::SeqCst);
        if tail.load(tail_order) <= position {
            return Err(Steal::Empty);
        }
        // A failed exchange reads `Relaxed`, as crossbeam's deque does (its
        // injector reads `Acquire`): the weaker of the two, so the models
        // see no ordering the real queues lack.
        match head.compare_exchange(position, position + 1, Ordering::SeqCst, Ordering::Relaxed) {
            Ok(_) => Ok(position),
            Err(_) => Err(Steal::Retry),
        }
    }

    fn check_room(tail: usize, head: usize) {
        assert!(
            tail - head < CAPACITY / 2,
            "a loom run queue holds at most {} tasks: a model queued more",
            CAPACITY / 2
        );
    }

    struct Cells<T>(Box<[UnsafeCell<MaybeUninit<T>>]>);

    impl<T> Cells<T> {
        fn new() -> Cells<T> {
            Cells(
                (0..CAPACITY)
                    .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
                    .collect(),
            )
        }

        /// # Safety
        /// The caller has claimed `position` for writing and nobody reads
        /// its slot until the write is published.
        unsafe fn write(&self, position: usize, value: T) {
            // SAFETY: the caller owns the slot (see above).
            self.0[position % CAPACITY].with_mut(|cell| unsafe { (*cell).write(value) });
        }

        /// # Safety
        /// The caller has claimed `position` for reading after its write
        /// was published, and reads it once.
        unsafe fn read(&self, position: usize) -> T {
            // SAFETY: the slot holds a published value that only this
            // caller takes (see above).
            self.0[position % CAPACITY].with(|cell| unsafe { (*cell).assume_init_read() })
        }
    }

    struct Deque<T> {
        front: AtomicUsize,
        back: AtomicUsize,
        cells: Cells<T>,
    }

    // SAFETY: a slot is written by the owner before the `Release` store of
    // `back` that publishes it, and read once by the taker that claimed it
    // after an `Acquire` load of that store, so tasks move between threads
    // as `Send` values do.
    unsafe impl<T: Send> Send for Deque<T> {}
    // SAFETY: as for `Send`.
    unsafe impl<T: Send> Sync for Deque<T> {}

    impl<T> Deque<T> {
        fn take(&self) -> Steal<T> {
            let front = match claim(&self.front, &self.back, Ordering::Acquire) {
                Ok(front) => front,
                Err(other) => return other,
            };
            // SAFETY: `back` past `front`, read with `Acquire`, says the
            // slot is published; the exchange made this taker its reader.
            Steal::Success(unsafe { self.cells.read(front) })
        }

        fn len(&self) -> usize {
            let back = self.back.load(Ordering::Acquire);
            back.saturating_sub(self.front.load(Ordering::Acquire))
        }
    }

    impl<T> Drop for Deque<T> {
        fn drop(&mut self) {
            while let Steal::Success(task) = self.take() {
                drop(task);
            }
        }
    }

    pub(crate) struct Local<T> {
        deque: Arc<Deque<T>>,
    }

    pub(crate) struct Stealer<T> {
        deque: Arc<Deque<T>>,
    }

    impl<T> Local<T> {
        pub(crate) fn new_fifo() -> Local<T> {
            Local {
                deque: Arc::new(Deque {
                    front: AtomicUsize::new(0),
                    back: AtomicUsize::new(0),
                    cells: Cells::new(),
                }),
            }
        }

        pub(crate) fn stealer(&self) -> Stealer<T> {
            Stealer {
                deque: self.deque.clone(),
            }
        }

        pub(crate) fn push(&self, value: T) {
            let deque = &*self.deque;
            // Only the owner stores `back`.
            let back = deque.back.load(Ordering::Relaxed);
            check_room(back, deque.front.load(Ordering::Acquire));
            // SAFETY: slots from `back` on are unpublished, and only the
            // owner writes them.
            unsafe { deque.cells.write(back, value) };
            deque.back.store(back + 1, Ordering::Release);
        }

        pub(crate) fn pop(&self) -> Option<T> {
            loop {
                match self.deque.take() {
                    Steal::Success(value) => return Some(value),
                    Steal::Empty => return None,
                    Steal::Retry => {}
                }
            }
        }

        pub(crate) fn len(&self) -> usize {
            self.deque.len()
        }
    }

    /// Takes one task for the caller and moves up to `more` others into
    /// `dest`, one at a time (crossbeam moves a batch at once; a model sees
    /// the same tasks end up in the same places).
    fn steal_into<T>(take: impl Fn() -> Steal<T>, dest: &Local<T>, more: usize) -> Steal<T> {
        let first = match take() {
            Steal::Success(value) => value,
            other => return other,
        };
        for _ in 0..more {
            match take() {
                Steal::Success(value) => dest.push(value),
                _ => break,
            }
        }
        Steal::Success(first)
    }

    impl<T> Stealer<T> {
        pub(crate) fn steal(&self) -> Steal<T> {
            self.deque.take()
        }

        pub(crate) fn steal_batch_and_pop(&self, dest: &Local<T>) -> Steal<T> {
            let half = self.deque.len().saturating_sub(1) / 2;
            steal_into(|| self.deque.take(), dest, half)
        }

        pub(crate) fn is_empty(&self) -> bool {
            self.deque.len() == 0
        }

        pub(crate) fn len(&self) -> usize {
            self.deque.len()
        }
    }

    pub(crate) struct Injector<T> {
        head: AtomicUsize,
        tail: AtomicUsize,
        written: Box<[AtomicBool]>,
        cells: Cells<T>,
    }

    // SAFETY: a slot is written by the push that claimed its position
    // before the `Release` store of its `written` flag, and read once by
    // the steal that claimed it after an `Acquire` load of that flag.
    unsafe impl<T: Send> Send for Injector<T> {}
    // SAFETY: as for `Send`.
    unsafe impl<T: Send> Sync for Injector<T> {}

    impl<T> Injector<T> {
        pub(crate) fn new() -> Injector<T> {
            Injector {
                head: AtomicUsize::new(0),
                tail: AtomicUsize::new(0),
                written: (0..CAPACITY).map(|_| AtomicBool::new(false)).collect(),
                cells: Cells::new(),
            }
        }

        pub(crate) fn push(&self, value: T) {
            let mut tail = self.tail.load(Ordering::Acquire);
            loop {
                check_room(tail, self.head.load(Ordering::Acquire));
                match self.tail.compare_exchange(
                    tail,
                    tail + 1,
                    Ordering::SeqCst,
                    Ordering::Acquire,
                ) {
                    Ok(_) => break,
                    Err(current) => tail = current,
                }
            }
            // SAFETY: claiming `tail` makes this push the slot's only
            // writer, and no steal reads it before `written` is set.
            unsafe { self.cells.write(tail, value) };
            self.written[tail % CAPACITY].store(true, Ordering::Release);
        }

        pub(crate) fn steal(&self) -> Steal<T> {
            let head = match claim(&self.head, &self.tail, Ordering::Relaxed) {
                Ok(head) => head,
                Err(other) => return other,
            };
            let written = &self.written[head % CAPACITY];
            while !written.load(Ordering::Acquire) {
                thread::yield_now();
            }
            // SAFETY: `written`, read with `Acquire`, says the push of
            // `head` wrote the slot; the exchange made this steal its reader.
            let value = unsafe { self.cells.read(head) };
            written.store(false, Ordering::Relaxed);
            Steal::Success(value)
        }

        pub(crate) fn steal_batch_and_pop(&self, dest: &Local<T>) -> Steal<T> {
            let more = self.len().saturating_sub(1).min(16);
            steal_into(|| self.steal(), dest, more)
        }

        pub(crate) fn is_empty(&self) -> bool {
            self.len() == 0
        }

        pub(crate) fn len(&self) -> usize {
            let head = self.head.load(Ordering::SeqCst);
            self.tail.load(Ordering::SeqCst).saturating_sub(head)
        }
    }

    impl<T> Drop for Injector<T> {
        fn drop(&mut self) {
            while let Steal::Success(task) = self.steal() {
                drop(task);
            }
        }
    }
}
