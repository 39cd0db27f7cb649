//! A TCP echo server that keeps serving when clients vanish or reset.
//!
//! `cargo run -p braid --example echo` serves on 127.0.0.1:7878 until
//! Ctrl-C; `cargo run -p braid --example echo -- --demo` starts the server on
//! a free port, runs a vanishing, a resetting and a few polite clients
//! against it, and exits. (`runtime/tests/echo.rs` runs the same demo.)

use std::io;
use std::net::SocketAddr;

use braid::net::{TcpListener, TcpStream};
use futures::StreamExt;
use futures::channel::mpsc;
use futures::io::{AsyncReadExt, AsyncWriteExt};

/// Resets a connection on purpose; shared with the reactor's tests.
#[path = "../../reactor/tests/support/linger.rs"]
mod linger;

/// How one connection ended: the bytes echoed, or what broke it.
type Outcome = (SocketAddr, io::Result<usize>);

/// Echoes one connection until the client closes or the connection breaks.
async fn serve(mut stream: TcpStream) -> io::Result<usize> {
    let mut buf = vec![0u8; 4096];
    let mut total = 0usize;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        stream.write_all(&buf[..n]).await?;
        total += n;
    }
}

/// Accepts forever, one task per connection; each connection's outcome is
/// logged and sent to `outcomes`.
async fn run_server(
    listener: TcpListener,
    outcomes: mpsc::UnboundedSender<Outcome>,
) -> io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let outcomes = outcomes.clone();
        braid::spawn(async move {
            let outcome = serve(stream).await;
            match &outcome {
                Ok(total) => println!("[server] {peer}: closed after {total} bytes"),
                // A reset or vanished peer is that connection's problem only.
                Err(error) => println!("[server] {peer}: {}", error.kind()),
            }
            let _ = outcomes.unbounded_send((peer, outcome));
        });
    }
}

/// A client that sends a line and reads it back.
async fn polite_client(addr: SocketAddr, line: String) -> io::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(line.as_bytes()).await?;
    stream.close().await?;
    let mut echoed = String::new();
    stream.read_to_string(&mut echoed).await?;
    Ok(echoed)
}

/// A client that sends data and disappears without reading the echo.
async fn vanishing_client(addr: SocketAddr) -> io::Result<()> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(&[7u8; 64 * 1024]).await?;
    drop(stream);
    Ok(())
}

/// A client that resets the connection mid-message; returns its address if
/// it did. Where resetting is not supported, it closes normally instead,
/// which the server must survive too.
fn resetting_client(addr: SocketAddr) -> io::Result<Option<SocketAddr>> {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(addr)?;
    let me = stream.local_addr()?;
    stream.write_all(b"half a messa")?;
    match linger::reset(stream) {
        Ok(()) => Ok(Some(me)),
        Err(error) if error.kind() == io::ErrorKind::Unsupported => {
            println!("[client] cannot reset here ({error}); closed instead");
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

/// What the demo saw.
#[derive(Debug)]
pub(crate) struct Demo {
    /// What each polite client sent, and what came back.
    pub(crate) echoes: Vec<(String, String)>,
    /// How the server saw each connection end, in the order they ended.
    pub(crate) outcomes: Vec<Outcome>,
    /// The resetting client's address, if it could reset.
    pub(crate) reset_client: Option<SocketAddr>,
}

/// Polite clients the demo runs after the bad ones.
pub(crate) const POLITE_CLIENTS: usize = 5;

/// Starts a server on a free port; runs a vanishing client, a resetting
/// one, then [`POLITE_CLIENTS`] polite ones against it; and waits until
/// the server has finished with every connection.
pub(crate) async fn demo() -> io::Result<Demo> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    println!("[server] listening on {addr}");
    let (sender, mut outcomes) = mpsc::unbounded();
    let server = braid::spawn(run_server(listener, sender));

    vanishing_client(addr).await?;
    let reset_client = braid::spawn_blocking(move || resetting_client(addr))
        .await
        .expect("the resetting client panicked")?;
    let lines: Vec<String> = (0..POLITE_CLIENTS).map(|i| format!("hello {i}")).collect();
    let replies = braid::gather(lines.iter().cloned().map(|line| polite_client(addr, line))).await;
    let mut echoes = Vec::new();
    for (line, reply) in lines.into_iter().zip(replies) {
        let reply = reply?;
        println!("[client] echoed {reply:?}");
        echoes.push((line, reply));
    }
    // Every connection, the broken ones included, has ended on the server.
    let mut ended = Vec::new();
    while ended.len() < POLITE_CLIENTS + 2 {
        ended.push(outcomes.next().await.expect("the server stopped"));
    }
    server.abort();
    Ok(Demo {
        echoes,
        outcomes: ended,
        reset_client,
    })
}

#[braid::main]
async fn main() -> io::Result<()> {
    if std::env::args().any(|a| a == "--demo") {
        let demo = demo().await?;
        let wrong = demo.echoes.iter().filter(|(sent, echoed)| sent != echoed);
        assert_eq!(wrong.count(), 0, "an echo came back wrong");
        let broken = demo.outcomes.iter().filter(|(_, o)| o.is_err()).count();
        if let Some(client) = demo.reset_client {
            println!("[client] {client} reset its connection");
        }
        println!(
            "[server] {} connections ended, {broken} of them broken; still answering: ok",
            demo.outcomes.len()
        );
        return Ok(());
    }
    let listener = TcpListener::bind("127.0.0.1:7878").await?;
    println!("[server] listening on {}", listener.local_addr()?);
    // Serving for real, nobody collects the outcomes: they are only logged.
    let (outcomes, collector) = mpsc::unbounded();
    drop(collector);
    run_server(listener, outcomes).await
}
