//! `interval`: ticks, and what happens to missed ticks.

mod support;

use braid_reactor::driver::block_on;
use braid_reactor::time::{
    Duration, Instant, MissedTickBehavior, advance, interval, sleep, timeout,
};

const PERIOD: Duration = Duration::from_millis(100);

#[test]
fn ticks_come_one_period_apart_and_the_first_at_once() {
    block_on(true, async {
        let start = Instant::now();
        let mut ticks = interval(PERIOD);
        for n in 0..5 {
            let scheduled = ticks.tick().await;
            assert_eq!(scheduled, start + PERIOD * n);
            assert_eq!(Instant::now(), scheduled);
        }
    });
}

/// Ticks once, then sleeps 3.5 periods (missing three ticks), then returns
/// the offsets from the start of the next `n` ticks' scheduled times and of
/// the time each completed.
async fn after_a_stall(behavior: MissedTickBehavior, n: usize) -> Vec<(Duration, Duration)> {
    let start = Instant::now();
    let mut ticks = interval(PERIOD);
    ticks.set_missed_tick_behavior(behavior);
    ticks.tick().await;
    sleep(PERIOD * 7 / 2).await;
    let mut seen = Vec::new();
    for _ in 0..n {
        let scheduled = ticks.tick().await;
        seen.push((scheduled - start, Instant::now() - start));
    }
    seen
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn burst_fires_the_missed_ticks_at_once_and_keeps_the_schedule() {
    block_on(true, async {
        let seen = after_a_stall(MissedTickBehavior::Burst, 5).await;
        assert_eq!(
            seen,
            [
                (ms(100), ms(350)),
                (ms(200), ms(350)),
                (ms(300), ms(350)),
                (ms(400), ms(400)),
                (ms(500), ms(500)),
            ]
        );
    });
}

#[test]
fn delay_restarts_the_schedule_from_the_late_tick() {
    block_on(true, async {
        let seen = after_a_stall(MissedTickBehavior::Delay, 3).await;
        assert_eq!(
            seen,
            [(ms(100), ms(350)), (ms(450), ms(450)), (ms(550), ms(550))]
        );
    });
}

#[test]
fn skip_drops_the_missed_ticks_and_keeps_the_grid() {
    block_on(true, async {
        let seen = after_a_stall(MissedTickBehavior::Skip, 3).await;
        assert_eq!(
            seen,
            [(ms(100), ms(350)), (ms(400), ms(400)), (ms(500), ms(500))]
        );
    });
}

/// Ticks once, lets `late` pass after the second tick was due, and returns
/// the offsets from the start of the next two ticks' scheduled times.
async fn after_a_late_tick(behavior: MissedTickBehavior, late: Duration) -> [Duration; 2] {
    let start = Instant::now();
    let mut ticks = interval(PERIOD);
    ticks.set_missed_tick_behavior(behavior);
    ticks.tick().await;
    advance(PERIOD + late).await;
    [ticks.tick().await - start, ticks.tick().await - start]
}

#[test]
fn a_tick_late_by_less_than_a_period_is_missed_for_delay_only() {
    block_on(true, async {
        let delay = after_a_late_tick(MissedTickBehavior::Delay, ms(50)).await;
        assert_eq!(delay, [ms(100), ms(250)]);
        for behavior in [MissedTickBehavior::Burst, MissedTickBehavior::Skip] {
            let kept = after_a_late_tick(behavior, ms(50)).await;
            assert_eq!(kept, [ms(100), ms(200)], "{behavior:?}");
        }
    });
}

#[test]
fn a_tick_late_by_a_few_milliseconds_is_on_time() {
    block_on(true, async {
        for behavior in [
            MissedTickBehavior::Burst,
            MissedTickBehavior::Delay,
            MissedTickBehavior::Skip,
        ] {
            let kept = after_a_late_tick(behavior, ms(5)).await;
            assert_eq!(kept, [ms(100), ms(200)], "{behavior:?}");
        }
        let moved = after_a_late_tick(MissedTickBehavior::Delay, ms(6)).await;
        assert_eq!(moved, [ms(100), ms(206)]);
    });
}

#[test]
#[should_panic(expected = "interval period must be greater than zero")]
fn a_zero_period_panics() {
    block_on(true, async {
        let _ = interval(Duration::ZERO);
    });
}

#[test]
fn a_period_too_long_for_the_clock_never_ticks_again() {
    block_on(true, async {
        let mut ticks = interval(Duration::MAX);
        ticks.tick().await;
        let hour = Duration::from_secs(3600);
        assert!(timeout(hour, ticks.tick()).await.is_err());
        ticks.reset();
        assert!(timeout(hour, ticks.tick()).await.is_err());
    });
}
