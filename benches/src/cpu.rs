//! CPU time used by this process, for the rows that report CPU rather than
//! wall-clock time.

use std::time::Duration;

/// User plus system CPU time used so far by every thread of this process
/// (`getrusage(RUSAGE_SELF)`).
///
/// # Panics
///
/// If `getrusage` fails, which it does only for an invalid `who`.
///
/// # Examples
///
/// ```
/// let before = braid_benches::cpu::process_cpu_time();
/// let mut x = 0u64;
/// for i in 0..1_000_000u64 {
///     x = std::hint::black_box(x.wrapping_add(i));
/// }
/// assert!(braid_benches::cpu::process_cpu_time() >= before);
/// ```
pub fn process_cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: `usage` points to writable memory the size of a `rusage`,
    // which `getrusage` fills in completely when it returns 0.
    let status = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    assert_eq!(
        status,
        0,
        "getrusage failed: {}",
        std::io::Error::last_os_error()
    );
    // SAFETY: `getrusage` returned 0, so it initialised `usage`.
    let usage = unsafe { usage.assume_init() };
    timeval(usage.ru_utime) + timeval(usage.ru_stime)
}

/// A `timeval` as a duration (both fields are non-negative for rusage).
fn timeval(time: libc::timeval) -> Duration {
    let seconds = u64::try_from(time.tv_sec).unwrap_or(0);
    let micros = u32::try_from(time.tv_usec).unwrap_or(0);
    Duration::from_secs(seconds) + Duration::from_micros(u64::from(micros))
}
