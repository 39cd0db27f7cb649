//! Shutdown wakes every waiter; afterwards sockets fail and sleeps panic.

mod support;

use braid_reactor::driver::Driver;
use braid_reactor::net::{TcpListener, TcpStream};
use braid_reactor::time::{Duration, sleep};
use futures::io::AsyncReadExt;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_pending_read_is_woken_and_fails_after_shutdown() {
    let mut driver = Driver::new(false).unwrap();
    let _guard = driver.handle().enter();
    let listener = futures::executor::block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let _peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();

    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(counter.clone());
    let mut cx = Context::from_waker(&waker);
    // Nobody else turns the driver here: turn it until the accept is seen.
    let mut accept = pin!(listener.accept());
    let mut stream = loop {
        match accept.as_mut().poll(&mut cx) {
            Poll::Ready(result) => break result.unwrap().0,
            Poll::Pending => driver.park(Some(Duration::from_millis(10)), &|| false),
        }
    };
    let mut buf = [0; 8];
    let mut read = pin!(stream.read(&mut buf));
    assert!(read.as_mut().poll(&mut cx).is_pending());
    let before = counter.0.load(Ordering::SeqCst);
    driver.shutdown();
    assert!(
        counter.0.load(Ordering::SeqCst) > before,
        "the reader was not woken"
    );
    let Poll::Ready(Err(error)) = read.as_mut().poll(&mut cx) else {
        panic!("a read after shutdown must fail");
    };
    assert!(error.to_string().contains("shut down"));
}

#[test]
#[cfg_attr(miri, ignore)]
fn new_sockets_fail_after_shutdown() {
    let mut driver = Driver::new(false).unwrap();
    let _guard = driver.handle().enter();
    driver.shutdown();
    let error = futures::executor::block_on(TcpListener::bind("127.0.0.1:0")).unwrap_err();
    assert!(error.to_string().contains("shut down"));
    let error = futures::executor::block_on(TcpStream::connect("127.0.0.1:9")).unwrap_err();
    assert!(error.to_string().contains("shut down"));
}

#[test]
#[should_panic(expected = "shut down")]
fn a_pending_sleep_is_woken_and_panics_when_polled_after_shutdown() {
    let mut driver = Driver::new(true).unwrap();
    let _guard = driver.handle().enter();
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(counter.clone());
    let mut cx = Context::from_waker(&waker);
    let mut nap = pin!(sleep(Duration::from_secs(1)));
    assert!(nap.as_mut().poll(&mut cx).is_pending());
    driver.shutdown();
    assert_eq!(
        counter.0.load(Ordering::SeqCst),
        1,
        "the sleeper was not woken"
    );
    assert_eq!(driver.handle().timer_entry_count(), 0);
    let _ = nap.as_mut().poll(&mut cx);
}

#[test]
fn dropping_the_driver_shuts_it_down() {
    let driver = Driver::new(true).unwrap();
    let handle = driver.handle();
    let _guard = handle.enter();
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(counter.clone());
    let mut nap = pin!(sleep(Duration::from_secs(1)));
    assert!(
        nap.as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
    );
    drop(driver);
    assert_eq!(counter.0.load(Ordering::SeqCst), 1);
}
