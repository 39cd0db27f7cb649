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

    /// Rule 1: cancels this node and all of its descendants.
    pub(crate) fn cancel(node: &Arc<Node>) {
        let mut pending = vec![node.clone()];
        while let Some(node) = pending.pop() {
            let (children, waiters) = {
                let mut inner = node.inner.lock();
                if node.cancelled.load(Ordering::Relaxed) {
                    continue;
                }
                node.cancelled.store(true, Ordering::Release);
                let children: Vec<_> = inner.children.drain().collect();
                let waiters: Vec<_> = inner.waiters.drain().collect();
                (children, waiters)
            };
            waiters.into_iter().for_each(Waker::wake);
            pending.extend(children);
        }
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
            // Dropped outside the parent's lock: it may be the node's last
            // reference, and dropping a node drops its waiters' wakers.
            drop(removed);
            if !parent_unused {
                return;
            }
            node = parent;
        }
    }

    /// Live children; the token tree's size, for tests.
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
impl Node {
    pub(crate) fn inner_waiters_for_test(&self) -> usize {
        self.inner.lock().waiters.len()
    }
}
