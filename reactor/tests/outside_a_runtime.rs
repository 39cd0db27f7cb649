//! Misuse panics name the mistake and point at the caller's line, not at
//! the reactor's insides: `sleep`, `interval`, `timeout` and their
//! variants are `#[track_caller]` all the way down to the panic.

use braid_reactor::driver::NO_RUNTIME;
use braid_reactor::time::{
    Duration, Instant, interval, interval_at, sleep, sleep_until, timeout, timeout_at,
};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

/// Where a panic happened, and what it said.
#[derive(Debug, PartialEq)]
struct Panic {
    file: String,
    line: u32,
    message: String,
}

/// Runs `f`, which must panic, and reports the panic. The hook is
/// process-wide, so it records only panics of this thread; this file has
/// one test so that no other test swaps the hook meanwhile.
fn panic_of(f: impl FnOnce()) -> Panic {
    let seen = Arc::new(Mutex::new(None));
    let me = std::thread::current().id();
    let previous = panic::take_hook();
    panic::set_hook(Box::new({
        let seen = seen.clone();
        move |info| {
            if std::thread::current().id() == me {
                let location = info.location().expect("a panic location");
                *seen.lock().unwrap() = Some((location.file().to_owned(), location.line()));
            }
        }
    }));
    let payload = panic::catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    panic::set_hook(previous);
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .expect("a text payload");
    let (file, line) = seen.lock().unwrap().take().expect("the hook saw the panic");
    Panic {
        file,
        line,
        message,
    }
}

/// `$call` panics with `$message` on this very line of this file.
macro_rules! assert_panics_here {
    ($message:expr, $call:expr) => {
        assert_eq!(
            panic_of(|| drop($call)),
            Panic {
                file: file!().to_owned(),
                line: line!(),
                message: $message.to_owned(),
            },
            "{}",
            stringify!($call)
        )
    };
}

#[test]
fn misuse_panics_point_at_the_caller() {
    let second = Duration::from_secs(1);
    let later = Instant::now() + second;
    assert_panics_here!(NO_RUNTIME, sleep(second));
    assert_panics_here!(NO_RUNTIME, sleep_until(later));
    assert_panics_here!(NO_RUNTIME, interval(second));
    assert_panics_here!(NO_RUNTIME, interval_at(later, second));
    assert_panics_here!(NO_RUNTIME, timeout(second, async {}));
    assert_panics_here!(NO_RUNTIME, timeout_at(later, async {}));
    assert!(NO_RUNTIME.contains("must be called from the context of a braid runtime"));

    let zero = "interval period must be greater than zero";
    let driver = braid_reactor::driver::Driver::new(true).unwrap();
    let _guard = driver.handle().enter();
    assert_panics_here!(zero, interval(Duration::ZERO));
    assert_panics_here!(zero, interval_at(later, Duration::ZERO));
}
