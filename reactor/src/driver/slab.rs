//! The slab of live registrations, addressed by mio tokens.
//!
//! A token is `generation << INDEX_BITS | index`. Freeing a slot bumps its
//! generation, so an event still in flight for a socket that was dropped (or
//! a slot that was freed and reused by another socket) carries a token whose
//! generation no longer matches and is ignored instead of waking the wrong
//! owner.

use super::scheduled_io::ScheduledIo;
use crate::sync::Arc;

const INDEX_BITS: u32 = 24;
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
/// The all-ones index is never handed out, so no registration's token can
/// equal the waker's token (`usize::MAX`) or the signal pipe's.
const MAX_SLOTS: usize = INDEX_MASK;
const GENERATION_MASK: usize = usize::MAX >> INDEX_BITS;
const _: () = assert!((GENERATION_MASK << INDEX_BITS | (MAX_SLOTS - 1)) != usize::MAX);
#[cfg(all(unix, not(loom)))]
const _: () = assert!(super::sys::SIGNAL_TOKEN & INDEX_MASK == INDEX_MASK);

/// Live registrations.
#[derive(Debug, Default)]
pub(crate) struct Slab {
    slots: Vec<Slot>,
    free: Vec<usize>,
    live: usize,
}

#[derive(Debug)]
struct Slot {
    generation: usize,
    io: Option<Arc<ScheduledIo>>,
}

/// Why `Slab::insert` refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SlabFull;

impl Slab {
    /// Stores a fresh registration and returns its token.
    pub(crate) fn insert(&mut self) -> Result<(usize, Arc<ScheduledIo>), SlabFull> {
        let index = match self.free.pop() {
            Some(index) => index,
            None if self.slots.len() < MAX_SLOTS => {
                self.slots.push(Slot {
                    generation: 0,
                    io: None,
                });
                self.slots.len() - 1
            }
            None => return Err(SlabFull),
        };
        let io = Arc::new(ScheduledIo::new());
        let slot = &mut self.slots[index];
        slot.io = Some(io.clone());
        self.live += 1;
        Ok((slot.generation << INDEX_BITS | index, io))
    }

    /// The registration a token names, if it is still the same one.
    pub(crate) fn get(&self, token: usize) -> Option<&Arc<ScheduledIo>> {
        let slot = self.slots.get(token & INDEX_MASK)?;
        if slot.generation != token >> INDEX_BITS {
            return None;
        }
        slot.io.as_ref()
    }

    /// Frees the slot a token names; a stale token frees nothing.
    pub(crate) fn remove(&mut self, token: usize) -> Option<Arc<ScheduledIo>> {
        let index = token & INDEX_MASK;
        let slot = self.slots.get_mut(index)?;
        if slot.generation != token >> INDEX_BITS {
            return None;
        }
        let io = slot.io.take()?;
        slot.generation = (slot.generation + 1) & GENERATION_MASK;
        self.free.push(index);
        self.live -= 1;
        Some(io)
    }

    /// Live registrations.
    pub(crate) fn len(&self) -> usize {
        self.live
    }

    /// Every live registration, for shutdown.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Arc<ScheduledIo>> {
        self.slots.iter().filter_map(|slot| slot.io.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_slot_rejects_the_old_token() {
        let mut slab = Slab::default();
        let (old, _) = slab.insert().unwrap();
        assert!(slab.remove(old).is_some());
        let (new, _) = slab.insert().unwrap();
        assert_eq!(old & INDEX_MASK, new & INDEX_MASK, "the slot is reused");
        assert_ne!(old, new);
        assert!(slab.get(old).is_none());
        assert!(slab.remove(old).is_none());
        assert!(slab.get(new).is_some());
        assert_eq!(slab.len(), 1);
    }

    #[test]
    fn len_counts_live_entries() {
        let mut slab = Slab::default();
        let tokens: Vec<usize> = (0..100).map(|_| slab.insert().unwrap().0).collect();
        assert_eq!(slab.len(), 100);
        assert_eq!(slab.iter().count(), 100);
        for token in tokens {
            assert!(slab.remove(token).is_some());
        }
        assert_eq!(slab.len(), 0);
        assert_eq!(slab.iter().count(), 0);
    }
}
