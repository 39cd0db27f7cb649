//! The smallest braid server: echoes every byte back, a task per client.
//!
//! `cargo run -p braid --example tcp_echo [ADDR]` (default 127.0.0.1:7000),
//! then `nc 127.0.0.1 7000` in another terminal.

use braid::net::TcpListener;
use futures::io::{AsyncReadExt, AsyncWriteExt};

#[braid::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or("127.0.0.1:7000".into());
    let listener = TcpListener::bind(&addr).await?;
    println!("echoing on {}", listener.local_addr()?);
    loop {
        let (mut stream, peer) = listener.accept().await?;
        braid::spawn(async move {
            let mut buf = vec![0; 4096];
            loop {
                let n = match stream.read(&mut buf).await {
                    Ok(0) => return,
                    Ok(n) => n,
                    Err(error) => return eprintln!("{peer}: {error}"),
                };
                if let Err(error) = stream.write_all(&buf[..n]).await {
                    return eprintln!("{peer}: {error}");
                }
            }
        });
    }
}
