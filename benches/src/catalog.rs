//! Every workload, by the issue's name, with what each runtime runs for it.
//! The criterion suites and the `compare` binary both read this list.

use crate::runtime::{BenchRuntime, Braid, Smol, Tokio};
use crate::{Run, gather, http, net, scheduler, task_group, time};

/// Round trips per connection in one `tcp_echo` run.
pub const ECHO_ROUND_TRIPS: usize = 200;

/// The criterion suite a workload belongs to.
///
/// # Examples
///
/// ```
/// use braid_benches::{Area, catalog};
///
/// assert!(catalog().iter().any(|w| w.area == Area::Net));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Spawning, waking, yielding, `block_on`.
    Scheduler,
    /// `gather`, `try_gather`, `as_completed` and their equivalents.
    Gather,
    /// Timers.
    Time,
    /// TCP.
    Net,
}

/// One workload of the comparison: a row of the table.
///
/// A column is `None` where the runtime has no such API (Tokio's
/// `JoinSet` on smol, say).
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid, catalog};
///
/// let rt = Braid::with_workers(1);
/// let chained = catalog().into_iter().find(|w| w.name == "chained_spawn").unwrap();
/// assert_eq!((chained.braid.unwrap())(&rt).units, 1_000);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// The issue's name for it.
    pub name: &'static str,
    /// Its criterion suite.
    pub area: Area,
    /// What the columns run, when it is not the same code on each.
    pub note: &'static str,
    /// Whether it is a scheduler row, read as a multiple of the floor.
    pub against_floor: bool,
    /// The braid run.
    pub braid: Option<fn(&Braid) -> Run>,
    /// The Tokio run.
    pub tokio: Option<fn(&Tokio) -> Run>,
    /// The smol run.
    pub smol: Option<fn(&Smol) -> Run>,
}

/// A workload written once, generically, and run on all three runtimes.
macro_rules! everywhere {
    ($name:literal, $area:ident, $floor:literal, $module:ident :: $run:ident) => {
        Workload {
            name: $name,
            area: Area::$area,
            note: "",
            against_floor: $floor,
            braid: Some($module::$run::<Braid>),
            tokio: Some($module::$run::<Tokio>),
            smol: Some($module::$run::<Smol>),
        }
    };
}

/// Every workload, in table order.
///
/// # Examples
///
/// ```
/// let names: Vec<_> = braid_benches::catalog().iter().map(|w| w.name).collect();
/// assert!(names.contains(&"spawn_many_local") && names.contains(&"tcp_accept"));
/// ```
pub fn catalog() -> Vec<Workload> {
    let mut workloads = vec![
        everywhere!(
            "spawn_many_local",
            Scheduler,
            true,
            scheduler::spawn_many_local
        ),
        everywhere!(
            "spawn_many_remote",
            Scheduler,
            true,
            scheduler::spawn_many_remote
        ),
        everywhere!(
            "spawn_many_remote_busy",
            Scheduler,
            true,
            scheduler::spawn_many_remote_busy
        ),
        everywhere!("ping_pong", Scheduler, true, scheduler::ping_pong),
        everywhere!("yield_many", Scheduler, true, scheduler::yield_many),
        everywhere!("chained_spawn", Scheduler, true, scheduler::chained_spawn),
        everywhere!("block_on_ready", Scheduler, true, scheduler::block_on_ready),
        Workload {
            note: "time: total delay from a wake until the woken task runs, while the waker blocks its worker",
            ..everywhere!("lifo_stranded", Scheduler, false, scheduler::lifo_stranded)
        },
        Workload {
            name: "gather_1k",
            area: Area::Gather,
            note: "braid: gather · tokio: JoinSet, sorted by index · smol: spawn, await each",
            against_floor: false,
            braid: Some(|rt| gather::braid_gather(rt, 1_000)),
            tokio: Some(|rt| gather::tokio_join_set_sorted(rt, 1_000)),
            smol: Some(|rt| gather::await_each(rt, 1_000)),
        },
        Workload {
            name: "gather_1k/braid_gather_on_tokio",
            area: Area::Gather,
            note: "tokio: braid_gather::gather on a Tokio runtime",
            against_floor: false,
            braid: None,
            tokio: Some(|rt| gather::braid_gather_on_tokio(rt, 1_000)),
            smol: None,
        },
        Workload {
            name: "gather_1k/await_each",
            area: Area::Gather,
            note: "spawn all, await each handle",
            against_floor: false,
            braid: Some(|rt| gather::await_each(rt, 1_000)),
            tokio: Some(|rt| gather::await_each(rt, 1_000)),
            smol: Some(|rt| gather::await_each(rt, 1_000)),
        },
        Workload {
            name: "gather_1k/join_all",
            area: Area::Gather,
            note: "futures::future::join_all of handles",
            against_floor: false,
            braid: Some(|rt| gather::join_all(rt, 1_000)),
            tokio: Some(|rt| gather::join_all(rt, 1_000)),
            smol: Some(|rt| gather::join_all(rt, 1_000)),
        },
        Workload {
            name: "gather_100k",
            area: Area::Gather,
            note: "braid: gather · tokio: JoinSet, sorted by index · smol: spawn, await each",
            against_floor: false,
            braid: Some(|rt| gather::braid_gather(rt, 100_000)),
            tokio: Some(|rt| gather::tokio_join_set_sorted(rt, 100_000)),
            smol: Some(|rt| gather::await_each(rt, 100_000)),
        },
        Workload {
            name: "gather_100k/braid_gather_on_tokio",
            area: Area::Gather,
            note: "tokio: braid_gather::gather on a Tokio runtime",
            against_floor: false,
            braid: None,
            tokio: Some(|rt| gather::braid_gather_on_tokio(rt, 100_000)),
            smol: None,
        },
        Workload {
            name: "gather_100k/await_each",
            area: Area::Gather,
            note: "spawn all, await each handle",
            against_floor: false,
            braid: Some(|rt| gather::await_each(rt, 100_000)),
            tokio: Some(|rt| gather::await_each(rt, 100_000)),
            smol: Some(|rt| gather::await_each(rt, 100_000)),
        },
        Workload {
            name: "gather_100k/join_all",
            area: Area::Gather,
            note: "futures::future::join_all of handles",
            against_floor: false,
            braid: Some(|rt| gather::join_all(rt, 100_000)),
            tokio: Some(|rt| gather::join_all(rt, 100_000)),
            smol: Some(|rt| gather::join_all(rt, 100_000)),
        },
        Workload {
            name: "try_gather_cancel",
            area: Area::Gather,
            note: "the last child spawned fails · braid: try_gather · tokio: JoinSet + shutdown · smol: cancel each",
            against_floor: false,
            braid: Some(|rt| gather::braid_try_gather_cancel(rt, gather::FAILS_LAST)),
            tokio: Some(|rt| gather::tokio_join_set_cancel(rt, gather::FAILS_LAST)),
            smol: Some(|rt| gather::try_gather_cancel_abort_each(rt, gather::FAILS_LAST)),
        },
        Workload {
            name: "try_gather_cancel/abort_each",
            area: Area::Gather,
            note: "the last child spawned fails · first error from FuturesUnordered, then cancel each",
            against_floor: false,
            braid: Some(|rt| gather::try_gather_cancel_abort_each(rt, gather::FAILS_LAST)),
            tokio: Some(|rt| gather::try_gather_cancel_abort_each(rt, gather::FAILS_LAST)),
            smol: Some(|rt| gather::try_gather_cancel_abort_each(rt, gather::FAILS_LAST)),
        },
        Workload {
            name: "try_gather_first_fails",
            area: Area::Gather,
            note: "the first child spawned fails · braid: try_gather · tokio: JoinSet + shutdown · smol: cancel each",
            against_floor: false,
            braid: Some(|rt| gather::braid_try_gather_cancel(rt, gather::FAILS_FIRST)),
            tokio: Some(|rt| gather::tokio_join_set_cancel(rt, gather::FAILS_FIRST)),
            smol: Some(|rt| gather::try_gather_cancel_abort_each(rt, gather::FAILS_FIRST)),
        },
        Workload {
            name: "as_completed_10k",
            area: Area::Gather,
            note: "braid: as_completed · tokio: JoinSet::join_next · smol: FuturesUnordered",
            against_floor: false,
            braid: Some(gather::braid_as_completed),
            tokio: Some(gather::tokio_join_set_next),
            smol: Some(gather::unordered::<Smol>),
        },
        Workload {
            name: "as_completed_10k/unordered",
            area: Area::Gather,
            note: "FuturesUnordered of handles",
            ..everywhere!("", Gather, false, gather::unordered)
        },
        Workload {
            name: "task_group_10k",
            area: Area::Gather,
            note: "spawn 10k + join_all · braid: TaskGroup · tokio: JoinSet, sorted by index · smol: spawn, await each",
            against_floor: false,
            braid: Some(|rt| task_group::braid_task_group(rt, task_group::SPAWNS_10K)),
            tokio: Some(|rt| gather::tokio_join_set_sorted(rt, task_group::SPAWNS_10K)),
            smol: Some(|rt| gather::await_each(rt, task_group::SPAWNS_10K)),
        },
        Workload {
            name: "task_group_10k/braid_task_group_on_tokio",
            area: Area::Gather,
            note: "tokio: braid_gather::TaskGroup on a Tokio runtime",
            against_floor: false,
            braid: None,
            tokio: Some(|rt| task_group::braid_task_group_on_tokio(rt, task_group::SPAWNS_10K)),
            smol: None,
        },
        everywhere!("timers_100k", Time, false, time::timers_100k),
        everywhere!("timer_churn", Time, false, time::timer_churn),
        Workload {
            name: "tcp_echo",
            area: Area::Net,
            note: "",
            against_floor: false,
            braid: Some(|rt| net::tcp_echo(rt, ECHO_ROUND_TRIPS)),
            tokio: Some(|rt| net::tcp_echo(rt, ECHO_ROUND_TRIPS)),
            smol: Some(|rt| net::tcp_echo(rt, ECHO_ROUND_TRIPS)),
        },
        everywhere!("tcp_accept", Net, false, net::tcp_accept),
        everywhere!("tcp_connect_burst", Net, false, net::tcp_connect_burst),
        Workload {
            name: "http_hello",
            area: Area::Net,
            note: "hyper hello, 32 keep-alive connections × 200 GETs from a client on its own 2-thread Tokio runtime · braid: braid::hyper::serve · tokio: hyper-util auto builder",
            against_floor: false,
            braid: Some(http::braid_hello),
            tokio: Some(http::tokio_hello),
            smol: None,
        },
    ];
    #[cfg(unix)]
    workloads.push(Workload {
        name: "idle_cpu",
        area: Area::Net,
        note: "CPU time (user + system, getrusage), not wall time, per 10,000 round trips: 100 connections × one 64-byte echo every 10 ms for 0.4 s",
        against_floor: false,
        braid: Some(net::idle_cpu),
        tokio: Some(net::idle_cpu),
        smol: Some(net::idle_cpu),
    });
    workloads
}

/// The three runtimes, built with the same worker count.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Runtimes};
///
/// let runtimes = Runtimes::new(2);
/// assert_eq!(runtimes.smol.workers(), 2);
/// ```
#[derive(Debug)]
pub struct Runtimes {
    /// braid.
    pub braid: Braid,
    /// Tokio.
    pub tokio: Tokio,
    /// smol.
    pub smol: Smol,
}

impl Runtimes {
    /// Builds all three with `workers` worker threads each.
    ///
    /// # Examples
    ///
    /// ```
    /// let runtimes = braid_benches::Runtimes::new(1);
    /// # drop(runtimes);
    /// ```
    pub fn new(workers: usize) -> Runtimes {
        Runtimes {
            braid: Braid::with_workers(workers),
            tokio: Tokio::with_workers(workers),
            smol: Smol::with_workers(workers),
        }
    }

    /// Runs `workload` once on each runtime that has a column for it, in
    /// the order braid, Tokio, smol; `None` where there is no column.
    ///
    /// # Examples
    ///
    /// ```
    /// use braid_benches::{Runtimes, catalog};
    ///
    /// let runtimes = Runtimes::new(1);
    /// let ready = catalog().into_iter().find(|w| w.name == "block_on_ready").unwrap();
    /// assert!(runtimes.run_each(&ready).iter().all(Option::is_some));
    /// ```
    pub fn run_each(&self, workload: &Workload) -> [Option<Run>; 3] {
        [
            workload.braid.map(|run| run(&self.braid)),
            workload.tokio.map(|run| run(&self.tokio)),
            workload.smol.map(|run| run(&self.smol)),
        ]
    }
}

/// The runtimes' names, in column order.
pub const RUNTIME_NAMES: [&str; 3] = [Braid::NAME, Tokio::NAME, Smol::NAME];
