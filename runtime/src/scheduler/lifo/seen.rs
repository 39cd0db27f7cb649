//! What a searcher remembers of its peers' LIFO slots from one search pass
//! to the next, to tell a fresh entry from a stale one (rule 4 of
//! `lifo.rs`).
//!
//! 1. A searcher may take a peer's LIFO entry only if its previous look at
//!    that peer saw the same entry under the same poll epoch: the owner
//!    has then been inside one poll for at least a pass.
//! 2. It keeps at most [`WATCHED`] records, whatever the number of
//!    workers: one per peer whose slot held a fresh entry, made in the
//!    order a pass meets them. Memory per worker is constant, so a
//!    runtime's is linear in its workers. With `WATCHED` peers or fewer,
//!    every peer has its record and rule 1 is all there is.
//! 3. An empty slot drops its peer's record; a changed entry or epoch
//!    renews it in place (the owner is passing messages, not stuck).
//! 4. A fresh entry met when the records are full takes the place of a
//!    record renewed earlier in the same pass, else goes unrecorded (the
//!    searcher still counts it as watched). A stuck owner's record is never
//!    renewed, so it is never displaced: once recorded, its entry is taken
//!    on the next pass. Passes start at a random peer, so a stuck peer is
//!    met after a renewed record within a few passes even when more than
//!    `WATCHED` peers hold fresh entries.

/// Records a searcher keeps (rule 2).
pub(crate) const WATCHED: usize = 8;

/// What the searcher may do with the entry it just looked at.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sighting {
    /// Seen unchanged since the last pass: the owner is stuck, take it.
    Stale,
    /// New since the last pass (or unrecorded): leave it, keep watching.
    Fresh,
}

#[derive(Debug, Clone, Copy)]
struct Record {
    peer: usize,
    entry: usize,
    epoch: usize,
    /// The pass that last renewed the record (rule 4); `0` for none.
    renewed_in: u32,
}

/// The records of one searcher.
#[derive(Debug)]
pub(crate) struct SeenLifo {
    records: [Option<Record>; WATCHED],
    /// The current pass, from 1 (wrapping past 0).
    pass: u32,
}

impl SeenLifo {
    pub(crate) fn new() -> SeenLifo {
        SeenLifo {
            records: [None; WATCHED],
            pass: 0,
        }
    }

    /// Starts a pass over the peers.
    pub(crate) fn start_pass(&mut self) {
        self.pass = self.pass.wrapping_add(1).max(1);
    }

    fn find(&mut self, peer: usize) -> Option<&mut Option<Record>> {
        self.records
            .iter_mut()
            .find(|record| record.is_some_and(|record| record.peer == peer))
    }

    /// `peer`'s slot is empty, or its entry was just taken (rule 3).
    pub(super) fn forget(&mut self, peer: usize) {
        if let Some(record) = self.find(peer) {
            *record = None;
        }
    }

    /// `peer`'s slot holds `entry` and its poll epoch is `epoch`.
    pub(super) fn look(&mut self, peer: usize, entry: usize, epoch: usize) -> Sighting {
        let pass = self.pass;
        if let Some(Some(record)) = self.find(peer) {
            if (record.entry, record.epoch) == (entry, epoch) {
                return Sighting::Stale;
            }
            *record = Record {
                peer,
                entry,
                epoch,
                renewed_in: pass,
            };
            return Sighting::Fresh;
        }
        let free = self.records.iter().position(Option::is_none);
        let renewed = || {
            self.records
                .iter()
                .position(|record| record.is_some_and(|record| record.renewed_in == pass))
        };
        if let Some(index) = free.or_else(renewed) {
            self.records[index] = Some(Record {
                peer,
                entry,
                epoch,
                renewed_in: 0,
            });
        }
        Sighting::Fresh
    }

    /// Peers with a record.
    #[cfg(test)]
    pub(super) fn recorded(&self) -> usize {
        self.records.iter().flatten().count()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_same_entry_under_the_same_epoch_is_stale_on_the_next_pass() {
        let mut seen = SeenLifo::new();
        seen.start_pass();
        assert_eq!(seen.look(3, 0x100, 7), Sighting::Fresh);
        seen.start_pass();
        assert_eq!(seen.look(3, 0x100, 8), Sighting::Fresh, "a new poll");
        seen.start_pass();
        assert_eq!(seen.look(3, 0x200, 8), Sighting::Fresh, "a new entry");
        seen.start_pass();
        assert_eq!(seen.look(3, 0x200, 8), Sighting::Stale);
        seen.forget(3);
        seen.start_pass();
        assert_eq!(seen.look(3, 0x200, 8), Sighting::Fresh, "forgotten");
    }

    #[test]
    fn the_records_are_bounded_whatever_the_number_of_peers() {
        let mut seen = SeenLifo::new();
        for pass in 0..3 {
            seen.start_pass();
            for peer in 0..4_000 {
                let _ = seen.look(peer, 0x40 * (peer + 1), pass);
            }
            assert_eq!(seen.recorded(), WATCHED);
        }
    }

    #[test]
    fn a_stuck_peer_displaces_a_peer_passing_messages() {
        let mut seen = SeenLifo::new();
        // Peers 0..WATCHED pass messages (a new epoch every pass); the
        // stuck peer comes after them in the pass.
        let stuck = WATCHED;
        let mut taken = None;
        for pass in 1..=3 {
            seen.start_pass();
            for peer in 0..WATCHED {
                assert_eq!(seen.look(peer, 0x40, pass), Sighting::Fresh);
            }
            if seen.look(stuck, 0x80, 0) == Sighting::Stale {
                taken = Some(pass);
                break;
            }
        }
        // Pass 1 fills the records, pass 2 records the stuck peer in
        // place of a renewed one, pass 3 finds it unchanged.
        assert_eq!(taken, Some(3));
    }
}
