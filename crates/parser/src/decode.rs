//! Turns the bytes of a file into text: UTF-8, UTF-8 with a byte-order mark, and
//! UTF-16 little or big endian (as Windows PowerShell 5 writes with `Out-File`).
//!
//! Invalid input is not an I/O failure: the text is decoded lossily so that the
//! diagnostic can still show the file, and the offset of the first bad sequence is
//! reported so that it can point at it.

/// How the bytes of a file were encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 with the `EF BB BF` byte-order mark (the admin center's "Export JSON").
    Utf8WithBom,
    /// UTF-16 little endian, with or without a byte-order mark.
    Utf16Le,
    /// UTF-16 big endian, with or without a byte-order mark.
    Utf16Be,
}

impl Encoding {
    /// A short human name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8WithBom => "UTF-8 with BOM",
            Encoding::Utf16Le => "UTF-16 LE",
            Encoding::Utf16Be => "UTF-16 BE",
        }
    }
}

/// Decoded text, and where decoding went wrong if it did.
#[derive(Debug)]
pub struct Decoded {
    /// The text, with any byte-order mark removed; invalid sequences are replaced by U+FFFD.
    pub text: String,
    /// The encoding that was detected.
    pub encoding: Encoding,
    /// Byte offset in `text` of the first replacement made for an invalid sequence.
    pub first_invalid: Option<usize>,
}

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Decodes `bytes`, detecting the encoding from the byte-order mark or, for UTF-16
/// without one, from the zero bytes that ASCII text has in every other position.
pub fn decode(bytes: &[u8]) -> Decoded {
    match detect(bytes) {
        (encoding @ (Encoding::Utf8 | Encoding::Utf8WithBom), mark) => {
            decode_utf8(bytes[mark..].to_vec(), encoding)
        }
        (encoding, mark) => decode_utf16(&bytes[mark..], encoding),
    }
}

/// Decodes `bytes` as [`decode`] does, reusing their buffer for the text when
/// they are UTF-8 (the common case), so that the text is not copied.
pub fn decode_owned(mut bytes: Vec<u8>) -> Decoded {
    match detect(&bytes) {
        (encoding @ (Encoding::Utf8 | Encoding::Utf8WithBom), mark) => {
            bytes.drain(..mark);
            decode_utf8(bytes, encoding)
        }
        (encoding, mark) => decode_utf16(&bytes[mark..], encoding),
    }
}

/// The encoding of `bytes` and the length of its byte-order mark.
fn detect(bytes: &[u8]) -> (Encoding, usize) {
    if bytes.starts_with(UTF8_BOM) {
        return (Encoding::Utf8WithBom, UTF8_BOM.len());
    }
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return (Encoding::Utf16Le, 2);
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return (Encoding::Utf16Be, 2);
    }
    if bytes.len() >= 4 && bytes.len().is_multiple_of(2) {
        if bytes[0] != 0 && bytes[1] == 0 && bytes[2] != 0 && bytes[3] == 0 {
            return (Encoding::Utf16Le, 0);
        }
        if bytes[0] == 0 && bytes[1] != 0 && bytes[2] == 0 && bytes[3] != 0 {
            return (Encoding::Utf16Be, 0);
        }
    }
    (Encoding::Utf8, 0)
}

fn decode_utf8(bytes: Vec<u8>, encoding: Encoding) -> Decoded {
    match String::from_utf8(bytes) {
        Ok(text) => Decoded {
            text,
            encoding,
            first_invalid: None,
        },
        Err(error) => {
            // The valid prefix is unchanged by lossy decoding, so the offset carries over.
            let first_invalid = error.utf8_error().valid_up_to();
            Decoded {
                text: String::from_utf8_lossy(error.as_bytes()).into_owned(),
                encoding,
                first_invalid: Some(first_invalid),
            }
        }
    }
}

fn decode_utf16(bytes: &[u8], encoding: Encoding) -> Decoded {
    let units = bytes.chunks(2).map(|pair| match (pair, encoding) {
        ([low, high], Encoding::Utf16Le) => u16::from_le_bytes([*low, *high]),
        ([high, low], _) => u16::from_be_bytes([*high, *low]),
        // An odd trailing byte cannot be a code unit: force a replacement.
        _ => 0xD800,
    });
    let mut text = String::with_capacity(bytes.len() / 2);
    let mut first_invalid = None;
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok(character) => text.push(character),
            Err(_) => {
                first_invalid.get_or_insert(text.len());
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    Decoded {
        text,
        encoding,
        first_invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, little_endian: bool, bom: bool) -> Vec<u8> {
        let mut bytes = Vec::new();
        let units = bom
            .then_some(0xFEFF_u16)
            .into_iter()
            .chain(text.encode_utf16());
        for unit in units {
            if little_endian {
                bytes.extend_from_slice(&unit.to_le_bytes());
            } else {
                bytes.extend_from_slice(&unit.to_be_bytes());
            }
        }
        bytes
    }

    #[test]
    fn plain_utf8_is_unchanged() {
        let decoded = decode(b"{\"a\": 1}");
        assert_eq!(decoded.text, "{\"a\": 1}");
        assert_eq!(decoded.encoding, Encoding::Utf8);
        assert_eq!(decoded.first_invalid, None);
    }

    #[test]
    fn utf8_bom_is_removed() {
        let decoded = decode(b"\xEF\xBB\xBF{}");
        assert_eq!(decoded.text, "{}");
        assert_eq!(decoded.encoding, Encoding::Utf8WithBom);
    }

    #[test]
    fn utf16_with_and_without_bom_in_both_byte_orders() {
        let text = "{\"name\": \"Stra\u{df}e \u{1F600}\"}";
        for little_endian in [true, false] {
            for bom in [true, false] {
                let decoded = decode(&utf16(text, little_endian, bom));
                assert_eq!(decoded.text, text, "le={little_endian} bom={bom}");
                assert_eq!(decoded.first_invalid, None);
                let expected = if little_endian {
                    Encoding::Utf16Le
                } else {
                    Encoding::Utf16Be
                };
                assert_eq!(decoded.encoding, expected);
            }
        }
    }

    #[test]
    fn invalid_utf8_reports_the_offset_of_the_first_bad_byte() {
        let decoded = decode(b"{\"a\": \"\xFF\"}");
        assert_eq!(decoded.first_invalid, Some(7));
        assert!(decoded.text.contains('\u{FFFD}'));
    }

    #[test]
    fn unpaired_utf16_surrogate_is_reported() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in [u16::from(b'{'), 0xD800, u16::from(b'}')] {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let decoded = decode(&bytes);
        assert_eq!(decoded.first_invalid, Some(1));
    }

    #[test]
    fn decoding_owned_bytes_gives_what_decoding_borrowed_ones_gives() {
        let cases: [&[u8]; 6] = [
            b"{\"a\": 1}",
            b"\xEF\xBB\xBF{}",
            b"{\"a\": \"\xFF\"}",
            &[0xFF, 0xFE, b'{', 0, b'}', 0],
            &[0, b'{', 0, b'}'],
            b"",
        ];
        for bytes in cases {
            let borrowed = decode(bytes);
            let owned = decode_owned(bytes.to_vec());
            assert_eq!(owned.text, borrowed.text, "{bytes:?}");
            assert_eq!(owned.encoding, borrowed.encoding, "{bytes:?}");
            assert_eq!(owned.first_invalid, borrowed.first_invalid, "{bytes:?}");
        }
    }

    #[test]
    fn odd_length_utf16_does_not_panic() {
        let decoded = decode(&[0xFF, 0xFE, b'{', 0, b'}']);
        assert!(decoded.first_invalid.is_some());
    }
}
