//! A TCP echo server that keeps serving when clients vanish or reset.
//!
//! `cargo run -p braid --example echo` serves on 127.0.0.1:7878 until
//! Ctrl-C; `cargo run -p braid --example echo -- --demo` starts the server on
//! a free port, runs a few well- and badly-behaved clients against it, and
//! exits.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use braid::net::{TcpListener, TcpStream};
use futures::io::{AsyncReadExt, AsyncWriteExt};

/// Echoes one connection until the client closes or the connection breaks.
async fn serve(mut stream: TcpStream, peer: SocketAddr) {
    let mut buf = vec![0u8; 4096];
    let mut total = 0usize;
    let outcome: io::Result<()> = async {
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Ok(());
            }
            stream.write_all(&buf[..n]).await?;
            total += n;
        }
    }
    .await;
    match outcome {
        Ok(()) => println!("[server] {peer}: closed after {total} bytes"),
        // A reset or vanished peer is that connection's problem only.
        Err(error) => println!("[server] {peer}: {} after {total} bytes", error.kind()),
    }
}

async fn run_server(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        stream.set_nodelay(true)?;
        braid::spawn(serve(stream, peer));
    }
}

/// A client that sends a line and reads it back.
async fn polite_client(addr: SocketAddr, line: &str) -> io::Result<String> {
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

/// A client that resets the connection mid-stream (SO_LINGER 0, then close).
fn resetting_client(addr: SocketAddr) -> io::Result<()> {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.write_all(b"half a messa")?;
    set_linger_zero(&stream)?;
    drop(stream);
    Ok(())
}

#[cfg(unix)]
fn set_linger_zero(stream: &std::net::TcpStream) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    #[repr(C)]
    struct Linger {
        l_onoff: i32,
        l_linger: i32,
    }
    unsafe extern "C" {
        fn setsockopt(fd: i32, level: i32, name: i32, value: *const Linger, len: u32) -> i32;
    }
    const SOL_SOCKET: i32 = 1;
    const SO_LINGER: i32 = 13;
    let linger = Linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket descriptor and a pointer to a live `linger`
    // struct of the size passed.
    let rc = unsafe { setsockopt(stream.as_raw_fd(), SOL_SOCKET, SO_LINGER, &linger, 8) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(unix))]
fn set_linger_zero(_stream: &std::net::TcpStream) -> io::Result<()> {
    Ok(())
}

#[braid::main]
async fn main() -> io::Result<()> {
    let demo = std::env::args().any(|a| a == "--demo");
    let addr = if demo {
        "127.0.0.1:0"
    } else {
        "127.0.0.1:7878"
    };
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    println!("[server] listening on {addr}");
    if !demo {
        return run_server(listener).await;
    }
    let server = braid::spawn(run_server(listener));

    vanishing_client(addr).await?;
    braid::spawn_blocking(move || resetting_client(addr))
        .await
        .expect("client thread")?;
    let replies = braid::gather(
        (0..5).map(|i| async move { polite_client(addr, &format!("hello {i}")).await }),
    )
    .await;
    for reply in replies {
        println!("[client] echoed {:?}", reply?);
    }
    // Give the server a moment to log the closed connections.
    braid::time::sleep(Duration::from_millis(100)).await;
    server.abort();
    println!("[server] still answering after a vanished and a reset client: ok");
    Ok(())
}
