//! Indices held in 32 bits where the analysis keeps millions of them (policy
//! pairs, setting pairs, include positions): half the memory to go through.

/// `index` as 32 bits. Policies, settings, their pairs and a policy's
/// assignments are all far fewer than 2³²; an index that is not saturates.
pub(crate) fn small_index(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}
