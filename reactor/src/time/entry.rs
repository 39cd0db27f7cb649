//! Timer entries: an arena of nodes, linked into the wheel's slot lists by
//! index, so that insert and cancel are O(1) without pointers or `unsafe`.
//!
//! A node is addressed by a [`TimerKey`] (index plus generation); freeing a
//! node bumps its generation, so a stale key can never touch the node's next
//! owner.

use std::task::Waker;

/// "No node": the end of a list.
pub(crate) const NIL: u32 = u32::MAX;

/// Names one entry of one wheel, and the wheel (`Timers` sets it; a wheel
/// ignores it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    index: u32,
    generation: u32,
    wheel: u32,
}

impl TimerKey {
    /// The key, naming wheel `wheel` of a driver's timers.
    pub(crate) fn in_wheel(self, wheel: usize) -> TimerKey {
        TimerKey {
            wheel: wheel as u32,
            ..self
        }
    }

    /// The wheel the key's entry lives in.
    pub(crate) fn wheel(self) -> usize {
        self.wheel as usize
    }
}

/// Where an entry stands.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EntryState {
    /// Linked into a slot, waiting for its deadline.
    Pending,
    /// Its deadline passed; its waker has been taken and woken.
    Fired,
    /// The driver shut down before it fired.
    Shutdown,
}

/// One timer.
#[derive(Debug)]
pub(crate) struct Node {
    generation: u32,
    /// `None` while the node is free.
    pub(crate) state: Option<EntryState>,
    /// The deadline, in wheel ticks.
    pub(crate) deadline: u64,
    pub(crate) waker: Option<Waker>,
    /// The slot list holding the node, while `Pending`.
    pub(crate) level: usize,
    pub(crate) slot: usize,
    prev: u32,
    next: u32,
}

/// The arena.
#[derive(Debug, Default)]
pub(crate) struct Entries {
    nodes: Vec<Node>,
    free: Vec<u32>,
}

impl Entries {
    /// A fresh node in no list, with no state yet.
    pub(crate) fn alloc(&mut self, deadline: u64, waker: Option<Waker>) -> TimerKey {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                let index = u32::try_from(self.nodes.len())
                    .ok()
                    .filter(|&index| index != NIL)
                    .expect("more than 4 billion timers alive at once");
                self.nodes.push(Node {
                    generation: 0,
                    state: None,
                    deadline: 0,
                    waker: None,
                    level: 0,
                    slot: 0,
                    prev: NIL,
                    next: NIL,
                });
                index
            }
        };
        let node = &mut self.nodes[index as usize];
        node.deadline = deadline;
        node.waker = waker;
        TimerKey {
            index,
            generation: node.generation,
            wheel: 0,
        }
    }

    /// Returns a node to the arena; it must be in no list.
    pub(crate) fn release(&mut self, key: TimerKey) {
        let node = self.node_mut(key);
        debug_assert!(node.prev == NIL && node.next == NIL);
        node.generation = node.generation.wrapping_add(1);
        node.state = None;
        node.waker = None;
        self.free.push(key.index);
    }

    /// The node `key` names.
    ///
    /// # Panics
    ///
    /// If the key is stale or from another wheel: a timer owns its key, so
    /// this is a bug in this crate.
    pub(crate) fn node(&self, key: TimerKey) -> &Node {
        let node = &self.nodes[key.index as usize];
        assert_eq!(node.generation, key.generation, "stale timer key");
        node
    }

    /// As [`node`](Entries::node), mutably.
    pub(crate) fn node_mut(&mut self, key: TimerKey) -> &mut Node {
        let node = &mut self.nodes[key.index as usize];
        assert_eq!(node.generation, key.generation, "stale timer key");
        node
    }

    /// The node at `index` in a list walk.
    pub(crate) fn at_mut(&mut self, index: u32) -> &mut Node {
        &mut self.nodes[index as usize]
    }

    /// The index a key names, for linking.
    pub(crate) fn index(key: TimerKey) -> u32 {
        key.index
    }

    /// Links node `index` at the front of the list starting at `head`.
    pub(crate) fn push_front(&mut self, head: &mut u32, index: u32) {
        let old = *head;
        {
            let node = self.at_mut(index);
            node.prev = NIL;
            node.next = old;
        }
        if old != NIL {
            self.at_mut(old).prev = index;
        }
        *head = index;
    }

    /// Unlinks node `index` from the list starting at `head`.
    pub(crate) fn unlink(&mut self, head: &mut u32, index: u32) {
        let (prev, next) = {
            let node = self.at_mut(index);
            let links = (node.prev, node.next);
            node.prev = NIL;
            node.next = NIL;
            links
        };
        if prev == NIL {
            *head = next;
        } else {
            self.at_mut(prev).next = next;
        }
        if next != NIL {
            self.at_mut(next).prev = prev;
        }
    }

    /// Detaches the whole list at `head` (leaving it empty) and returns its
    /// first node; walk it with [`detach_next`](Entries::detach_next).
    pub(crate) fn take_list(head: &mut u32) -> u32 {
        std::mem::replace(head, NIL)
    }

    /// Clears node `index`'s links and returns the node after it.
    pub(crate) fn detach_next(&mut self, index: u32) -> u32 {
        let node = self.at_mut(index);
        node.prev = NIL;
        std::mem::replace(&mut node.next, NIL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(entries: &mut Entries, head: u32) -> Vec<u32> {
        let mut seen = Vec::new();
        let mut index = head;
        while index != NIL {
            seen.push(index);
            index = entries.at_mut(index).next;
        }
        seen
    }

    #[test]
    fn unlink_from_front_middle_and_back() {
        let mut entries = Entries::default();
        let mut head = NIL;
        let keys: Vec<TimerKey> = (0..4).map(|tick| entries.alloc(tick, None)).collect();
        for &key in &keys {
            entries.push_front(&mut head, Entries::index(key));
        }
        assert_eq!(walk(&mut entries, head), [3, 2, 1, 0]);
        entries.unlink(&mut head, 2);
        assert_eq!(walk(&mut entries, head), [3, 1, 0]);
        entries.unlink(&mut head, 3);
        assert_eq!(walk(&mut entries, head), [1, 0]);
        entries.unlink(&mut head, 0);
        assert_eq!(walk(&mut entries, head), [1]);
        entries.unlink(&mut head, 1);
        assert_eq!(head, NIL);
    }

    #[test]
    #[should_panic(expected = "stale timer key")]
    fn a_released_key_is_stale() {
        let mut entries = Entries::default();
        let key = entries.alloc(1, None);
        entries.release(key);
        let _reused = entries.alloc(2, None);
        let _ = entries.node(key);
    }
}
