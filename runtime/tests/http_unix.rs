//! hyper over braid's Unix streams (feature `hyper`): `hyper::rt::{Read,
//! Write}` on `UnixStream`, with no adapter, both ends on braid.
#![cfg(all(unix, feature = "hyper"))]

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use std::convert::Infallible;

async fn hello(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = format!("hello {}", request.uri().path());
    Ok(Response::new(Full::new(Bytes::from(body))))
}

#[test]
#[cfg_attr(miri, ignore)]
fn http1_over_a_unix_stream_pair() {
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let (server_end, client_end) = braid::net::UnixStream::pair().unwrap();
        let server = braid::spawn(async move {
            hyper::server::conn::http1::Builder::new()
                .serve_connection(server_end, hyper::service::service_fn(hello))
                .await
        });

        let (mut sender, connection) = hyper::client::conn::http1::handshake(client_end)
            .await
            .unwrap();
        let driver = braid::spawn(connection);
        for path in ["/a", "/bb"] {
            // HTTP/1: one request at a time, once the last one is done.
            sender.ready().await.unwrap();
            let request = Request::get(path).body(Full::new(Bytes::new())).unwrap();
            let response = sender.send_request(request).await.unwrap();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(body, format!("hello {path}").as_bytes());
        }
        drop(sender);
        driver.await.unwrap().unwrap();
        server.await.unwrap().unwrap();
    });
}
