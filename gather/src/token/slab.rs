//! A vector with stable keys and a free list: the children and the waiters of
//! a token node.

/// Entries addressed by the key `insert` returned. Removed keys are reused, so
/// the vector never holds more entries than were ever live at once, and it is
/// emptied outright when the last entry leaves.
#[derive(Debug)]
pub(crate) struct Slab<T> {
    entries: Vec<Option<T>>,
    free: Vec<usize>,
    len: usize,
}

impl<T> Slab<T> {
    pub(crate) const fn new() -> Slab<T> {
        Slab {
            entries: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }

    /// Number of live entries.
    #[cfg(any(test, loom))]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The key the next `insert` will return.
    pub(crate) fn vacant_key(&self) -> usize {
        self.free.last().copied().unwrap_or(self.entries.len())
    }

    pub(crate) fn insert(&mut self, value: T) -> usize {
        self.len += 1;
        match self.free.pop() {
            Some(key) => {
                self.entries[key] = Some(value);
                key
            }
            None => {
                self.entries.push(Some(value));
                self.entries.len() - 1
            }
        }
    }

    pub(crate) fn get_mut(&mut self, key: usize) -> Option<&mut T> {
        self.entries.get_mut(key).and_then(Option::as_mut)
    }

    /// Removes the entry at `key` if `keep` says it is the one the caller
    /// means (keys are reused, so a stale key may name a newer entry).
    pub(crate) fn remove_if(&mut self, key: usize, is_it: impl FnOnce(&T) -> bool) -> Option<T> {
        let entry = self.entries.get_mut(key)?;
        if !entry.as_ref().is_some_and(is_it) {
            return None;
        }
        let value = entry.take();
        self.len -= 1;
        if self.len == 0 {
            // Drop the bookkeeping too, so a long-lived node whose children
            // come and go holds no memory for the ones that went.
            self.entries = Vec::new();
            self.free = Vec::new();
        } else {
            self.free.push(key);
        }
        value
    }

    /// Takes every entry out, leaving the slab empty.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = T> {
        self.len = 0;
        self.free = Vec::new();
        std::mem::take(&mut self.entries).into_iter().flatten()
    }

    /// Length of the backing vector, live or not; for tests of growth.
    #[cfg(test)]
    pub(crate) fn capacity_used(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_reused_and_the_vector_is_freed_when_empty() {
        let mut slab = Slab::new();
        let a = slab.insert("a");
        let b = slab.insert("b");
        assert_eq!(slab.remove_if(a, |_| true), Some("a"));
        assert_eq!(slab.vacant_key(), a);
        let c = slab.insert("c");
        assert_eq!(c, a);
        assert_eq!(slab.capacity_used(), 2);
        assert_eq!(slab.remove_if(b, |v| *v == "not b"), None);
        assert_eq!(slab.remove_if(b, |_| true), Some("b"));
        assert_eq!(slab.remove_if(c, |_| true), Some("c"));
        assert!(slab.is_empty());
        assert_eq!(slab.capacity_used(), 0);
    }

    #[test]
    fn churn_does_not_grow_the_slab() {
        let mut slab = Slab::new();
        let keep = slab.insert(0);
        for i in 0..10_000 {
            let key = slab.insert(i);
            assert_eq!(slab.remove_if(key, |_| true), Some(i));
        }
        assert_eq!(slab.capacity_used(), 2);
        assert_eq!(slab.len(), 1);
        assert_eq!(slab.get_mut(keep), Some(&mut 0));
    }

    #[test]
    fn drain_empties() {
        let mut slab = Slab::new();
        slab.insert(String::from("x"));
        slab.insert(String::from("y"));
        let all: Vec<_> = slab.drain().collect();
        assert_eq!(all.len(), 2);
        assert!(slab.is_empty());
        assert_eq!(slab.insert(String::new()), 0);
    }
}
