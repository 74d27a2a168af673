//! Long messages written into strings sized up front. `format!` guesses a
//! string's length from its literal text; a message that names policies,
//! groups and values outgrows the guess and is copied as it grows (a
//! reallocation or two for each of thousands of findings a run).

/// `arguments` written into a string of `capacity` bytes to begin with.
pub(crate) fn sized(capacity: usize, arguments: std::fmt::Arguments<'_>) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(capacity);
    // Writing into a string cannot fail.
    let _ = text.write_fmt(arguments);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sized_text_is_the_formatted_text_whatever_the_capacity() {
        for capacity in [0, 3, 64] {
            assert_eq!(
                sized(capacity, format_args!("`{}` set by `{}`", 1, "Policy")),
                "`1` set by `Policy`"
            );
        }
    }
}
