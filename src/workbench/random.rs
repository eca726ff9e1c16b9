//! Seeded random numbers for everything the workbench draws (validation samples, interval
//! draws, bootstrap resamples): a seed in, a ChaCha8 stream out, with the bounded integers
//! taken from it by a fixed method, so that the same seed gives the same sample on every
//! platform and with every version of the `rand` crates (ChaCha's output is specified by its
//! cipher; `rand`'s own range sampling is not promised to stay the same across versions).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A reproducible stream of random numbers.
pub struct Stream {
    rng: ChaCha8Rng,
}

impl Stream {
    /// The stream of `seed`.
    pub fn new(seed: u64) -> Self {
        Stream {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// An independent stream for part `part` of a job seeded with `seed` (a code, a pair of
    /// codes): the same whatever order or thread the parts are computed in.
    pub fn for_part(seed: u64, part: u64) -> Self {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        key[8..16].copy_from_slice(&part.to_le_bytes());
        key[16..24].copy_from_slice(b"qualcode");
        Stream {
            rng: ChaCha8Rng::from_seed(key),
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A uniform integer in `0..n` (n > 0), by Lemire's multiply-and-reject method: unbiased,
    /// and defined here so that it cannot change under us.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        let threshold = n.wrapping_neg() % n;
        loop {
            let product = u128::from(self.next_u64()) * u128::from(n);
            if (product as u64) >= threshold {
                return (product >> 64) as u64;
            }
        }
    }

    /// The generator itself, for drawing from distributions.
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }
}

/// `k` distinct indices of `0..n`, in the order drawn (a partial Fisher–Yates shuffle over a
/// sparse map, so memory is O(k), not O(n)).
pub fn draw_without_replacement(stream: &mut Stream, n: usize, k: usize) -> Vec<usize> {
    assert!(k <= n, "cannot draw {k} of {n}");
    let mut moved: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let mut drawn = Vec::with_capacity(k);
    for i in 0..k {
        let j = i + stream.below((n - i) as u64) as usize;
        let at_j = *moved.get(&j).unwrap_or(&j);
        let at_i = *moved.get(&i).unwrap_or(&i);
        moved.insert(j, at_i);
        drawn.push(at_j);
    }
    drawn
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins the stream: if a dependency update changed ChaCha8's output or our bounded draw,
    /// every published sample would silently change. This must fail then.
    #[test]
    fn the_stream_is_pinned() {
        let mut s = Stream::new(42);
        let first: Vec<u64> = (0..3).map(|_| s.below(1000)).collect();
        let mut again = Stream::new(42);
        let second: Vec<u64> = (0..3).map(|_| again.below(1000)).collect();
        assert_eq!(first, second);
        assert_eq!(first, PINNED_42, "the seeded stream changed");
        let drawn = draw_without_replacement(&mut Stream::new(7), 10, 4);
        assert_eq!(drawn, PINNED_DRAW_7);
    }
    const PINNED_42: [u64; 3] = [681, 950, 427];
    const PINNED_DRAW_7: [usize; 4] = [1, 2, 7, 8];

    #[test]
    fn draws_are_distinct_and_uniform() {
        let mut s = Stream::new(1);
        let mut counts = [0usize; 10];
        for _ in 0..20_000 {
            let d = draw_without_replacement(&mut s, 10, 3);
            let mut sorted = d.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), 3, "{d:?} repeats an index");
            for i in d {
                counts[i] += 1;
            }
        }
        // Each index is drawn 6,000 times in expectation (sd ≈ 65).
        for (i, c) in counts.iter().enumerate() {
            assert!((5_700..=6_300).contains(c), "index {i} drawn {c} times");
        }
    }

    #[test]
    fn below_is_in_range_and_unbiased() {
        let mut s = Stream::new(3);
        let mut counts = [0usize; 3];
        for _ in 0..30_000 {
            counts[s.below(3) as usize] += 1;
        }
        for c in counts {
            assert!((9_600..=10_400).contains(&c), "{counts:?}");
        }
    }
}
