//! SplitMix64 (Steele, Lea & Flood 2014): a tiny, well-mixed, fully
//! deterministic generator. Synthetic data must be identical for the same
//! seed on every platform and every build, which rules out OS entropy and
//! makes a dependency on `rand` (whose stream may change between versions)
//! unnecessary. Not for anything security-related.

#[derive(Debug, Clone)]
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when n = 0), by the multiply-shift method, whose
    /// bias is at most n / 2^64 and so irrelevant here.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        let wide = u128::from(self.next_u64()) * u128::from(n);
        u64::try_from(wide >> 64).unwrap_or_default()
    }

    /// Uniform in `lo..=hi` (lo when hi < lo).
    pub(crate) fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = u64::try_from(hi - lo).unwrap_or_default().saturating_add(1);
        lo.saturating_add(i64::try_from(self.below(span)).unwrap_or_default())
    }

    /// True with probability `per_mille` / 1000.
    pub(crate) fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }

    /// A uniformly chosen element (the default for an empty slice).
    pub(crate) fn pick<T: Copy + Default>(&mut self, items: &[T]) -> T {
        let len = u64::try_from(items.len()).unwrap_or_default();
        usize::try_from(self.below(len))
            .ok()
            .and_then(|i| items.get(i))
            .copied()
            .unwrap_or_default()
    }

    /// An element chosen with probability proportional to its weight.
    pub(crate) fn weighted<T: Copy>(&mut self, table: &[(u32, T)]) -> Option<T> {
        let total: u64 = table.iter().map(|(w, _)| u64::from(*w)).sum();
        let mut roll = self.below(total);
        for &(w, item) in table {
            if roll < u64::from(w) {
                return Some(item);
            }
            roll -= u64::from(w);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values() {
        // First outputs for seed 0, as published with the algorithm.
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn ranges_hold() {
        let mut r = SplitMix64::new(7);
        for _ in 0..1000 {
            assert!(r.below(10) < 10);
            let v = r.between(-3, 3);
            assert!((-3..=3).contains(&v));
        }
        assert_eq!(r.below(0), 0);
        assert_eq!(r.between(5, 1), 5);
        assert_eq!(r.pick::<u8>(&[]), 0);
        assert_eq!(r.weighted::<u8>(&[]), None);
        assert_eq!(r.weighted(&[(0, 1u8), (5, 2u8)]), Some(2));
    }
}
