//! Numbers the pairs of policies that set a key in common: the distinct policy
//! pairs of all setting pairs, sorted, and for each setting pair the index of
//! its policy pair among them.
//!
//! At tenant L the 1.09 million setting pairs are 953 thousand policy pairs.
//! Below [`MOST_TABLE_BITS`] pairs of policies, a table of one bit for each
//! pair `(lower, higher)` (the triangle above the diagonal, row by row, 1.5 MB
//! for 5,000 policies) is marked in parallel; reading it in order gives the
//! sorted pairs, and counting its ones before a pair gives that pair's index,
//! with no sort and no list of a million entries. Tenants with more policies
//! number the setting pairs and sort them instead.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::small_index::small_index;

/// The most bits the table may hold: 2³¹, 256 MiB, reached at about 65,000
/// policies.
const MOST_TABLE_BITS: u64 = 1 << 31;

/// The policy pairs of the setting pairs, and how to find each one's index.
pub(crate) struct PolicyPairNumbering {
    /// The distinct policy pairs `(lower, higher)`, sorted.
    pub policy_pairs: Vec<(u32, u32)>,
    /// How the index of a setting pair's policy pair is found.
    index: PairIndex,
}

enum PairIndex {
    /// A bit for each pair of policies, and the ones before each word.
    Table {
        policy_count: usize,
        words: Vec<u64>,
        ones_before: Vec<u32>,
    },
    /// For each setting pair by number (keys in order, each key's pairs in the
    /// order they are met), its policy pair's index; `first_numbers[key]` is
    /// the number of the key's first setting pair.
    ByNumber {
        first_numbers: Vec<usize>,
        policy_pair_of: Vec<u32>,
    },
}

impl PolicyPairNumbering {
    /// Numbers the policy pairs of `key_count` keys, whose setting pairs
    /// `for_each_pair_of_key(key, visit)` visits as `(lower, higher)` policy
    /// indices (lower < higher), in the same order every time it is called.
    pub fn new(
        policy_count: usize,
        key_count: usize,
        for_each_pair_of_key: impl Fn(usize, &mut dyn FnMut(usize, usize)) + Sync,
    ) -> Self {
        Self::with_table_limit(
            policy_count,
            key_count,
            &for_each_pair_of_key,
            MOST_TABLE_BITS,
        )
    }

    /// [`Self::new`], with a table of at most `most_table_bits` bits (tests
    /// pass 0 to number by sorting).
    fn with_table_limit(
        policy_count: usize,
        key_count: usize,
        for_each_pair_of_key: &(impl Fn(usize, &mut dyn FnMut(usize, usize)) + Sync),
        most_table_bits: u64,
    ) -> Self {
        if triangle(policy_count) <= most_table_bits {
            Self::by_table(policy_count, key_count, for_each_pair_of_key)
        } else {
            Self::by_sort(key_count, for_each_pair_of_key)
        }
    }

    fn by_table(
        policy_count: usize,
        key_count: usize,
        for_each_pair_of_key: &(impl Fn(usize, &mut dyn FnMut(usize, usize)) + Sync),
    ) -> Self {
        let word_count = usize::try_from(triangle(policy_count).div_ceil(64)).unwrap_or(0);
        let marks: Vec<AtomicU64> = (0..word_count).map(|_| AtomicU64::new(0)).collect();
        (0..key_count).into_par_iter().for_each(|key| {
            for_each_pair_of_key(key, &mut |lower, higher| {
                let bit = bit_of(policy_count, lower, higher);
                marks[bit / 64].fetch_or(1 << (bit % 64), Ordering::Relaxed);
            });
        });
        let words: Vec<u64> = marks.into_iter().map(AtomicU64::into_inner).collect();
        let mut ones_before = Vec::with_capacity(words.len());
        let mut ones = 0_u32;
        for word in &words {
            ones_before.push(ones);
            ones += word.count_ones();
        }
        // Row `lower` holds the pairs of `lower` with every higher policy.
        let mut policy_pairs = Vec::with_capacity(ones as usize);
        let (mut lower, mut row_start, mut row_end) = (0, 0, policy_count.saturating_sub(1));
        for (word_index, &word) in words.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                let bit = word_index * 64 + rest.trailing_zeros() as usize;
                rest &= rest - 1;
                while bit >= row_end {
                    lower += 1;
                    row_start = row_end;
                    row_end += policy_count - lower - 1;
                }
                let higher = lower + 1 + (bit - row_start);
                policy_pairs.push((small_index(lower), small_index(higher)));
            }
        }
        Self {
            policy_pairs,
            index: PairIndex::Table {
                policy_count,
                words,
                ones_before,
            },
        }
    }

    fn by_sort(
        key_count: usize,
        for_each_pair_of_key: &(impl Fn(usize, &mut dyn FnMut(usize, usize)) + Sync),
    ) -> Self {
        let policies_by_key: Vec<Vec<u64>> = (0..key_count)
            .into_par_iter()
            .map(|key| {
                let mut found = Vec::new();
                for_each_pair_of_key(key, &mut |lower, higher| {
                    found.push(
                        (u64::from(small_index(lower)) << 32) | u64::from(small_index(higher)),
                    );
                });
                found
            })
            .collect();
        let mut first_numbers = Vec::with_capacity(key_count);
        let mut numbered: Vec<(u64, u32)> =
            Vec::with_capacity(policies_by_key.iter().map(Vec::len).sum());
        for found in &policies_by_key {
            first_numbers.push(numbered.len());
            for &policies in found {
                numbered.push((policies, small_index(numbered.len())));
            }
        }
        drop(policies_by_key);
        numbered.par_sort_unstable();
        let mut policy_pairs: Vec<(u32, u32)> = Vec::new();
        let mut policy_pair_of = vec![0_u32; numbered.len()];
        let mut last = None;
        for &(policies, number) in &numbered {
            if last != Some(policies) {
                last = Some(policies);
                // The upper and lower halves: the two policies.
                policy_pairs.push(((policies >> 32) as u32, policies as u32));
            }
            policy_pair_of[number as usize] = small_index(policy_pairs.len() - 1);
        }
        Self {
            policy_pairs,
            index: PairIndex::ByNumber {
                first_numbers,
                policy_pair_of,
            },
        }
    }

    /// The policy pairs, the rest dropped.
    pub fn into_policy_pairs(self) -> Vec<(u32, u32)> {
        self.policy_pairs
    }

    /// The number of the first setting pair of `key`, to count from in
    /// [`Self::index_of`].
    pub fn first_number(&self, key: usize) -> usize {
        match &self.index {
            PairIndex::Table { .. } => 0,
            PairIndex::ByNumber { first_numbers, .. } => first_numbers[key],
        }
    }

    /// The index in [`Self::policy_pairs`] of the policy pair `(lower, higher)`
    /// of setting pair `number` (counted from [`Self::first_number`] of its key,
    /// in the order the pairs were visited).
    pub fn index_of(&self, number: usize, (lower, higher): (usize, usize)) -> usize {
        match &self.index {
            PairIndex::Table {
                policy_count,
                words,
                ones_before,
            } => {
                let bit = bit_of(*policy_count, lower, higher);
                let below = words[bit / 64] & ((1_u64 << (bit % 64)) - 1);
                ones_before[bit / 64] as usize + below.count_ones() as usize
            }
            PairIndex::ByNumber { policy_pair_of, .. } => policy_pair_of[number] as usize,
        }
    }
}

/// How many pairs of distinct policies there are among `policy_count`.
fn triangle(policy_count: usize) -> u64 {
    let count = policy_count as u64;
    count * count.saturating_sub(1) / 2
}

/// The bit of `(lower, higher)`, lower < higher: rows by lower policy, each
/// holding the higher policies in order.
fn bit_of(policy_count: usize, lower: usize, higher: usize) -> usize {
    // Rows 0..lower hold (count − 1) + (count − 2) + … + (count − lower) bits.
    lower * (2 * policy_count - lower - 1) / 2 + (higher - lower - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Both ways give the sorted distinct policy pairs, and each setting
        /// pair's index among them, whatever the pairs.
        #[test]
        fn the_table_and_the_sort_number_as_brute_force_does(
            policy_count in 2_usize..90,
            drawn in proptest::collection::vec(
                proptest::collection::vec((0_usize..90, 0_usize..90), 0..12),
                1..40,
            ),
        ) {
            let keys: Vec<Vec<(usize, usize)>> = drawn
                .iter()
                .map(|pairs| {
                    pairs
                        .iter()
                        .map(|&(first, second)| (first % policy_count, second % policy_count))
                        .filter(|(first, second)| first != second)
                        .map(|(first, second)| (first.min(second), first.max(second)))
                        .collect()
                })
                .collect();
            let visit = |key: usize, visit: &mut dyn FnMut(usize, usize)| {
                for &(lower, higher) in &keys[key] {
                    visit(lower, higher);
                }
            };
            let mut expected: Vec<(u32, u32)> = keys
                .iter()
                .flatten()
                .map(|&(lower, higher)| (small_index(lower), small_index(higher)))
                .collect();
            expected.sort_unstable();
            expected.dedup();
            for most_table_bits in [MOST_TABLE_BITS, 0] {
                let numbering = PolicyPairNumbering::with_table_limit(
                    policy_count,
                    keys.len(),
                    &visit,
                    most_table_bits,
                );
                proptest::prop_assert_eq!(&numbering.policy_pairs, &expected);
                for (key, pairs) in keys.iter().enumerate() {
                    for (number, &pair) in (numbering.first_number(key)..).zip(pairs) {
                        let index = numbering.index_of(number, pair);
                        proptest::prop_assert_eq!(
                            numbering.policy_pairs[index],
                            (small_index(pair.0), small_index(pair.1))
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn bits_follow_the_pairs_in_order() {
        let policy_count = 6;
        let mut bits = Vec::new();
        for lower in 0..policy_count {
            for higher in lower + 1..policy_count {
                bits.push(bit_of(policy_count, lower, higher));
            }
        }
        assert_eq!(
            bits,
            (0..triangle(policy_count) as usize).collect::<Vec<_>>()
        );
        assert_eq!(triangle(0), 0);
        assert_eq!(triangle(1), 0);
    }
}
