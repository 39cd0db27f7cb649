//! Fixtures of the HTTP tests: a server on a free port with a stop switch,
//! and a small HTTP/1 client on hyper's connection API.
#![allow(dead_code, unreachable_pub)]

use braid::CancellationToken;
use braid::net::{TcpListener, TcpStream};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http1;
use hyper::{Request, Response, StatusCode};
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;

pub type Body = Full<Bytes>;

/// A server started by [`start`]; `stop` shuts it down gracefully and
/// returns what `serve` returned.
pub struct Server {
    pub addr: SocketAddr,
    stop: CancellationToken,
    task: braid::JoinHandle<io::Result<()>>,
}

impl Server {
    pub async fn stop(self) -> io::Result<()> {
        self.stop.cancel();
        self.task.await.expect("the server task panicked")
    }

    pub fn begin_stop(&self) {
        self.stop.cancel();
    }

    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    pub async fn join(self) -> io::Result<()> {
        self.task.await.expect("the server task panicked")
    }
}

/// Serves `handler` on a free loopback port until stopped.
pub async fn start<H, Fut>(handler: H) -> Server
where
    H: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    start_with(handler, |serve| serve).await
}

/// As [`start`], with `configure` applied to the server first.
pub async fn start_with<H, Fut>(
    handler: H,
    configure: impl FnOnce(braid::hyper::Serve<Svc<H>>) -> braid::hyper::Serve<Svc<H>>,
) -> Server
where
    H: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    let signal = stop.clone();
    let serve = configure(braid::hyper::serve(listener, Svc(handler)))
        .with_graceful_shutdown(async move { signal.cancelled().await });
    let task = braid::spawn(serve.into_future());
    Server { addr, stop, task }
}

/// A tower service from an infallible async handler.
#[derive(Clone)]
pub struct Svc<H>(pub H);

impl<H, Fut> tower_service::Service<Request<Incoming>> for Svc<H>
where
    H: Fn(Request<Incoming>) -> Fut,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future =
        std::pin::Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Incoming>) -> Self::Future {
        let response = (self.0)(request);
        Box::pin(async move { Ok(response.await) })
    }
}

pub fn text(body: &'static str) -> Response<Body> {
    Response::new(Full::new(Bytes::from(body)))
}

/// One HTTP/1 connection, kept alive between requests.
pub struct Client {
    sender: http1::SendRequest<Body>,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> io::Result<Client> {
        let stream = TcpStream::connect(addr).await?;
        let (sender, connection) = http1::handshake(stream).await.map_err(io::Error::other)?;
        braid::spawn(connection);
        Ok(Client { sender })
    }

    /// GETs `path`; the status and the body as text.
    pub async fn get(&mut self, path: &str) -> Result<(StatusCode, String), hyper::Error> {
        self.sender.ready().await?;
        let request = Request::get(path)
            .header("host", "localhost")
            .body(Full::new(Bytes::new()))
            .unwrap();
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, String::from_utf8(body.to_vec()).unwrap()))
    }
}

/// One GET on a new connection.
pub async fn get(addr: SocketAddr, path: &str) -> (StatusCode, String) {
    let mut client = Client::connect(addr).await.unwrap();
    client.get(path).await.unwrap()
}
