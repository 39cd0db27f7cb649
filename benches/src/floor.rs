//! The physical floor of the scheduler rows: what one task costs when
//! nothing but the unavoidable is done.

use std::hint::black_box;
use std::time::Instant;

use crossbeam_deque::Worker;

use crate::measure::Run;

/// Stand-in for a task: a header word and a small future's worth of state.
struct FloorTask {
    id: u64,
    _state: [u64; 7],
}

/// `floor`: `units` times, one heap allocation, one push onto a
/// work-stealing deque (the one braid's workers use), one pop, one free, on
/// a single thread. A scheduler row divided by its units and by this run's
/// time per unit reads as "a multiple of the floor".
///
/// # Examples
///
/// ```
/// let run = braid_benches::floor::floor(1_000);
/// assert_eq!(run.units, 1_000);
/// ```
pub fn floor(units: u64) -> Run {
    let queue = Worker::new_fifo();
    let start = Instant::now();
    let mut sum = 0;
    for id in 0..units {
        queue.push(black_box(Box::new(FloorTask { id, _state: [0; 7] })));
        let task = queue.pop().expect("the floor queue lost a task");
        sum += black_box(task).id;
    }
    let elapsed = start.elapsed();
    assert_eq!(sum, units * units.saturating_sub(1) / 2, "floor: wrong sum");
    Run {
        elapsed,
        units,
        latency: None,
    }
}
