//! What a task's [`AbortHandle`] reaches: the task's state word, through a
//! reference of its own.

use braid_gather::host::AbortTask;

use super::RawTask;

pub use braid_gather::AbortHandle;

/// A task of this runtime as an [`AbortHandle`] holds it: one reference,
/// released when the handle is dropped.
pub(super) struct TaskAbort {
    raw: RawTask,
}

// SAFETY: the handle only touches the atomic state word and the scheduler,
// both thread-safe.
unsafe impl Send for TaskAbort {}
// SAFETY: as above; `&self` methods are atomic operations.
unsafe impl Sync for TaskAbort {}

impl TaskAbort {
    pub(super) fn new(raw: RawTask) -> TaskAbort {
        raw.header().state.ref_inc();
        TaskAbort { raw }
    }
}

impl AbortTask for TaskAbort {
    fn abort(&self) {
        self.raw.remote_abort();
    }

    fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }
}

impl Drop for TaskAbort {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}
