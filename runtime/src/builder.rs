//! `Builder`: configure and start a runtime.

use std::fmt;
use std::io;

use crate::blocking::{BlockingPool, KEEP_ALIVE};
use crate::context;
use crate::handle::Handle;
use crate::quiescence::Quiescence;
use crate::runtime::Runtime;
use crate::scheduler::{CurrentThread, DriverCell, MultiThread, Scheduler, run_worker};
use crate::stall::{StallConfig, StallReport};
use crate::sync::{Arc, StdArc, os_thread};
use crate::thread_config::ThreadConfig;
use crate::unhandled_panic::UnhandledPanic;
use std::time::Duration;

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
    /// Name, stack size and hooks of every thread the runtime starts.
    threads: ThreadConfig,
    stall: StallConfig,
    max_blocking_threads: usize,
    start_paused: bool,
    unhandled_panic: UnhandledPanic,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    MultiThread,
    CurrentThread,
}

impl Builder {
    /// The most worker threads [`build`](Builder::build) accepts: 32,768.
    ///
    /// Each worker is an OS thread with its own stack and per-worker
    /// scheduler state, all made up front; more workers than cores only
    /// adds switching. The limit is Linux's default `pid_max`, so a count
    /// past it could not start on a default system anyway: it turns a
    /// count that is surely a mistake (`usize::MAX`, a negative number cast)
    /// into an error instead of an allocation failure.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = braid::Builder::new_multi_thread()
    ///     .worker_threads(braid::Builder::MAX_WORKER_THREADS + 1)
    ///     .build()
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("32768"));
    /// ```
    pub const MAX_WORKER_THREADS: usize = 32_768;

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
            threads: ThreadConfig::new("braid-worker".to_owned()),
            stall: StallConfig::default(),
            max_blocking_threads: 512,
            start_paused: false,
            unhandled_panic: UnhandledPanic::Ignore,
        }
    }

    /// Worker threads of a multi-thread runtime (default: available cores).
    /// Zero, and more than [`MAX_WORKER_THREADS`](Builder::MAX_WORKER_THREADS),
    /// are refused by [`build`](Builder::build).
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
        self.threads.name = name.into();
        self
    }

    /// The stack size, in bytes, of the runtime's threads (workers and
    /// blocking pool); by default, the standard library's.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = braid::Builder::new_multi_thread()
    ///     .thread_stack_size(4 * 1024 * 1024)
    ///     .build()
    ///     .unwrap();
    /// // Deep recursion that needs more than a small default stack.
    /// fn depth(n: u64) -> u64 { if n == 0 { 0 } else { 1 + depth(n - 1) } }
    /// assert_eq!(rt.block_on(rt.spawn(async { depth(10_000) })).unwrap(), 10_000);
    /// ```
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.threads.stack_size = Some(bytes);
        self
    }

    /// How long one poll of a task may run before it is reported as a
    /// stall (default 100 ms; `Duration::MAX` turns detection off). The
    /// report goes to [`on_stall`](Builder::on_stall) once per such poll,
    /// while it still runs. An idle worker notices it, so a runtime needs a
    /// second worker, not busy itself, to see one stall; a current-thread
    /// runtime reports none.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = braid::Builder::new_multi_thread()
    ///     .stall_threshold(Duration::from_millis(250))
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {});
    /// ```
    pub fn stall_threshold(&mut self, threshold: Duration) -> &mut Builder {
        self.stall.threshold = threshold;
        self
    }

    /// Called with each [`StallReport`], on the worker that noticed it
    /// (default: one line on stderr). A panic in the hook is caught.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::time::Duration;
    ///
    /// let stalls = Arc::new(AtomicUsize::new(0));
    /// let rt = braid::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .stall_threshold(Duration::from_millis(20))
    ///     .on_stall({
    ///         let stalls = stalls.clone();
    ///         move |_: &braid::StallReport| {
    ///             stalls.fetch_add(1, Ordering::SeqCst);
    ///         }
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(200)) })).unwrap();
    /// assert_eq!(stalls.load(Ordering::SeqCst), 1);
    /// ```
    pub fn on_stall(
        &mut self,
        hook: impl Fn(&StallReport) + Send + Sync + 'static,
    ) -> &mut Builder {
        self.stall.hook = StdArc::new(hook);
        self
    }

    /// Runs `hook` first on every thread the runtime starts: each worker,
    /// and each blocking-pool thread as it starts.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let started = Arc::new(AtomicUsize::new(0));
    /// let rt = braid::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .on_thread_start({
    ///         let started = started.clone();
    ///         move || {
    ///             started.fetch_add(1, Ordering::SeqCst);
    ///         }
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// drop(rt);
    /// assert_eq!(started.load(Ordering::SeqCst), 2);
    /// ```
    pub fn on_thread_start(&mut self, hook: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.threads.on_start = Some(StdArc::new(hook));
        self
    }

    /// Runs `hook` last on every thread the runtime starts, as it exits
    /// (also when it exits by a panic).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let stopped = Arc::new(AtomicUsize::new(0));
    /// let rt = braid::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .on_thread_stop({
    ///         let stopped = stopped.clone();
    ///         move || {
    ///             stopped.fetch_add(1, Ordering::SeqCst);
    ///         }
    ///     })
    ///     .build()
    ///     .unwrap();
    /// drop(rt);
    /// assert_eq!(stopped.load(Ordering::SeqCst), 2);
    /// ```
    pub fn on_thread_stop(&mut self, hook: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.threads.on_stop = Some(StdArc::new(hook));
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

    /// What a task's panic that nobody observes through its `JoinHandle`
    /// does (default [`UnhandledPanic::Ignore`]); see [`UnhandledPanic`].
    ///
    /// # Examples
    ///
    /// ```
    /// use braid::UnhandledPanic;
    ///
    /// let rt = braid::Builder::new_multi_thread()
    ///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
    ///     .build()
    ///     .unwrap();
    /// let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
    ///     rt.block_on(async {
    ///         drop(braid::spawn(async { panic!("worker lost its config") }));
    ///         std::future::pending::<()>().await
    ///     })
    /// }));
    /// let payload = stopped.unwrap_err();
    /// let message = payload.downcast_ref::<String>().unwrap();
    /// assert!(message.contains("worker lost its config"));
    /// ```
    pub fn unhandled_panic(&mut self, policy: UnhandledPanic) -> &mut Builder {
        self.unhandled_panic = policy;
        self
    }

    /// Starts the runtime.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for zero worker or blocking threads, or more workers
    /// than [`MAX_WORKER_THREADS`](Builder::MAX_WORKER_THREADS); any error
    /// of creating the I/O driver or starting a thread.
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
        let quiescence = self.start_paused.then(|| Arc::new(Quiescence::new()));
        let blocking = BlockingPool::new(
            self.max_blocking_threads,
            self.threads.clone(),
            KEEP_ALIVE,
            quiescence.clone(),
        );
        let driver = Some(Arc::new(DriverCell::new(
            self.start_paused,
            blocking.driver_spawner(),
        )?));
        match self.flavor {
            Flavor::CurrentThread => {
                let shared = CurrentThread::new(driver, blocking.clone(), quiescence);
                shared.panics.set(self.unhandled_panic);
                let handle = Handle::new(Scheduler::CurrentThread(shared));
                Ok(Runtime::from_parts(handle, Vec::new()))
            }
            Flavor::MultiThread => {
                let workers = match self.worker_threads {
                    Some(0) => return Err(invalid("worker_threads must be at least 1, got 0")),
                    Some(n) if n > Builder::MAX_WORKER_THREADS => {
                        return Err(invalid(&format!(
                            "worker_threads must be at most {} (Builder::MAX_WORKER_THREADS), got {n}",
                            Builder::MAX_WORKER_THREADS
                        )));
                    }
                    Some(n) => n,
                    None => os_thread::available_parallelism().map_or(1, usize::from),
                };
                let (shared, cores) = MultiThread::new(
                    workers,
                    driver,
                    blocking.clone(),
                    quiescence,
                    self.stall.clone(),
                );
                shared.panics().set(self.unhandled_panic);
                let handle = Handle::new(Scheduler::MultiThread(shared.clone()));
                let mut threads = Vec::with_capacity(workers);
                for core in cores {
                    let shared = shared.clone();
                    let thread_handle = handle.clone();
                    let started = self.threads.spawn(
                        Some(handle.clone()),
                        move || {
                            let _driving = context::enter_driving(&thread_handle, "worker");
                            run_worker(shared, core);
                        },
                        || {},
                    );
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
            .field("threads", &self.threads)
            .field("stall", &self.stall)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("start_paused", &self.start_paused)
            .field("unhandled_panic", &self.unhandled_panic)
            .finish()
    }
}
