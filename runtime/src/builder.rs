//! `Builder`: configure and start a runtime.

use std::fmt;
use std::io;

use crate::blocking::{BlockingPool, KEEP_ALIVE};
use crate::context;
use crate::handle::Handle;
use crate::runtime::Runtime;
use crate::scheduler::{CurrentThread, DriverCell, MultiThread, Scheduler, run_worker};
use crate::sync::{Arc, os_thread};

/// Configures a runtime. Setters take `&mut self` and chain.
///
/// # Examples
///
/// ```
/// let rt = braid::Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("app-worker")
///     .max_blocking_threads(16)
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 2 + 2 }), 4);
/// ```
pub struct Builder {
    flavor: Flavor,
    worker_threads: Option<usize>,
    thread_name: String,
    max_blocking_threads: usize,
    start_paused: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    MultiThread,
    CurrentThread,
}

impl Builder {
    /// A work-stealing runtime with several worker threads.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_multi_thread().build().unwrap();
    /// rt.block_on(async {});
    /// ```
    pub fn new_multi_thread() -> Builder {
        Builder::new(Flavor::MultiThread)
    }

    /// A runtime that runs every task on the thread inside `block_on`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_current_thread().build().unwrap();
    /// let here = std::thread::current().id();
    /// let there = rt.block_on(async {
    ///     braid::spawn(async { std::thread::current().id() }).await.unwrap()
    /// });
    /// assert_eq!(here, there);
    /// ```
    pub fn new_current_thread() -> Builder {
        Builder::new(Flavor::CurrentThread)
    }

    fn new(flavor: Flavor) -> Builder {
        Builder {
            flavor,
            worker_threads: None,
            thread_name: "braid-worker".to_owned(),
            max_blocking_threads: 512,
            start_paused: false,
        }
    }

    /// Worker threads of a multi-thread runtime (default: available cores).
    /// Zero is refused by [`build`](Builder::build).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_multi_thread().worker_threads(3).build().unwrap();
    /// rt.block_on(async {});
    /// ```
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        self.worker_threads = Some(n);
        self
    }

    /// The name of the runtime's threads (workers and blocking pool).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_multi_thread().thread_name("io").build().unwrap();
    /// let name = rt.block_on(async {
    ///     braid::spawn(async { std::thread::current().name().map(str::to_owned) }).await.unwrap()
    /// });
    /// assert_eq!(name.as_deref(), Some("io"));
    /// ```
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        self.thread_name = name.into();
        self
    }

    /// The most threads the blocking pool starts (default 512). Zero is
    /// refused by [`build`](Builder::build).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_multi_thread().max_blocking_threads(1).build().unwrap();
    /// assert_eq!(rt.block_on(braid_blocking_doc()), 1);
    /// # async fn braid_blocking_doc() -> i32 { braid::spawn_blocking(|| 1).await.unwrap() }
    /// ```
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Builder {
        self.max_blocking_threads = n;
        self
    }

    /// Starts the runtime's clock paused, for tests: time stands still
    /// except through `braid::time::advance`, and jumps to the next timer
    /// whenever every worker is idle.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_current_thread().start_paused(true).build().unwrap();
    /// rt.block_on(async {});
    /// ```
    pub fn start_paused(&mut self, paused: bool) -> &mut Builder {
        self.start_paused = paused;
        self
    }

    /// Starts the runtime.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for zero worker or blocking threads; any error of
    /// creating the I/O driver or starting a thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = braid::Builder::new_multi_thread().worker_threads(0).build().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// ```
    pub fn build(&mut self) -> io::Result<Runtime> {
        if self.max_blocking_threads == 0 {
            return Err(invalid("max_blocking_threads must be at least 1, got 0"));
        }
        let blocking = BlockingPool::new(
            self.max_blocking_threads,
            self.thread_name.clone(),
            KEEP_ALIVE,
        );
        let driver = Some(Arc::new(DriverCell::new(
            self.start_paused,
            blocking.driver_spawner(),
        )?));
        match self.flavor {
            Flavor::CurrentThread => {
                let shared = CurrentThread::new(driver, blocking.clone());
                let handle = Handle::new(Scheduler::CurrentThread(shared));
                blocking.set_handle(handle.clone());
                Ok(Runtime::from_parts(handle, Vec::new()))
            }
            Flavor::MultiThread => {
                let workers = match self.worker_threads {
                    Some(0) => return Err(invalid("worker_threads must be at least 1, got 0")),
                    Some(n) => n,
                    None => os_thread::available_parallelism().map_or(1, usize::from),
                };
                let (shared, cores) = MultiThread::new(workers, driver, blocking.clone());
                let handle = Handle::new(Scheduler::MultiThread(shared.clone()));
                blocking.set_handle(handle.clone());
                let mut threads = Vec::with_capacity(workers);
                for core in cores {
                    let shared = shared.clone();
                    let thread_handle = handle.clone();
                    let started = os_thread::Builder::new()
                        .name(self.thread_name.clone())
                        .spawn(move || {
                            let _driving = context::enter_driving(&thread_handle, "worker");
                            run_worker(shared, core);
                        });
                    match started {
                        Ok(thread) => threads.push(thread),
                        Err(error) => {
                            // Stop the ones already running, then report.
                            drop(Runtime::from_parts(handle, threads));
                            return Err(error);
                        }
                    }
                }
                Ok(Runtime::from_parts(handle, threads))
            }
        }
    }
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("flavor", &self.flavor)
            .field("worker_threads", &self.worker_threads)
            .field("thread_name", &self.thread_name)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("start_paused", &self.start_paused)
            .finish()
    }
}
