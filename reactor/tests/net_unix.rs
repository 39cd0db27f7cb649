//! Unix sockets: stream echo through a listener, `pair`, split halves from
//! two tasks, datagram round trips, and the errors of binding a path that
//! exists.

mod support;

use braid::net::unix::ReuniteError;
use braid::net::{UnixDatagram, UnixListener, UnixStream};
use futures::io::{AsyncReadExt, AsyncWriteExt};
use std::io::ErrorKind;
use std::path::PathBuf;
use support::eventually;

const CLIENTS: usize = 20;

fn runtime() -> braid::Runtime {
    braid::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime")
}

/// A fresh directory for this test's socket files, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("braid-net-unix-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn stream_echo_through_a_listener() {
    let dir = TempDir::new("echo");
    let path = dir.path("echo.sock");
    eventually(move || {
        runtime().block_on(async move {
            let listener = UnixListener::bind(&path).unwrap();
            assert_eq!(
                listener.local_addr().unwrap().as_pathname(),
                Some(path.as_path())
            );
            let server = braid::spawn(async move {
                for _ in 0..CLIENTS {
                    let (stream, _) = listener.accept().await.unwrap();
                    braid::spawn(async move {
                        let (mut read, mut write) = stream.into_split();
                        futures::io::copy(&mut read, &mut write).await.unwrap();
                    });
                }
            });
            let clients: Vec<_> = (0..CLIENTS)
                .map(|i| {
                    let path = path.clone();
                    braid::spawn(async move {
                        let mut stream = UnixStream::connect(&path).await.unwrap();
                        assert_eq!(
                            stream.peer_addr().unwrap().as_pathname(),
                            Some(path.as_path())
                        );
                        let message = format!("client {i}");
                        stream.write_all(message.as_bytes()).await.unwrap();
                        stream.close().await.unwrap();
                        let mut back = String::new();
                        stream.read_to_string(&mut back).await.unwrap();
                        assert_eq!(back, message);
                    })
                })
                .collect();
            for client in clients {
                client.await.unwrap();
            }
            server.await.unwrap();
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_pair_talks_both_ways_and_its_halves_work_from_two_tasks() {
    eventually(|| {
        runtime().block_on(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            // SAFETY: `getuid` has no preconditions and cannot fail.
            let uid = unsafe { libc::getuid() };
            let cred = a.peer_cred().unwrap();
            assert_eq!(cred.uid(), uid);
            if let Some(pid) = cred.pid() {
                assert_eq!(pid, i32::try_from(std::process::id()).unwrap());
            }
            let (mut read, mut write) = a.into_split();
            let writer = braid::spawn(async move {
                for i in 0..100u8 {
                    write.write_all(&[i; 64]).await.unwrap();
                }
                write
            });
            let echo = braid::spawn(async move {
                let mut buf = vec![0; 100 * 64];
                b.read_exact(&mut buf).await.unwrap();
                b.write_all(&buf).await.unwrap();
                b
            });
            let mut back = vec![0; 100 * 64];
            read.read_exact(&mut back).await.unwrap();
            assert!(
                back.chunks(64)
                    .enumerate()
                    .all(|(i, c)| c.iter().all(|&x| usize::from(x) == i))
            );
            let write = writer.await.unwrap();
            let _b = echo.await.unwrap();

            let (other, _) = UnixStream::pair().unwrap();
            let (other_read, other_write) = other.into_split();
            let ReuniteError(read, other_write) = read.reunite(other_write).unwrap_err();
            let _other = other_read.reunite(other_write).unwrap();
            let _a = read.reunite(write).unwrap();
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn datagrams_round_trip_by_path_and_by_pair() {
    let dir = TempDir::new("dgram");
    let (server_path, client_path) = (dir.path("server.sock"), dir.path("client.sock"));
    eventually(move || {
        runtime().block_on(async move {
            let server = UnixDatagram::bind(&server_path).unwrap();
            let client = UnixDatagram::bind(&client_path).unwrap();
            client.send_to(b"request", &server_path).await.unwrap();
            let mut buf = [0; 16];
            let (n, from) = server.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"request");
            assert_eq!(from.as_pathname(), Some(client_path.as_path()));
            server
                .send_to(b"reply", from.as_pathname().unwrap())
                .await
                .unwrap();
            let (n, _) = client.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"reply");

            let unbound = UnixDatagram::unbound().unwrap();
            unbound.connect(&server_path).unwrap();
            unbound.send(b"connected").await.unwrap();
            let n = server.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"connected");

            let (a, b) = UnixDatagram::pair().unwrap();
            let receiver = braid::spawn(async move {
                let mut buf = [0; 8];
                let n = b.recv(&mut buf).await.unwrap();
                buf[..n].to_vec()
            });
            a.send(b"pair").await.unwrap();
            assert_eq!(receiver.await.unwrap(), b"pair");
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn binding_a_socket_path_left_behind_names_the_path_and_says_to_remove_it() {
    let dir = TempDir::new("stale");
    let path = dir.path("stale.sock");
    eventually(move || {
        runtime().block_on(async move {
            // A listener that goes away leaves its socket file behind.
            drop(UnixListener::bind(&path).unwrap());
            assert!(path.exists());
            let error = UnixListener::bind(&path).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::AddrInUse);
            let message = error.to_string();
            assert!(message.contains(&*path.to_string_lossy()), "{message}");
            let words = message.replace(&*path.to_string_lossy(), "");
            assert!(words.contains("in use by a socket file"), "{message}");
            assert!(words.contains("removed before binding"), "{message}");
            assert!(!words.contains("stale"), "{message}");

            // Connecting to it is refused, with the path named too.
            let error = UnixStream::connect(&path).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::ConnectionRefused);
            assert!(error.to_string().contains(&*path.to_string_lossy()));

            // A path someone listens on gets the same words: bind cannot
            // tell the two apart without touching the listener.
            std::fs::remove_file(&path).unwrap();
            let _live = UnixListener::bind(&path).unwrap();
            let error = UnixDatagram::bind(&path).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::AddrInUse);
            assert_eq!(error.to_string(), message);

            // A missing directory is the OS's NotFound, path named.
            let missing = path.with_file_name("no-such-dir").join("x.sock");
            let error = UnixDatagram::bind(&missing).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::NotFound);
            assert!(error.to_string().contains("no-such-dir"));
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn binding_over_a_live_listener_fails_without_connecting_to_it() {
    let dir = TempDir::new("live");
    let path = dir.path("live.sock");
    let theirs = std::os::unix::net::UnixListener::bind(&path).unwrap();
    theirs.set_nonblocking(true).unwrap();
    eventually(move || {
        runtime().block_on(async move {
            let error = UnixListener::bind(&path).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::AddrInUse);
            let error = UnixDatagram::bind(&path).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::AddrInUse);
        })
    });
    let accepted = theirs.accept().map(|_| ());
    assert_eq!(
        accepted.map_err(|error| error.kind()),
        Err(ErrorKind::WouldBlock),
        "the listener at the path got a connection from a failed bind"
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn binding_over_a_file_or_directory_says_it_is_not_a_socket() {
    let dir = TempDir::new("not-socket");
    let file = dir.path("file");
    std::fs::write(&file, b"contents").unwrap();
    let directory = dir.path("directory");
    std::fs::create_dir(&directory).unwrap();
    eventually(move || {
        runtime().block_on(async move {
            for (path, what) in [(&file, "a regular file"), (&directory, "a directory")] {
                for error in [
                    UnixListener::bind(path).unwrap_err(),
                    UnixDatagram::bind(path).unwrap_err(),
                ] {
                    assert_eq!(error.kind(), ErrorKind::AddrInUse);
                    let message = error.to_string();
                    assert!(message.contains(&*path.to_string_lossy()), "{message}");
                    let words = message.replace(&*path.to_string_lossy(), "");
                    assert!(words.contains(what), "{message}");
                    assert!(words.contains("not a socket"), "{message}");
                    assert!(!words.contains("left over"), "{message}");
                    assert!(!words.contains("remove"), "{message}");
                    assert!(!words.contains("stale"), "{message}");
                }
            }
            assert_eq!(std::fs::read(&file).unwrap(), b"contents");
            assert!(directory.is_dir());
        })
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_bind_error_keeps_the_os_error_as_its_source() {
    let dir = TempDir::new("source");
    let file = dir.path("file");
    std::fs::write(&file, b"").unwrap();
    let socket = dir.path("left.sock");
    let missing = dir.path("no-such-dir").join("x.sock");
    eventually(move || {
        runtime().block_on(async move {
            drop(UnixListener::bind(&socket).unwrap());
            let cases = [
                (UnixListener::bind(&file).unwrap_err(), libc::EADDRINUSE),
                (UnixDatagram::bind(&socket).unwrap_err(), libc::EADDRINUSE),
                (UnixListener::bind(&missing).unwrap_err(), libc::ENOENT),
                (
                    UnixStream::connect(&missing).await.unwrap_err(),
                    libc::ENOENT,
                ),
            ];
            for (error, errno) in cases {
                let source = std::error::Error::source(&error)
                    .and_then(|source| source.downcast_ref::<std::io::Error>())
                    .unwrap_or_else(|| panic!("no io::Error source: {error}"));
                assert_eq!(source.raw_os_error(), Some(errno), "{error}");
                assert_eq!(source.kind(), error.kind(), "{error}");
            }
        })
    });
}
