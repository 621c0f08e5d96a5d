//! Deterministic randomness for the simulator.
//!
//! Every random choice is drawn from a ChaCha8 stream seeded from `(seed, what, who, when)`,
//! so one agent-day is the same whichever thread computes it and however often. Ranges and
//! shuffles are computed here from raw 64-bit words rather than through `rand`'s
//! distributions, so the output (and the committed fixture) only changes when this file
//! does.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// SplitMix64's finalizer: a fast, well-mixed 64-bit hash step.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes a list of numbers into one word (order matters).
pub fn hash(parts: &[u64]) -> u64 {
    parts.iter().fold(0x0AD4_E5E5_u64, |h, &p| splitmix64(h ^ splitmix64(p)))
}

/// A seeded random stream.
pub struct Rng(ChaCha8Rng);

impl Rng {
    /// A stream for `parts` (e.g. `[seed, STREAM, agent, day]`).
    pub fn new(parts: &[u64]) -> Rng {
        let h = hash(parts);
        let mut seed = [0u8; 32];
        for (i, chunk) in seed.chunks_mut(8).enumerate() {
            chunk.copy_from_slice(&splitmix64(h.wrapping_add(i as u64)).to_le_bytes());
        }
        Rng(ChaCha8Rng::from_seed(seed))
    }

    pub fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (`n` > 0; the bias of the multiply-shift is below 2^-40 here).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Fisher–Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// Cheap per-item random bits (for the quirks of one record): a hash, consumed a few bits at
/// a time.
pub struct Bits {
    v: u64,
    left: u32,
}

impl Bits {
    pub fn new(parts: &[u64]) -> Bits {
        Bits { v: hash(parts), left: 64 }
    }

    pub fn take(&mut self, n: u32) -> u64 {
        if self.left < n {
            self.v = splitmix64(self.v);
            self.left = 64;
        }
        let r = self.v & ((1u64 << n) - 1);
        self.v >>= n;
        self.left -= n;
        r
    }

    /// True with probability 1 / 2^n.
    pub fn one_in_pow2(&mut self, n: u32) -> bool {
        self.take(n) == 0
    }

    /// True with probability `k` / 16.
    pub fn sixteenths(&mut self, k: u64) -> bool {
        self.take(4) < k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_parts_same_stream_different_parts_different_stream() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(&[7, 1, 2]);
                move |_| r.u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(&[7, 1, 2]);
                move |_| r.u64()
            })
            .collect();
        let c: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(&[7, 2, 1]);
                move |_| r.u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn ranges_stay_inside_their_bounds_and_reach_both_ends() {
        let mut r = Rng::new(&[1]);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            let x = r.range(-2, 2);
            assert!((-2..=2).contains(&x));
            seen[(x + 2) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut r = Rng::new(&[3]);
        let mut v: Vec<u32> = (0..100).collect();
        r.shuffle(&mut v);
        assert_ne!(v, (0..100).collect::<Vec<_>>());
        v.sort_unstable();
        assert_eq!(v, (0..100).collect::<Vec<_>>());
    }
}
