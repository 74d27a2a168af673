//! Object ids as hash map keys, compared without case and, for ids of a
//! GUID's length, without following a pointer: how the engine finds inventory
//! devices and users by the ids group members and devices name them by.

use std::borrow::Cow;

/// An object id (or a user principal name) as a hash map key, without case:
/// an id of a GUID's length (all of Graph's object ids) is held in the table
/// itself, so that a lookup compares it where the hash led, instead of
/// following a pointer to the id's text (at tenant scale that comparison, with
/// the cache miss before it, was most of the time spent finding millions of
/// group members).
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) enum ObjectIdKey<'id> {
    /// An id of 36 bytes, in lowercase.
    GuidLength([u8; GUID_LENGTH]),
    /// Any other id, in lowercase.
    Other(Cow<'id, str>),
}

/// The length of a GUID written with hyphens.
const GUID_LENGTH: usize = 36;

impl<'id> ObjectIdKey<'id> {
    /// The key of `id`.
    pub(crate) fn of(id: &'id str) -> Self {
        match <[u8; GUID_LENGTH]>::try_from(id.as_bytes()) {
            Ok(mut bytes) => {
                bytes.make_ascii_lowercase();
                Self::GuidLength(bytes)
            }
            Err(_) => Self::Other(lowercase(id)),
        }
    }
}

/// `id` in lowercase, borrowed when it is already (no copy for the user
/// principal names most inventories write in lowercase).
fn lowercase(id: &str) -> Cow<'_, str> {
    if id.bytes().any(|byte| byte.is_ascii_uppercase()) {
        Cow::Owned(id.to_ascii_lowercase())
    } else {
        Cow::Borrowed(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_are_lowercased_and_copied_only_when_they_have_capitals() {
        assert!(matches!(
            lowercase("3c3c5ff4-5595"),
            Cow::Borrowed("3c3c5ff4-5595")
        ));
        assert_eq!(lowercase("3C3C5FF4-5595"), "3c3c5ff4-5595");
        assert!(matches!(lowercase("3C3C5FF4-5595"), Cow::Owned(_)));
    }

    proptest::proptest! {
        /// Two ids are one key exactly when they are equal without ASCII case,
        /// whether or not they have a GUID's length.
        #[test]
        fn object_id_keys_are_equal_exactly_when_the_ids_are_without_case(
            first in "[0-9a-fA-F-]{34,38}|[a-zA-Z@.]{0,12}",
            second in "[0-9a-fA-F-]{34,38}|[a-zA-Z@.]{0,12}",
            same in proptest::bool::ANY,
        ) {
            let second = if same { first.to_ascii_uppercase() } else { second };
            proptest::prop_assert_eq!(
                ObjectIdKey::of(&first) == ObjectIdKey::of(&second),
                first.eq_ignore_ascii_case(&second)
            );
        }
    }
}
