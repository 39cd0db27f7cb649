//! One node of the cancellation tree, shared by every clone of a token.
//!
//! # Protocol
//!
//! A node is reachable three ways: from its token handles (counted in
//! `handles`), from its parent's `children` slab, and from its own children's
//! `parent` field. All three are `Arc`s; `handles` counts only the first kind.
//!
//! 1. `cancelled` only goes from `false` to `true`, and only under the node's
//!    own lock. Whoever sets it takes the node's children and waiters out of
//!    the lock, wakes the waiters and cancels the children, so cancellation
//!    flows down the tree and never up.
//! 2. Reading `cancelled` takes no lock (`is_cancelled` is one atomic load).
//!    Anything that must not miss a cancellation (registering a waiter,
//!    adding a child) checks it again under the lock, where rule 1 makes the
//!    answer final.
//! 3. A cancelled node gets no children and no waiters: `child_token` of a
//!    cancelled node returns a detached node that is cancelled from birth.
//! 4. When the last handle goes, the node marks itself `unused` under its
//!    lock. A node that is `unused` and has no children is of no further use
//!    to its parent and is removed from the parent's slab; the removal
//!    repeats upwards for each parent that it leaves unused and childless.
//!    Removal is keyed by slab key and checked by pointer, so a second
//!    removal of the same node is harmless.
//! 5. Locks are taken one at a time: a parent's lock is never held while a
//!    child's is taken, nor the other way round, so no lock order exists to
//!    get wrong.
//! 6. A node freed frees its chain of otherwise unreferenced ancestors in a
//!    loop, not by recursion (`Drop for Node`).
//! 7. A cancel marks every node of the subtree and takes out every waiter
//!    before it wakes any: waking runs user code, and a waker that panics
//!    must not leave a descendant uncancelled (a second `cancel` would find
//!    the node marked and do nothing). Each wake runs with its panic
//!    contained, every other waiter is still woken, and the first panic is
//!    handed back to the caller: [`CancellationToken::cancel`] resumes it
//!    once the whole subtree is cancelled and woken; the gathers and groups
//!    that cancel their own tokens drop it, the panic hook having reported
//!    it as it happened, so their bookkeeping is never cut short.
//! 8. The removal of rule 4 goes on upwards only from a node that was
//!    actually removed: a node no longer in its parent's slab (taken out by
//!    a cancel, or removed before) changed nothing there, and whoever
//!    emptied that slab walked on from it. So dropping every handle of a
//!    chain costs one step per node, whatever the order.
//!
//! [`CancellationToken::cancel`]: crate::CancellationToken::cancel

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::task::Waker;

use super::slab::Slab;
use crate::sync::{Arc, AtomicBool, AtomicUsize, Mutex, Ordering};

#[derive(Debug)]
pub(crate) struct Node {
    cancelled: AtomicBool,
    /// Live `CancellationToken` handles on this node.
    handles: AtomicUsize,
    parent: Option<Arc<Node>>,
    /// This node's key in `parent`'s `children`.
    key_in_parent: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    children: Slab<Arc<Node>>,
    waiters: Slab<Waker>,
    /// Set when the last handle is dropped (rule 4).
    unused: bool,
}

/// What registering a waiter found.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Watch {
    /// The waker will be woken when the node is cancelled.
    Registered,
    /// The node is already cancelled; nothing was registered.
    Cancelled,
}

impl Node {
    fn with_parent(parent: Option<Arc<Node>>, key_in_parent: usize, cancelled: bool) -> Node {
        Node {
            cancelled: AtomicBool::new(cancelled),
            handles: AtomicUsize::new(1),
            parent,
            key_in_parent,
            inner: Mutex::new(Inner {
                children: Slab::new(),
                waiters: Slab::new(),
                unused: false,
            }),
        }
    }

    /// A new root node with one handle.
    pub(crate) fn root() -> Arc<Node> {
        Arc::new(Node::with_parent(None, 0, false))
    }

    /// A new child of `parent` with one handle (rule 3 for a cancelled parent).
    pub(crate) fn child_of(parent: &Arc<Node>) -> Arc<Node> {
        let mut inner = parent.inner.lock();
        if parent.cancelled.load(Ordering::Relaxed) {
            // Relaxed is enough: the flag is only set under this lock (rule 1).
            return Arc::new(Node::with_parent(None, 0, true));
        }
        let key = inner.children.vacant_key();
        let child = Arc::new(Node::with_parent(Some(parent.clone()), key, false));
        let inserted = inner.children.insert(child.clone());
        debug_assert_eq!(inserted, key);
        child
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        // Acquire pairs with the Release in `cancel`, so whatever the canceller
        // wrote before cancelling is visible to whoever sees the flag.
        self.cancelled.load(Ordering::Acquire)
    }

    /// Rules 1 and 7: cancels this node and all of its descendants, then
    /// wakes their waiters. Returns the first panic a waker raised, for the
    /// caller to resume or drop (rule 7).
    #[must_use = "a waker's panic is returned to be resumed or dropped"]
    pub(crate) fn cancel(node: &Arc<Node>) -> Option<Box<dyn Any + Send>> {
        let mut pending = vec![node.clone()];
        let mut waiters = Vec::new();
        while let Some(node) = pending.pop() {
            let mut inner = node.inner.lock();
            if node.cancelled.load(Ordering::Relaxed) {
                continue;
            }
            node.cancelled.store(true, Ordering::Release);
            waiters.extend(inner.waiters.drain());
            pending.extend(inner.children.drain());
        }
        let mut first_panic = None;
        for waker in waiters {
            if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| waker.wake())) {
                first_panic.get_or_insert(payload);
            }
        }
        first_panic
    }

    /// Asks for `waker` to be woken on cancellation. `key` remembers the
    /// registration between calls; a second call replaces the waker.
    pub(crate) fn watch(&self, key: &mut Option<usize>, waker: &Waker) -> Watch {
        let mut inner = self.inner.lock();
        if self.cancelled.load(Ordering::Relaxed) {
            return Watch::Cancelled;
        }
        match key.and_then(|k| inner.waiters.get_mut(k)) {
            Some(registered) => registered.clone_from(waker),
            None => *key = Some(inner.waiters.insert(waker.clone())),
        }
        Watch::Registered
    }

    /// Withdraws a registration made by `watch`.
    pub(crate) fn unwatch(&self, key: usize) {
        let removed = {
            let mut inner = self.inner.lock();
            inner.waiters.remove_if(key, |_| true)
        };
        drop(removed);
    }

    /// A new handle on this node (a token clone).
    pub(crate) fn handle_inc(&self) {
        // Relaxed: the caller already holds a handle, so the count cannot be
        // racing towards zero.
        self.handles.fetch_add(1, Ordering::Relaxed);
    }

    /// A handle went away; the last one applies rule 4.
    pub(crate) fn handle_dec(node: &Arc<Node>) {
        // AcqRel: the last handle's owner must see every other owner's use of
        // the node done before it removes the node from the tree.
        if node.handles.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        let childless = {
            let mut inner = node.inner.lock();
            inner.unused = true;
            inner.children.is_empty()
        };
        if childless {
            Node::detach(node);
        }
    }

    /// Rule 4: removes this node from its parent, and each parent it leaves
    /// unused and childless from that parent's parent.
    fn detach(leaving: &Arc<Node>) {
        let mut node = leaving.clone();
        while let Some(parent) = node.parent.clone() {
            let (removed, parent_unused) = {
                let mut inner = parent.inner.lock();
                let removed = inner
                    .children
                    .remove_if(node.key_in_parent, |child| Arc::ptr_eq(child, &node));
                (removed, inner.unused && inner.children.is_empty())
            };
            #[cfg(test)]
            DETACH_STEPS.with(|steps| steps.set(steps.get() + 1));
            // Rule 8: nothing removed, nothing changed in the parent.
            let walk_on = removed.is_some() && parent_unused;
            // Dropped outside the parent's lock: it may be the node's last
            // reference, and dropping a node drops its waiters' wakers.
            drop(removed);
            if !walk_on {
                return;
            }
            node = parent;
        }
    }

    /// Live children; the token tree's size, for tests.
    #[cfg(any(test, loom))]
    pub(crate) fn child_count(&self) -> usize {
        self.inner.lock().children.len()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // Each node holds its parent, so freeing the last reference to a
        // long chain (a token 100k `child_token`s deep) would recurse once
        // per level and overflow the stack. Each parent whose last reference
        // this drop holds is taken apart here instead, its own parent moved
        // out before it goes, so the chain is freed in a loop.
        let mut parent = self.parent.take();
        while let Some(node) = parent {
            match Arc::try_unwrap(node) {
                // Dropped at the end of this arm, with no parent left to free.
                Ok(mut node) => parent = node.parent.take(),
                // Still referenced: whoever drops it last carries on.
                Err(_shared) => break,
            }
        }
    }
}

#[cfg(test)]
crate::sync::thread_local! {
    /// Parent locks taken by `detach` on this thread, for the test of rule 8.
    static DETACH_STEPS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Parent locks `detach` took on this thread since the last call.
#[cfg(test)]
pub(crate) fn take_detach_steps() -> usize {
    DETACH_STEPS.with(|steps| steps.replace(0))
}

#[cfg(test)]
impl Node {
    pub(crate) fn inner_waiters_for_test(&self) -> usize {
        self.inner.lock().waiters.len()
    }
}
