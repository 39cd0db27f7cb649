//! A mixed soak of the runtime: rounds of spawn storms, gathers with
//! random failures, panics and cancels, nested token trees, timers and
//! timeouts, TCP churn on loopback and blocking calls, until the time is
//! up. Every task and future is counted, and after each round the books
//! must balance: tasks spawned = completed + cancelled + panicked, futures
//! made = dropped, no task alive, descriptors back to where they were.
//! Resident memory is sampled per round and must not keep growing.
//!
//! Exits 0 with a summary when every check held, 1 at the first that did
//! not. Run it through `scripts/soak.sh [SECONDS]`, or:
//!
//! ```text
//! cargo run --release -p braid --example soak -- 30
//! ```

use std::future::Future;
use std::panic;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use braid::net::{TcpListener, TcpStream};
use braid::time::{sleep, timeout};
use braid::{CancellationToken, GatherError, JoinError, JoinHandle};
use futures::io::{AsyncReadExt, AsyncWriteExt};

/// The payload of the panics the soak makes on purpose; the panic hook
/// counts them instead of printing them.
const PLANNED: &str = "soak: planned panic";

static SPAWNED: AtomicU64 = AtomicU64::new(0);
static COMPLETED: AtomicU64 = AtomicU64::new(0);
static CANCELLED: AtomicU64 = AtomicU64::new(0);
static PANICKED: AtomicU64 = AtomicU64::new(0);
static MADE: AtomicU64 = AtomicU64::new(0);
static DROPPED: AtomicU64 = AtomicU64::new(0);
static PLANNED_PANICS: AtomicU64 = AtomicU64::new(0);
static CONNECTIONS: AtomicU64 = AtomicU64::new(0);
static BLOCKING_CALLS: AtomicU64 = AtomicU64::new(0);

fn load(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::SeqCst)
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::SeqCst);
}

/// Counts a future as made now and as dropped when it is gone, whether it
/// completed, was cancelled or never ran.
struct Counted;

impl Counted {
    fn new() -> Counted {
        bump(&MADE);
        Counted
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        bump(&DROPPED);
    }
}

fn counted<F: Future>(future: F) -> impl Future<Output = F::Output> {
    let guard = Counted::new();
    async move {
        let _guard = guard;
        future.await
    }
}

fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    bump(&SPAWNED);
    braid::spawn(counted(future))
}

/// Records how a joined task ended; returns its output if it completed.
fn settle<T>(joined: Result<T, JoinError>) -> Option<T> {
    match joined {
        Ok(value) => {
            bump(&COMPLETED);
            Some(value)
        }
        Err(error) if error.is_cancelled() => {
            bump(&CANCELLED);
            None
        }
        Err(error) if error.is_panic() => {
            bump(&PANICKED);
            None
        }
        Err(error) => fail(&format!(
            "a join error neither cancelled nor panic: {error}"
        )),
    }
}

fn planned_panic() -> ! {
    panic::panic_any(PLANNED)
}

fn fail(why: &str) -> ! {
    eprintln!("soak: FAILED: {why}");
    std::process::exit(1);
}

/// xorshift64, seeded per round.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

async fn spawn_storm(rng: &mut Rng) {
    let tasks: Vec<_> = (0..2_000u64)
        .map(|i| {
            let yields = rng.below(3);
            spawn(async move {
                for _ in 0..yields {
                    braid::yield_now().await;
                }
                i
            })
        })
        .collect();
    let mut sum = 0;
    for task in tasks {
        sum += settle(task.await).unwrap_or_else(|| fail("a storm task did not complete"));
    }
    if sum != (0..2_000).sum::<u64>() {
        fail("a storm task returned the wrong value");
    }
}

/// `try_gather` with a random child failing or panicking, `gather_settled`
/// under a token cancelled part-way.
async fn gathers(rng: &mut Rng) {
    let fail_at = rng.below(300);
    let panic_instead = rng.below(4) == 0;
    let children = (0..200u64).map(|i| {
        counted(async move {
            sleep(Duration::from_micros(i % 7 * 100)).await;
            if i == fail_at {
                if panic_instead {
                    planned_panic();
                }
                return Err(i);
            }
            Ok(i)
        })
    });
    let gathered = spawn(braid::try_gather(children).limit(64));
    match settle(gathered.await) {
        Some(Ok(values)) if fail_at >= 200 => {
            if values != (0..200).collect::<Vec<_>>() {
                fail("try_gather returned values out of order");
            }
        }
        Some(Err(GatherError::Failed { index, error })) if fail_at < 200 && !panic_instead => {
            if (index as u64, error) != (fail_at, fail_at) {
                fail("try_gather reported the wrong failure");
            }
        }
        None if fail_at < 200 && panic_instead => {}
        _ => fail("try_gather ended the wrong way"),
    }

    let token = CancellationToken::new();
    let settled = spawn({
        let token = token.clone();
        let children = (0..100u64).map(|i| {
            counted(async move {
                sleep(Duration::from_millis(i % 10)).await;
                i
            })
        });
        async move { braid::gather_settled(children).token(&token).await }
    });
    sleep(Duration::from_millis(rng.below(8))).await;
    token.cancel();
    let _ = settle(settled.await);
}

/// Tasks aborted while they sleep, or before they ran.
async fn aborts(rng: &mut Rng) {
    let tasks: Vec<_> = (0..200)
        .map(|_| spawn(sleep(Duration::from_millis(1 + rng.below(20)))))
        .collect();
    sleep(Duration::from_millis(rng.below(10))).await;
    for task in tasks.iter().step_by(2) {
        task.abort();
    }
    for task in tasks {
        let _ = settle(task.await);
    }
}

/// A tree of tokens, three levels deep, with a waiter on every leaf;
/// cancelling the root reaches each of them.
async fn token_tree(rng: &mut Rng) {
    let root = CancellationToken::new();
    let mut waiters = Vec::new();
    for _ in 0..8 {
        let middle = root.child_token();
        for _ in 0..8 {
            let leaf = middle.child_token();
            waiters.push(spawn(async move { leaf.cancelled().await }));
        }
        // Some subtrees are dropped before the cancel.
        if rng.below(4) == 0 {
            drop(middle.child_token().child_token());
        }
    }
    braid::yield_now().await;
    root.cancel();
    for waiter in waiters {
        if settle(
            timeout(Duration::from_secs(30), waiter)
                .await
                .unwrap_or_else(|_| fail("a token waiter was never woken")),
        )
        .is_none()
        {
            fail("a token waiter did not complete");
        }
    }
}

/// Sleeps of random lengths and timeouts that fire.
async fn timers(rng: &mut Rng) {
    let tasks: Vec<_> = (0..300)
        .map(|_| {
            let length = Duration::from_micros(rng.below(3_000));
            spawn(async move {
                let start = Instant::now();
                sleep(length).await;
                if start.elapsed() < length {
                    fail("a sleep ended early");
                }
                timeout(Duration::from_micros(200), std::future::pending::<()>())
                    .await
                    .is_err()
            })
        })
        .collect();
    for task in tasks {
        if settle(task.await) != Some(true) {
            fail("a timeout did not fire");
        }
    }
}

/// Connections opened, echoed through and closed; one in eight reset by
/// dropping the client before it reads.
async fn tcp_churn(listener: &TcpListener, rng: &mut Rng) {
    let addr = listener.local_addr().unwrap();
    let clients: Vec<_> = (0..32)
        .map(|i| {
            let abandon = rng.below(8) == 0;
            spawn(async move {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                let message = [i as u8; 512];
                stream.write_all(&message).await.unwrap();
                if abandon {
                    return;
                }
                let mut echoed = [0; 512];
                stream.read_exact(&mut echoed).await.unwrap();
                if echoed != message {
                    fail("the echo differs");
                }
            })
        })
        .collect();
    let mut servers = Vec::new();
    for _ in 0..32 {
        let (mut stream, _) = listener.accept().await.unwrap();
        bump(&CONNECTIONS);
        servers.push(spawn(async move {
            let mut buf = [0; 512];
            // The client may be gone (abandoned): an error ends the echo.
            if stream.read_exact(&mut buf).await.is_ok() {
                let _ = stream.write_all(&buf).await;
            }
        }));
    }
    for task in clients.into_iter().chain(servers) {
        if settle(task.await).is_none() {
            fail("a connection's task did not complete");
        }
    }
}

async fn blocking_calls() {
    let calls: Vec<_> = (0..16u64)
        .map(|i| {
            bump(&SPAWNED);
            braid::spawn_blocking(move || {
                bump(&BLOCKING_CALLS);
                std::thread::sleep(Duration::from_micros(200));
                i * 2
            })
        })
        .collect();
    for (i, call) in calls.into_iter().enumerate() {
        if settle(call.await) != Some(i as u64 * 2) {
            fail("a blocking call returned the wrong value");
        }
    }
}

/// A task that panics on purpose, joined.
async fn planned_panics() {
    let task = spawn(async {
        braid::yield_now().await;
        planned_panic()
    });
    if settle(task.await).is_some() {
        fail("a panicking task completed");
    }
}

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

fn check_books(rt: &braid::Runtime, round: u64) {
    let ended = load(&COMPLETED) + load(&CANCELLED) + load(&PANICKED);
    if load(&SPAWNED) != ended {
        fail(&format!(
            "round {round}: {} tasks spawned, {ended} ended",
            load(&SPAWNED)
        ));
    }
    if load(&MADE) != load(&DROPPED) {
        fail(&format!(
            "round {round}: {} futures made, {} dropped",
            load(&MADE),
            load(&DROPPED)
        ));
    }
    if load(&PLANNED_PANICS) != load(&PANICKED) {
        fail(&format!(
            "round {round}: {} planned panics, {} tasks panicked",
            load(&PLANNED_PANICS),
            load(&PANICKED)
        ));
    }
    let alive = rt.handle().metrics().num_alive_tasks();
    if alive != 0 {
        fail(&format!(
            "round {round}: {alive} tasks alive after the round"
        ));
    }
}

fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .map(|arg| {
            arg.parse()
                .unwrap_or_else(|_| fail("usage: soak [SECONDS]"))
        })
        .unwrap_or(30);
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() == Some(&PLANNED) {
            bump(&PLANNED_PANICS);
        } else {
            default_hook(info);
        }
    }));

    let rt = braid::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |since| since.as_nanos() as u64)
        | 1;
    println!("soak: {seconds} s, 4 workers, seed {seed}");

    let fds_at_start = open_descriptors();
    let rss_at_start = resident_kib();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut rss = Vec::new();
    let mut round = 0u64;
    while Instant::now() < deadline {
        round += 1;
        let mut rng = Rng(seed.wrapping_mul(round) | 1);
        rt.block_on(async {
            spawn_storm(&mut rng).await;
            gathers(&mut rng).await;
            aborts(&mut rng).await;
            token_tree(&mut rng).await;
            timers(&mut rng).await;
            tcp_churn(&listener, &mut rng).await;
            blocking_calls().await;
            planned_panics().await;
        });
        check_books(&rt, round);
        let fds = open_descriptors();
        if fds != fds_at_start {
            fail(&format!(
                "round {round}: {fds} descriptors open, {fds_at_start} at the start"
            ));
        }
        rss.push(resident_kib());
    }
    drop(listener);
    drop(rt);
    let fds_at_end = open_descriptors();

    // Growth: the peak of the last third of the rounds against the peak of
    // the first third after the first round (allocator warm-up), with 8 MiB
    // of slack for the allocator's own caching.
    let third = (rss.len() / 3).max(1);
    let early = rss.iter().skip(1).take(third).max().copied().unwrap_or(0);
    let late = rss.iter().rev().take(third).max().copied().unwrap_or(0);
    println!(
        "soak: {round} rounds in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    println!(
        "soak: tasks spawned {} = completed {} + cancelled {} + panicked {}",
        load(&SPAWNED),
        load(&COMPLETED),
        load(&CANCELLED),
        load(&PANICKED)
    );
    println!(
        "soak: futures made {} dropped {}; connections {}; blocking calls {}",
        load(&MADE),
        load(&DROPPED),
        load(&CONNECTIONS),
        load(&BLOCKING_CALLS)
    );
    println!(
        "soak: RSS {rss_at_start} kB at start, early peak {early} kB, late peak {late} kB; \
         fds {fds_at_start} during, {fds_at_end} after the runtime"
    );
    if rss.len() >= 6 && late > early + 8 * 1024 {
        fail(&format!(
            "resident memory grew: early peak {early} kB, late peak {late} kB"
        ));
    }
    if fds_at_end >= fds_at_start {
        fail("the runtime's own descriptors were not closed");
    }
    println!("soak: ok");
}
