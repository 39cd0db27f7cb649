//! A small line-protocol server with one badly behaved handler, and what
//! braid shows about it: the stall report for the handler that blocks its
//! worker, a task dump taken while it blocks, and the runtime's metrics.
//!
//! ```sh
//! cargo run --example inspect -- --demo   # sends its own requests, then exits
//! cargo run --example inspect             # serves until killed; try:
//! printf 'slow\n' | nc 127.0.0.1 <port>
//! ```
//!
//! Requests are one line: `fast` answers at once, `sleep` awaits a timer,
//! `slow` calls `std::thread::sleep` inside async code (the bug the stall
//! detector is for). `runtime/tests/inspect.rs` runs the same demo.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use braid::net::{TcpListener, TcpStream};
use futures::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// What the stall hook printed: each report, and the dump taken with it.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    pub(crate) stalls: Vec<String>,
    pub(crate) dumps: Vec<String>,
}

/// A runtime whose stall hook prints each report and a dump, and keeps
/// them in `seen`.
pub(crate) fn runtime(seen: Arc<Mutex<Seen>>) -> io::Result<braid::Runtime> {
    // The hook needs the runtime's handle, which exists once it is built.
    let handle = Arc::new(OnceLock::<braid::Handle>::new());
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(2)
        .stall_threshold(Duration::from_millis(50))
        .on_stall({
            let handle = handle.clone();
            move |report| {
                println!("{report}");
                let mut seen = seen.lock().unwrap();
                seen.stalls.push(report.to_string());
                if let Some(handle) = handle.get() {
                    let dump = handle.dump().to_string();
                    println!("tasks while it blocks:\n{dump}");
                    seen.dumps.push(dump);
                }
            }
        })
        .build()?;
    handle.get_or_init(|| rt.handle().clone());
    Ok(rt)
}

/// Starts the server, sends it a few requests of each kind, and stops it.
pub(crate) async fn demo() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = braid::spawn(serve(listener));
    // Some well-behaved requests in flight, and one that blocks.
    let idle: Vec<_> = (0..3)
        .map(|_| braid::spawn(request(addr, "sleep")))
        .collect();
    assert_eq!(request(addr, "fast").await?, "ok");
    assert_eq!(request(addr, "slow").await?, "ok");
    for client in idle {
        assert_eq!(client.await.map_err(io::Error::other)??, "ok");
    }
    let metrics = braid::Handle::current().metrics();
    println!(
        "spawned {} tasks, {} alive; polls per worker: {:?}",
        metrics.spawned_tasks_count(),
        metrics.num_alive_tasks(),
        (0..metrics.num_workers())
            .map(|i| metrics.worker_poll_count(i))
            .collect::<Vec<_>>()
    );
    server.abort();
    Ok(())
}

fn main() -> io::Result<()> {
    let rt = runtime(Arc::default())?;
    if std::env::args().any(|arg| arg == "--demo") {
        return rt.block_on(demo());
    }
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        println!("listening on {}", listener.local_addr()?);
        serve(listener).await
    })
}

async fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        braid::spawn(async move {
            if let Err(error) = handle(stream).await {
                eprintln!("connection failed: {error}");
            }
        });
    }
}

async fn handle(stream: TcpStream) -> io::Result<()> {
    let mut stream = BufReader::new(stream);
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    match line.trim() {
        "fast" => {}
        "sleep" => braid::time::sleep(Duration::from_millis(400)).await,
        // The bug: blocking the worker thread inside async code.
        "slow" => std::thread::sleep(Duration::from_millis(300)),
        other => {
            let reply = format!("unknown request {other:?}\n");
            return stream.get_mut().write_all(reply.as_bytes()).await;
        }
    }
    stream.get_mut().write_all(b"ok\n").await
}

async fn request(addr: SocketAddr, what: &str) -> io::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(format!("{what}\n").as_bytes()).await?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply).await?;
    Ok(reply.trim().to_owned())
}
