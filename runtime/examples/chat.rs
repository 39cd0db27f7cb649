//! A chat server: every line a client sends goes to every other client, and
//! a client that stays silent longer than the idle timeout is disconnected.
//!
//! `cargo run -p braid --example chat [ADDR]` serves on 127.0.0.1:7001 (talk
//! to it with `nc 127.0.0.1 7001` from a few terminals); `-- --demo` runs a
//! server and four clients on a free port, three of which talk while the
//! fourth stays silent until it is timed out, prints the transcripts and
//! exits. (`runtime/tests/chat.rs` runs the same demo.)
//!
//! One task per client reads its lines; one hub task owns the list of
//! clients and hands each line to every other client's queue (an
//! `async-channel` of bounded length); one task per client writes its
//! queue out, so a slow reader never holds up the others: when its queue is
//! full it is disconnected.

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_channel::{Receiver, Sender, TrySendError};
use braid::net::{TcpListener, TcpStream};
use braid::time::timeout;
use futures::StreamExt;
use futures::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Lines waiting for a client before it counts as too slow.
const QUEUE: usize = 64;
/// What a client is told before it is disconnected for its silence.
pub(crate) const IDLE_BYE: &str = "* idle timeout, bye";

enum Event {
    Join(u64, Sender<Arc<str>>),
    Leave(u64),
    Line(u64, String),
}

/// Accepts clients until the listener fails.
pub(crate) async fn serve(listener: TcpListener, idle: Duration) -> io::Result<()> {
    let (events, hub_events) = async_channel::unbounded();
    braid::spawn(hub(hub_events));
    for id in 1.. {
        let (stream, _) = listener.accept().await?;
        braid::spawn(client(id, stream, events.clone(), idle));
    }
    Ok(())
}

/// Owns the clients' queues: greets, relays and says who left.
async fn hub(events: Receiver<Event>) {
    let mut clients: HashMap<u64, Sender<Arc<str>>> = HashMap::new();
    while let Ok(event) = events.recv().await {
        let (from, text) = match event {
            Event::Join(id, queue) => {
                let _ = queue.try_send(format!("* you are guest-{id}").into());
                clients.insert(id, queue);
                (id, format!("* guest-{id} joined"))
            }
            Event::Leave(id) => {
                clients.remove(&id);
                (id, format!("* guest-{id} left"))
            }
            Event::Line(id, line) => (id, format!("guest-{id}: {line}")),
        };
        let text: Arc<str> = text.into();
        // A client whose queue is full is too slow to keep: dropping its
        // queue ends its writer, which closes the connection.
        clients.retain(|&id, queue| {
            id == from || !matches!(queue.try_send(text.clone()), Err(TrySendError::Full(_)))
        });
    }
}

/// Reads one client's lines until it leaves, breaks, or stays silent for
/// `idle`.
async fn client(id: u64, stream: TcpStream, events: Sender<Event>, idle: Duration) {
    let stream = Arc::new(stream);
    let (queue, pending) = async_channel::bounded(QUEUE);
    let writer = braid::spawn(write_out(stream.clone(), pending));
    let _ = events.send(Event::Join(id, queue.clone())).await;

    let mut lines = BufReader::new(&*stream).lines();
    loop {
        match timeout(idle, lines.next()).await {
            Ok(Some(Ok(line))) => {
                let _ = events.send(Event::Line(id, line)).await;
            }
            // The client closed the connection, or it broke.
            Ok(None | Some(Err(_))) => break,
            Err(_elapsed) => {
                let _ = queue.try_send(IDLE_BYE.into());
                break;
            }
        }
    }
    let _ = events.send(Event::Leave(id)).await;
    // The writer ends once the hub's copy of the queue and ours are gone.
    drop(queue);
    let _ = writer.await;
}

/// Writes a client's queue to its socket, then closes the connection.
async fn write_out(stream: Arc<TcpStream>, pending: Receiver<Arc<str>>) {
    let mut out = &*stream;
    while let Ok(text) = pending.recv().await {
        let line = format!("{text}\n");
        if out.write_all(line.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// A demo client: its connection, read through a buffer.
struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    /// Connects and waits for the greeting, so that the hub knows it.
    async fn join(addr: SocketAddr) -> io::Result<Client> {
        let stream = TcpStream::connect(addr).await?;
        let mut client = Client {
            reader: BufReader::new(stream),
        };
        let greeting = client.read_line().await?;
        assert!(greeting.is_some_and(|g| g.starts_with("* you are")));
        Ok(client)
    }

    async fn say(&mut self, line: &str) -> io::Result<()> {
        let stream = self.reader.get_mut();
        stream.write_all(format!("{line}\n").as_bytes()).await
    }

    /// The next line, or `None` once the server closed the connection.
    async fn read_line(&mut self) -> io::Result<Option<String>> {
        let mut line = String::new();
        if self.reader.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        Ok(Some(line.trim_end().to_owned()))
    }

    /// Reads until `wanted` arrives; returns every line read.
    async fn read_until(&mut self, wanted: &str) -> io::Result<Vec<String>> {
        let mut seen = Vec::new();
        while seen.last().map(String::as_str) != Some(wanted) {
            match self.read_line().await? {
                Some(line) => seen.push(line),
                None => return Err(io::ErrorKind::UnexpectedEof.into()),
            }
        }
        Ok(seen)
    }

    /// Every line until the server closes the connection.
    async fn read_to_end(mut self) -> io::Result<Vec<String>> {
        let mut seen = Vec::new();
        while let Some(line) = self.read_line().await? {
            seen.push(line);
        }
        Ok(seen)
    }
}

/// What the demo's clients read.
pub(crate) struct Transcripts {
    /// What the second client read while the first said hello.
    pub(crate) bob: Vec<String>,
    /// What the first client read while the second answered.
    pub(crate) alice: Vec<String>,
    /// Everything the silent client read until it was disconnected.
    pub(crate) silent: Vec<String>,
}

/// Runs a server with the given idle timeout and four clients against it.
pub(crate) async fn demo(idle: Duration) -> io::Result<Transcripts> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    braid::spawn(serve(listener, idle));

    let silent = Client::join(addr).await?;
    let mut alice = Client::join(addr).await?;
    let mut bob = Client::join(addr).await?;

    alice.say("hello, everyone").await?;
    let bob_saw = bob.read_until("guest-2: hello, everyone").await?;
    bob.say("hi alice").await?;
    let alice_saw = alice.read_until("guest-3: hi alice").await?;
    drop((alice, bob));

    Ok(Transcripts {
        bob: bob_saw,
        alice: alice_saw,
        silent: silent.read_to_end().await?,
    })
}

#[braid::main]
async fn main() -> io::Result<()> {
    let arg = std::env::args().nth(1);
    if arg.as_deref() == Some("--demo") {
        let transcripts = demo(Duration::from_secs(2)).await?;
        for (who, lines) in [
            ("alice", &transcripts.alice),
            ("bob", &transcripts.bob),
            ("silent", &transcripts.silent),
        ] {
            println!("{who} read:");
            for line in lines {
                println!("    {line}");
            }
        }
        return Ok(());
    }
    let addr = arg.unwrap_or("127.0.0.1:7001".into());
    let listener = TcpListener::bind(&addr).await?;
    println!(
        "chat on {} (idle timeout 5 minutes)",
        listener.local_addr()?
    );
    serve(listener, Duration::from_secs(300)).await
}
