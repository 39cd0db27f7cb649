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
//! detector is for).

use std::sync::OnceLock;
use std::time::Duration;

use braid::net::{TcpListener, TcpStream};
use futures::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// The runtime's handle, for the stall hook to take a dump with.
static HANDLE: OnceLock<braid::Handle> = OnceLock::new();

fn main() -> std::io::Result<()> {
    let demo = std::env::args().any(|arg| arg == "--demo");
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(2)
        .stall_threshold(Duration::from_millis(50))
        .on_stall(|report| {
            println!("{report}");
            if let Some(handle) = HANDLE.get() {
                println!("tasks while it blocks:\n{}", handle.dump());
            }
        })
        .build()?;
    HANDLE.get_or_init(|| rt.handle().clone());
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        println!("listening on {addr}");
        let server = braid::spawn(serve(listener));
        if !demo {
            return server.await.map_err(std::io::Error::other)?;
        }
        // Some well-behaved requests in flight, and one that blocks.
        let idle: Vec<_> = (0..3)
            .map(|_| braid::spawn(request(addr, "sleep")))
            .collect();
        assert_eq!(request(addr, "fast").await?, "ok");
        assert_eq!(request(addr, "slow").await?, "ok");
        for client in idle {
            client.await.map_err(std::io::Error::other)??;
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
    })
}

async fn serve(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        braid::spawn(async move {
            if let Err(error) = handle(stream).await {
                eprintln!("connection failed: {error}");
            }
        });
    }
}

async fn handle(stream: TcpStream) -> std::io::Result<()> {
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

async fn request(addr: std::net::SocketAddr, what: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(format!("{what}\n").as_bytes()).await?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply).await?;
    Ok(reply.trim().to_owned())
}
