//! A small deterministic random number generator (SplitMix64) and the sampling
//! helpers the generator needs.
//!
//! Only integer arithmetic and correctly rounded IEEE operations (`+ - * /`) are
//! used, never `exp`, `ln` or `powf`, whose last bits may differ between platforms'
//! math libraries: the same seed gives the same tenant everywhere.

/// SplitMix64 (Steele, Lea and Flood, 2014): tiny, fast, and good enough for
/// synthetic data.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function: a bijective mix of 64 bits.
pub fn mix64(value: u64) -> u64 {
    let mut mixed = value;
    mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    mixed ^ (mixed >> 31)
}

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// An independent stream for object `index` of kind `domain` under `seed`, so
    /// that any object can be regenerated on its own (device 12,345 has the same
    /// attributes whether it is written to an inventory page or named as a member).
    pub fn derive(seed: u64, domain: u64, index: u64) -> Self {
        Self::new(mix64(
            mix64(seed ^ domain.wrapping_mul(GOLDEN_GAMMA))
                ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03),
        ))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }

    /// A uniform integer in `0..bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: usize) -> usize {
        let wide = u128::from(self.next_u64()) * (bound as u128);
        // The high 64 bits of a 64×64 product are below `bound`, which fits a usize.
        usize::try_from(wide >> 64).unwrap_or(0)
    }

    /// A uniform integer in `low..=high`.
    pub fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high.saturating_sub(low) + 1)
    }

    /// A uniform float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        const SCALE: f64 = 1.0 / (1_u64 << 53) as f64;
        (self.next_u64() >> 11) as f64 * SCALE
    }

    /// True with probability `probability`.
    pub fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    /// One element of a non-empty slice.
    pub fn pick<'items, T>(&mut self, items: &'items [T]) -> &'items T {
        // INVARIANT: callers pass the constant, non-empty word lists of this crate.
        &items[self.below(items.len())]
    }

    /// A heavy-tailed integer: Pareto with shape 1 and scale `minimum`, capped at
    /// `maximum` (most draws near `minimum`, a few very large).
    pub fn heavy_tailed(&mut self, minimum: usize, maximum: usize) -> usize {
        let draw = minimum as f64 / (1.0 - self.unit());
        if draw >= maximum as f64 {
            maximum
        } else {
            // Truncation toward zero is the intent; the value is in range.
            draw as usize
        }
    }

    /// A version 4 style GUID string.
    pub fn guid(&mut self) -> String {
        let high = self.next_u64();
        let low = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xFFFF,
            high & 0x0FFF,
            ((low >> 48) & 0x3FFF) | 0x8000,
            low & 0xFFFF_FFFF_FFFF
        )
    }
}

/// Sampling of indices `0..n` with probability proportional to `1 / (index + offset)`:
/// a Zipf-like skew where the first items are much more common than the last.
#[derive(Clone, Debug)]
pub struct SkewedIndex {
    cumulative: Vec<f64>,
}

impl SkewedIndex {
    /// The distribution over `count` items; a larger `offset` flattens the head.
    pub fn new(count: usize, offset: f64) -> Self {
        let mut total = 0.0;
        let cumulative = (0..count)
            .map(|index| {
                total += 1.0 / (index as f64 + offset);
                total
            })
            .collect();
        Self { cumulative }
    }

    /// One index (0 when there are no items).
    pub fn sample(&self, rng: &mut SplitMix64) -> usize {
        let Some(total) = self.cumulative.last() else {
            return 0;
        };
        let target = rng.unit() * total;
        self.cumulative
            .partition_point(|&bound| bound <= target)
            .min(self.cumulative.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_first_outputs() {
        // Reference values of SplitMix64 seeded with 1234567.
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn bounded_draws_stay_in_range() {
        let mut rng = SplitMix64::new(7);
        for _ in 0..1000 {
            assert!(rng.below(10) < 10);
            assert!((3..=5).contains(&rng.between(3, 5)));
            assert!((4..=50).contains(&rng.heavy_tailed(4, 50)));
        }
        let skewed = SkewedIndex::new(5, 1.0);
        assert!((0..1000).all(|_| skewed.sample(&mut rng) < 5));
    }
}
