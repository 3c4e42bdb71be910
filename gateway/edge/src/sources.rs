//! Handshake slots per source address: one address alone cannot take every slot.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};

/// How many connections each source has between accept and the end of its handshake. The
/// map holds only sources with at least one such connection, so it is never larger than
/// the global handshake cap.
#[derive(Debug)]
pub(crate) struct SourceSlots {
    limit: usize,
    counts: Mutex<HashMap<IpAddr, usize>>,
}

/// One claimed slot; dropping it frees the slot.
#[derive(Debug)]
pub(crate) struct SourceSlot {
    slots: Arc<SourceSlots>,
    source: IpAddr,
}

impl SourceSlots {
    pub(crate) fn new(limit: usize) -> Arc<Self> {
        Arc::new(SourceSlots {
            limit: limit.max(1),
            counts: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for `addr`'s source, or `None` if that source already holds its share.
    pub(crate) fn claim(self: &Arc<Self>, addr: IpAddr) -> Option<SourceSlot> {
        let source = source_of(addr);
        let mut counts = self.lock();
        let count = counts.entry(source).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(SourceSlot {
            slots: self.clone(),
            source,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        match self.counts.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

impl Drop for SourceSlot {
    fn drop(&mut self) {
        let mut counts = self.slots.lock();
        if let Some(count) = counts.get_mut(&self.source) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.source);
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

    #[test]
    fn a_source_gets_its_share_and_frees_it() {
        let slots = SourceSlots::new(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = slots.claim(a).unwrap();
        let _second = slots.claim(a).unwrap();
        assert!(slots.claim(a).is_none(), "a third from the same address");
        assert!(slots.claim(b).is_some(), "another address is not affected");
        drop(first);
        assert!(
            slots.claim(a).is_some(),
            "a freed slot can be claimed again"
        );
    }

    #[test]
    fn ipv6_addresses_of_one_64_share_a_source_and_mapped_ipv4_is_ipv4() {
        let slots = SourceSlots::new(1);
        let _one = slots.claim("2001:db8:1:2::1".parse().unwrap()).unwrap();
        assert!(slots.claim("2001:db8:1:2::ffff".parse().unwrap()).is_none());
        assert!(slots.claim("2001:db8:1:3::1".parse().unwrap()).is_some());
        let _v4 = slots.claim("192.0.2.9".parse().unwrap()).unwrap();
        assert!(slots.claim("::ffff:192.0.2.9".parse().unwrap()).is_none());
    }
}
