//! Items grouped by small whole-number keys in two passes (count each key's
//! items, then place them), each key's items kept in the order given: the
//! setting buckets, the attribute columns, each user's devices and the tiles
//! of policy pairs are all laid out this way, in one allocation each instead
//! of one per key.

/// The items `items` yields as `(key, item)`, grouped by key: where each key's
/// items start (one more entry than `key_count`: key `k`'s items are at
/// `starts[k]..starts[k + 1]`), and the items, key after key, each key's in
/// the order given. Items whose key is `key_count` or more are left out.
pub fn grouped_by_key<Item: Copy>(
    key_count: usize,
    items: impl Iterator<Item = (usize, Item)> + Clone,
) -> (Vec<usize>, Vec<Item>) {
    let mut starts = vec![0_usize; key_count + 1];
    for (key, _) in items.clone() {
        if key < key_count {
            starts[key + 1] += 1;
        }
    }
    for key in 0..key_count {
        starts[key + 1] += starts[key];
    }
    let Some((_, filler)) = items.clone().next() else {
        return (starts, Vec::new());
    };
    let mut next = starts.clone();
    let mut placed = vec![filler; starts[key_count]];
    for (key, item) in items {
        if key < key_count {
            placed[next[key]] = item;
            next[key] += 1;
        }
    }
    (starts, placed)
}

#[cfg(test)]
mod tests {
    use super::grouped_by_key;

    #[test]
    fn items_are_grouped_by_key_in_the_order_given() {
        let items = [(2, 'a'), (0, 'b'), (2, 'c'), (5, 'x'), (0, 'd'), (3, 'e')];
        let (starts, placed) = grouped_by_key(4, items.iter().copied());
        assert_eq!(starts, vec![0, 2, 2, 4, 5]);
        assert_eq!(placed, vec!['b', 'd', 'a', 'c', 'e']);
        let (starts, placed) = grouped_by_key(3, std::iter::empty::<(usize, char)>());
        assert_eq!(starts, vec![0, 0, 0, 0]);
        assert!(placed.is_empty());
    }
}
