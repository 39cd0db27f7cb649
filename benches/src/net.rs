//! The TCP workloads over 127.0.0.1: echo round trips and connection setup.

use std::io;
use std::time::{Duration, Instant};

use futures::channel::{mpsc, oneshot};
use futures::future::FutureExt;
use futures::io::{AsyncReadExt, AsyncWriteExt};
use futures::{SinkExt, StreamExt};

use crate::measure::{Latency, Run};
use crate::runtime::BenchRuntime;

/// Connections of `tcp_echo`.
pub const CONNECTIONS: usize = 32;
/// Size of each echoed message.
pub const MESSAGE: usize = 64;
/// Connections set up by one `tcp_accept` run.
pub const ACCEPTS: usize = 500;
/// Client tasks of `tcp_accept`, each setting up its share in turn.
const ACCEPT_CLIENTS: usize = 4;
/// Connects of one `tcp_connect_burst` run, all started at once.
pub const BURST_CONNECTS: usize = 2_000;
/// Connections of `idle_cpu`.
pub const IDLE_CONNECTIONS: usize = 100;
/// How often each `idle_cpu` connection sends its message.
pub const IDLE_PERIOD: Duration = Duration::from_millis(10);
/// Messages each `idle_cpu` connection sends in one run: 0.4 s of load.
pub const IDLE_TICKS: usize = 40;
/// `idle_cpu` reports CPU time per this many round trips.
pub const IDLE_CPU_PER: u64 = 10_000;
/// The listen backlog of `tcp_connect_burst`: room for the whole burst, so
/// no client waits on a SYN retry.
pub const BURST_BACKLOG: u32 = 4_096;

/// Echoes everything back until the peer closes.
async fn echo<R: BenchRuntime>(mut stream: R::Stream) -> io::Result<()> {
    let mut buf = [0; MESSAGE];
    loop {
        let read = stream.read(&mut buf).await?;
        if read == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..read]).await?;
    }
}

/// `tcp_echo`: [`CONNECTIONS`] clients each make `round_trips` 64-byte
/// round trips through an echo server on the same runtime. Timed from the
/// moment all are connected; latency is per round trip.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid, net};
///
/// let run = net::tcp_echo(&Braid::with_workers(2), 10);
/// assert_eq!(run.units, 320);
/// ```
pub fn tcp_echo<R: BenchRuntime>(rt: &R, round_trips: usize) -> Run {
    let (elapsed, mut latencies) = rt.block_on_task(async move {
        let listener = R::bind_local().await.expect("bind failed");
        let addr = R::local_addr(&listener);
        R::detach(R::spawn(async move {
            for _ in 0..CONNECTIONS {
                let stream = R::accept(&listener).await.expect("accept failed");
                R::detach(R::spawn(async move {
                    echo::<R>(stream).await.expect("echo failed")
                }));
            }
        }));
        let (go, started) = oneshot::channel::<()>();
        let started = started.shared();
        let (connected, mut ready) = mpsc::channel::<()>(CONNECTIONS);
        let clients: Vec<_> = (0..CONNECTIONS)
            .map(|client| {
                let started = started.clone();
                let mut connected = connected.clone();
                R::spawn(async move {
                    let mut stream = R::connect(addr).await.expect("connect failed");
                    connected.send(()).await.expect("tcp_echo stopped waiting");
                    started.await.expect("tcp_echo never started");
                    let mut latencies = Vec::with_capacity(round_trips);
                    let mut back = [0; MESSAGE];
                    for round in 0..round_trips {
                        let message = [(client ^ round) as u8; MESSAGE];
                        let sent = Instant::now();
                        stream.write_all(&message).await.expect("write failed");
                        stream.read_exact(&mut back).await.expect("read failed");
                        latencies.push(sent.elapsed());
                        assert_eq!(back, message, "tcp_echo: the echo differs");
                    }
                    stream.close().await.expect("close failed");
                    latencies
                })
            })
            .collect();
        for _ in 0..CONNECTIONS {
            ready.next().await.expect("a client went away");
        }
        let start = Instant::now();
        go.send(()).expect("clients went away");
        let mut latencies: Vec<Duration> = Vec::with_capacity(CONNECTIONS * round_trips);
        for client in clients {
            latencies.extend(client.await);
        }
        (start.elapsed(), latencies)
    });
    assert_eq!(
        latencies.len(),
        CONNECTIONS * round_trips,
        "tcp_echo: lost round trips"
    );
    let latency = Latency::from_samples(&mut latencies);
    Run {
        elapsed,
        units: latencies.len() as u64,
        latency: Some(latency),
    }
}

/// `tcp_accept`: [`ACCEPTS`] connection setups. Clients connect and wait
/// for the server to close the accepted stream (they read EOF), so each
/// setup counts only once both ends saw it.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Tokio, net};
///
/// assert_eq!(net::tcp_accept(&Tokio::with_workers(2)).units, 500);
/// ```
pub fn tcp_accept<R: BenchRuntime>(rt: &R) -> Run {
    let (elapsed, accepted, closed) = rt.block_on_task(async {
        let listener = R::bind_local().await.expect("bind failed");
        let addr = R::local_addr(&listener);
        let start = Instant::now();
        let server = R::spawn(async move {
            let mut accepted = 0;
            for _ in 0..ACCEPTS {
                drop(R::accept(&listener).await.expect("accept failed"));
                accepted += 1;
            }
            accepted
        });
        let clients: Vec<_> = (0..ACCEPT_CLIENTS)
            .map(|_| {
                R::spawn(async move {
                    let mut closed = 0;
                    for _ in 0..ACCEPTS / ACCEPT_CLIENTS {
                        let mut stream = R::connect(addr).await.expect("connect failed");
                        let read = stream.read(&mut [0; 1]).await.expect("read failed");
                        assert_eq!(read, 0, "tcp_accept: the server sent data");
                        closed += 1;
                    }
                    closed
                })
            })
            .collect();
        let mut closed = 0;
        for client in clients {
            closed += client.await;
        }
        let accepted = server.await;
        (start.elapsed(), accepted, closed)
    });
    assert_eq!(
        (accepted, closed),
        (ACCEPTS, ACCEPTS),
        "tcp_accept: lost connections"
    );
    Run {
        elapsed,
        units: ACCEPTS as u64,
        latency: None,
    }
}

/// `tcp_connect_burst`: [`BURST_CONNECTS`] clients connect at once to a
/// listener made with a backlog of [`BURST_BACKLOG`], as a server sees when
/// many clients arrive together. Each client then waits for the server to
/// close the accepted stream (it reads EOF). Latency is per connect, from
/// its spawn to the end of its handshake, so a client that overflowed the
/// backlog and waited on a SYN retry shows as a second or more.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid, net};
///
/// assert_eq!(net::tcp_connect_burst(&Braid::with_workers(2)).units, 2_000);
/// ```
pub fn tcp_connect_burst<R: BenchRuntime>(rt: &R) -> Run {
    let (elapsed, accepted, mut latencies) = rt.block_on_task(async {
        let listener = R::bind_local_with_backlog(BURST_BACKLOG)
            .await
            .expect("bind failed");
        let addr = R::local_addr(&listener);
        let start = Instant::now();
        let server = R::spawn(async move {
            let mut accepted = 0;
            for _ in 0..BURST_CONNECTS {
                drop(R::accept(&listener).await.expect("accept failed"));
                accepted += 1;
            }
            accepted
        });
        let clients: Vec<_> = (0..BURST_CONNECTS)
            .map(|_| {
                R::spawn(async move {
                    let spawned = Instant::now();
                    let mut stream = R::connect(addr).await.expect("connect failed");
                    let connected = spawned.elapsed();
                    let read = stream.read(&mut [0; 1]).await.expect("read failed");
                    assert_eq!(read, 0, "tcp_connect_burst: the server sent data");
                    connected
                })
            })
            .collect();
        let mut latencies = Vec::with_capacity(BURST_CONNECTS);
        for client in clients {
            latencies.push(client.await);
        }
        let accepted = server.await;
        (start.elapsed(), accepted, latencies)
    });
    assert_eq!(
        (accepted, latencies.len()),
        (BURST_CONNECTS, BURST_CONNECTS),
        "tcp_connect_burst: lost connections"
    );
    Run {
        elapsed,
        units: BURST_CONNECTS as u64,
        latency: Some(Latency::from_samples(&mut latencies)),
    }
}

/// `idle_cpu`: a lightly loaded echo server. [`IDLE_CONNECTIONS`] clients
/// each send one 64-byte message every [`IDLE_PERIOD`] (their phases spread
/// evenly over the period) and read its echo, [`IDLE_TICKS`] times, through
/// an echo server on the same runtime. The run's `elapsed` is the process's
/// CPU time (user + system, from `getrusage`) over that load, scaled to
/// [`IDLE_CPU_PER`] round trips: what a runtime spends to serve traffic that
/// leaves it idle most of the time, where spinning before sleeping costs
/// and saves nothing. Latency is per round trip, wall clock.
///
/// # Panics
///
/// When an echo differs from its message or a round trip is lost.
///
/// # Examples
///
/// ```
/// use braid_benches::{BenchRuntime, Braid, net};
///
/// let run = net::idle_cpu(&Braid::with_workers(2));
/// assert_eq!(run.units, (net::IDLE_CONNECTIONS * net::IDLE_TICKS) as u64);
/// assert!(run.latency.is_some());
/// ```
#[cfg(unix)]
pub fn idle_cpu<R: BenchRuntime>(rt: &R) -> Run {
    let (cpu, mut latencies) = rt.block_on_task(async {
        let listener = R::bind_local().await.expect("bind failed");
        let addr = R::local_addr(&listener);
        R::detach(R::spawn(async move {
            for _ in 0..IDLE_CONNECTIONS {
                let stream = R::accept(&listener).await.expect("accept failed");
                R::detach(R::spawn(async move {
                    echo::<R>(stream).await.expect("echo failed")
                }));
            }
        }));
        let (go, started) = oneshot::channel::<Instant>();
        let started = started.shared();
        let (connected, mut ready) = mpsc::channel::<()>(IDLE_CONNECTIONS);
        let clients: Vec<_> = (0..IDLE_CONNECTIONS)
            .map(|client| {
                let started = started.clone();
                let mut connected = connected.clone();
                R::spawn(async move {
                    let mut stream = R::connect(addr).await.expect("connect failed");
                    connected.send(()).await.expect("idle_cpu stopped waiting");
                    let start = started.await.expect("idle_cpu never started");
                    let phase = IDLE_PERIOD * client as u32 / IDLE_CONNECTIONS as u32;
                    let mut latencies = Vec::with_capacity(IDLE_TICKS);
                    let mut back = [0; MESSAGE];
                    for tick in 0..IDLE_TICKS {
                        R::sleep_until(start + phase + IDLE_PERIOD * tick as u32).await;
                        let message = [(client ^ tick) as u8; MESSAGE];
                        let sent = Instant::now();
                        stream.write_all(&message).await.expect("write failed");
                        stream.read_exact(&mut back).await.expect("read failed");
                        latencies.push(sent.elapsed());
                        assert_eq!(back, message, "idle_cpu: the echo differs");
                    }
                    // Closed after the measurement, by the caller.
                    (stream, latencies)
                })
            })
            .collect();
        for _ in 0..IDLE_CONNECTIONS {
            ready.next().await.expect("a client went away");
        }
        let cpu_before = crate::cpu::process_cpu_time();
        go.send(Instant::now()).expect("clients went away");
        let mut latencies = Vec::with_capacity(IDLE_CONNECTIONS * IDLE_TICKS);
        let mut streams = Vec::with_capacity(IDLE_CONNECTIONS);
        for client in clients {
            let (stream, client_latencies) = client.await;
            latencies.extend(client_latencies);
            streams.push(stream);
        }
        let cpu = crate::cpu::process_cpu_time().saturating_sub(cpu_before);
        for mut stream in streams {
            stream.close().await.expect("close failed");
        }
        (cpu, latencies)
    });
    assert_eq!(
        latencies.len(),
        IDLE_CONNECTIONS * IDLE_TICKS,
        "idle_cpu: lost round trips"
    );
    let round_trips = latencies.len() as u64;
    Run {
        elapsed: cpu.mul_f64(IDLE_CPU_PER as f64 / round_trips as f64),
        units: round_trips,
        latency: Some(Latency::from_samples(&mut latencies)),
    }
}
