//! Handshake slots per source address: one address alone cannot take every slot.
//!
//! A source over its share waits in its own line rather than being closed: a partner
//! behind one address that opens many connections at once (a load client, a pool warming
//! up) is served a little later instead of refused. The line is bounded too
//! ([`SourceSlots::WAITING_PER_SLOT`] waiters per slot); beyond it the connection is
//! closed. Waiters hold no global handshake slot, so a source's line cannot keep anyone
//! else out.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Each source with at least one connection between accept and the end of its handshake
/// (in a slot or in its line). The map never holds more sources than there are such
/// connections.
#[derive(Debug)]
pub(crate) struct SourceSlots {
    limit: usize,
    sources: Mutex<HashMap<IpAddr, Source>>,
}

#[derive(Debug)]
struct Source {
    slots: Arc<Semaphore>,
    /// Connections holding or waiting for one of `slots`.
    users: usize,
}

/// A connection's place with its source (in a slot or in the line); dropping it leaves.
#[derive(Debug)]
pub(crate) struct SourcePlace {
    registry: Arc<SourceSlots>,
    source: IpAddr,
    slots: Arc<Semaphore>,
}

impl SourceSlots {
    /// How many connections may wait per slot of a source before its next are closed.
    pub(crate) const WAITING_PER_SLOT: usize = 8;

    pub(crate) fn new(limit: usize) -> Arc<Self> {
        Arc::new(SourceSlots {
            limit: limit.max(1),
            sources: Mutex::new(HashMap::new()),
        })
    }

    /// A place for `addr`'s source, or `None` if that source already has its share in
    /// slots and its line is full.
    pub(crate) fn enter(self: &Arc<Self>, addr: IpAddr) -> Option<SourcePlace> {
        let source = source_of(addr);
        let mut sources = self.lock();
        let entry = sources.entry(source).or_insert_with(|| Source {
            slots: Arc::new(Semaphore::new(self.limit)),
            users: 0,
        });
        if entry.users >= self.limit * (1 + Self::WAITING_PER_SLOT) {
            return None;
        }
        entry.users += 1;
        Some(SourcePlace {
            registry: self.clone(),
            source,
            slots: entry.slots.clone(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Source>> {
        match self.sources.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

impl SourcePlace {
    /// A slot now, if the source has one free.
    pub(crate) fn try_slot(&self) -> Option<OwnedSemaphorePermit> {
        self.slots.clone().try_acquire_owned().ok()
    }

    /// Waits in the source's line for a slot.
    pub(crate) async fn slot(&self) -> Option<OwnedSemaphorePermit> {
        self.slots.clone().acquire_owned().await.ok()
    }
}

impl Drop for SourcePlace {
    fn drop(&mut self) {
        let mut sources = self.registry.lock();
        if let Some(entry) = sources.get_mut(&self.source) {
            entry.users -= 1;
            if entry.users == 0 {
                sources.remove(&self.source);
            }
        }
    }
}

/// The unit one party controls: an IPv4 address, or an IPv6 /64 (one subscriber is usually
/// given a whole /64, so counting single IPv6 addresses would not limit anyone).
fn source_of(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn taken(slots: &Arc<SourceSlots>, addr: &str) -> Option<(SourcePlace, OwnedSemaphorePermit)> {
        let place = slots.enter(addr.parse().unwrap())?;
        let slot = place.try_slot()?;
        Some((place, slot))
    }

    #[test]
    fn a_source_gets_its_share_and_frees_it() {
        let slots = SourceSlots::new(2);
        let first = taken(&slots, "192.0.2.1").unwrap();
        let _second = taken(&slots, "192.0.2.1").unwrap();
        assert!(
            taken(&slots, "192.0.2.1").is_none(),
            "no third slot from the same address"
        );
        assert!(
            taken(&slots, "192.0.2.2").is_some(),
            "another address is not affected"
        );
        drop(first);
        assert!(
            taken(&slots, "192.0.2.1").is_some(),
            "a freed slot can be taken again"
        );
    }

    #[tokio::test]
    async fn over_its_share_a_source_waits_in_a_bounded_line() {
        let slots = SourceSlots::new(1);
        let (holder, slot) = taken(&slots, "192.0.2.1").unwrap();
        let line: Vec<SourcePlace> = (0..SourceSlots::WAITING_PER_SLOT)
            .map(|_| slots.enter("192.0.2.1".parse().unwrap()).unwrap())
            .collect();
        assert!(
            slots.enter("192.0.2.1".parse().unwrap()).is_none(),
            "the line is full"
        );
        assert!(line[0].try_slot().is_none(), "the only slot is held");
        drop(slot);
        drop(holder);
        assert!(
            line[0].slot().await.is_some(),
            "the first waiter gets the slot"
        );
        drop(line);
        assert!(
            slots.lock().is_empty(),
            "a source with no one left is forgotten"
        );
    }

    #[test]
    fn ipv6_addresses_of_one_64_share_a_source_and_mapped_ipv4_is_ipv4() {
        let slots = SourceSlots::new(1);
        let _one = taken(&slots, "2001:db8:1:2::1").unwrap();
        assert!(taken(&slots, "2001:db8:1:2::ffff").is_none());
        assert!(taken(&slots, "2001:db8:1:3::1").is_some());
        let _v4 = taken(&slots, "192.0.2.9").unwrap();
        assert!(taken(&slots, "::ffff:192.0.2.9").is_none());
    }
}
