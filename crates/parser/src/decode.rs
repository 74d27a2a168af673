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
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return decode_utf8(rest, Encoding::Utf8WithBom);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_utf16(rest, Encoding::Utf16Le);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_utf16(rest, Encoding::Utf16Be);
    }
    if bytes.len() >= 4 && bytes.len().is_multiple_of(2) {
        if bytes[0] != 0 && bytes[1] == 0 && bytes[2] != 0 && bytes[3] == 0 {
            return decode_utf16(bytes, Encoding::Utf16Le);
        }
        if bytes[0] == 0 && bytes[1] != 0 && bytes[2] == 0 && bytes[3] != 0 {
            return decode_utf16(bytes, Encoding::Utf16Be);
        }
    }
    decode_utf8(bytes, Encoding::Utf8)
}

fn decode_utf8(bytes: &[u8], encoding: Encoding) -> Decoded {
    match std::str::from_utf8(bytes) {
        Ok(text) => Decoded {
            text: text.to_owned(),
            encoding,
            first_invalid: None,
        },
        Err(error) => Decoded {
            // The valid prefix is unchanged by lossy decoding, so the offset carries over.
            text: String::from_utf8_lossy(bytes).into_owned(),
            encoding,
            first_invalid: Some(error.valid_up_to()),
        },
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
    fn odd_length_utf16_does_not_panic() {
        let decoded = decode(&[0xFF, 0xFE, b'{', 0, b'}']);
        assert!(decoded.first_invalid.is_some());
    }
}
