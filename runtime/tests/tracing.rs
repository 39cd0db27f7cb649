//! Feature `tracing`: one span per task (its id and spawn location),
//! entered on each poll; an event for each stall and each panicked task.
#![cfg(feature = "tracing")]

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// What the subscriber saw.
#[derive(Default)]
struct Seen {
    /// Per task id: (spans made, times entered, spawn location).
    tasks: HashMap<u64, (usize, usize, String)>,
    /// Span ids to task ids.
    spans: HashMap<u64, u64>,
    /// Events by target.
    events: HashMap<String, usize>,
}

static SEEN: Mutex<Option<Seen>> = Mutex::new(None);
static NEXT_SPAN: AtomicU64 = AtomicU64::new(1);

#[derive(Default)]
struct Fields {
    task_id: Option<u64>,
    spawned_at: Option<String>,
}

impl Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "task_id" {
            self.task_id = Some(value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "spawned_at" {
            self.spawned_at = Some(format!("{value:?}"));
        }
    }
}

struct Recorder;

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = NEXT_SPAN.fetch_add(1, Ordering::SeqCst);
        if span.metadata().name() == "task" {
            let mut fields = Fields::default();
            span.record(&mut fields);
            let task = fields.task_id.expect("a task span names its task");
            let mut seen = SEEN.lock().unwrap();
            let seen = seen.get_or_insert_with(Seen::default);
            let entry = seen.tasks.entry(task).or_default();
            entry.0 += 1;
            entry.2 = fields.spawned_at.unwrap_or_default();
            seen.spans.insert(id, task);
        }
        Id::from_u64(id)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut seen = SEEN.lock().unwrap();
        let seen = seen.get_or_insert_with(Seen::default);
        *seen
            .events
            .entry(event.metadata().target().to_owned())
            .or_default() += 1;
    }

    fn enter(&self, span: &Id) {
        let mut seen = SEEN.lock().unwrap();
        let seen = seen.get_or_insert_with(Seen::default);
        if let Some(task) = seen.spans.get(&span.into_u64()).copied() {
            seen.tasks.get_mut(&task).unwrap().1 += 1;
        }
    }

    fn exit(&self, _: &Id) {}
}

#[test]
fn one_span_per_task_entered_on_each_poll_and_events_for_stalls_and_panics() {
    tracing::subscriber::set_global_default(Recorder).unwrap();
    let rt = braid::Builder::new_multi_thread()
        .worker_threads(2)
        .stall_threshold(Duration::from_millis(30))
        .on_stall(|_: &braid::StallReport| {})
        .build()
        .unwrap();
    let ids = rt.block_on(async {
        let handles: Vec<_> = (0..10)
            .map(|_| {
                braid::spawn(async {
                    // Three polls each.
                    braid::yield_now().await;
                    braid::yield_now().await;
                })
            })
            .collect();
        let mut ids = Vec::new();
        for handle in handles {
            ids.push(handle.id().as_u64());
            handle.await.unwrap();
        }
        ids
    });
    {
        let seen = SEEN.lock().unwrap();
        let seen = seen.as_ref().unwrap();
        for id in &ids {
            let (spans, entered, location) = &seen.tasks[id];
            assert_eq!(*spans, 1, "task {id}: one span");
            assert_eq!(*entered, 3, "task {id}: entered on each poll");
            assert!(location.contains(file!()), "{location}");
        }
        assert_eq!(seen.tasks.len(), 10, "one span per task and no other");
    }
    rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(200)) }))
        .unwrap();
    // Quietly: printing a backtrace could itself take past the threshold.
    std::panic::set_hook(Box::new(|_| {}));
    let panicked = rt.block_on(rt.spawn(async { panic!("on purpose") }));
    assert!(panicked.unwrap_err().is_panic());
    let seen = SEEN.lock().unwrap();
    let seen = seen.as_ref().unwrap();
    assert_eq!(seen.events.get("braid::stall"), Some(&1));
    assert_eq!(seen.events.get("braid::task"), Some(&1));
}
