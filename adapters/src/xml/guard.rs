//! A `BufRead` wrapper that caps how many bytes one XML event may span.
//!
//! quick-xml reads a whole event (a text run, a tag, a comment, a DOCTYPE)
//! into one buffer before returning it. Fed a 10 MB text node it would
//! therefore hold 10 MB. This wrapper hands quick-xml at most `budget` bytes
//! between two calls to [`Guard::reset`] (the reader resets it after every
//! event) and then fails with an I/O error, so no event, however long in the
//! input, ever costs more than `budget` bytes of buffer. The underlying
//! reader's own buffer is the caller's; nothing here copies it.

use std::io::{self, BufRead, Read};

/// The marker error returned once the per-event budget is spent.
#[derive(Debug)]
pub(crate) struct BudgetSpent;

impl std::fmt::Display for BudgetSpent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("XML event longer than the configured limit")
    }
}

impl std::error::Error for BudgetSpent {}

#[derive(Debug)]
pub(crate) struct Guard<R> {
    inner: R,
    budget: usize,
    used: usize,
    tripped: bool,
}

impl<R: BufRead> Guard<R> {
    pub(crate) fn new(inner: R, budget: usize) -> Self {
        Guard {
            inner,
            budget: budget.max(1),
            used: 0,
            tripped: false,
        }
    }

    /// Start a new event's budget.
    pub(crate) fn reset(&mut self) {
        self.used = 0;
    }

    /// Whether the budget was exceeded (the next read error is ours).
    pub(crate) fn tripped(&self) -> bool {
        self.tripped
    }
}

impl<R: BufRead> Read for Guard<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), available.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Guard<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let remaining = self.budget.saturating_sub(self.used);
        if remaining == 0 {
            self.tripped = true;
            return Err(io::Error::other(BudgetSpent));
        }
        let available = self.inner.fill_buf()?;
        let n = available.len().min(remaining);
        Ok(available.get(..n).unwrap_or_default())
    }

    fn consume(&mut self, amount: usize) {
        self.used = self.used.saturating_add(amount);
        self.inner.consume(amount);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_each_event_and_resets() {
        let data = [b'a'; 100];
        let mut g = Guard::new(&data[..], 10);
        let chunk = g.fill_buf().unwrap().len();
        assert_eq!(chunk, 10);
        g.consume(10);
        assert!(g.fill_buf().is_err());
        assert!(g.tripped());
        g.reset();
        assert_eq!(g.fill_buf().unwrap().len(), 10);
        let mut out = [0u8; 4];
        assert_eq!(g.read(&mut out).unwrap(), 4);
    }
}
