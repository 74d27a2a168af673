//! Splits a rule into tokens, each with its byte range in the rule text.
//!
//! Both rule languages share one lexical structure: parentheses and brackets,
//! commas, double-quoted strings (with `\"` or `` `" `` for a quote inside),
//! operators starting with `-` (`-eq`, `-startsWith`, and the `-and`/`-or`/`-not`
//! spellings of the connectives) and words (property paths such as
//! `device.deviceOSType`, `_`, `and`, `or`, `not`, `true`, `false`, `null`, numbers).

use std::ops::Range;

use super::RuleError;

/// One token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// `(`
    LeftParenthesis,
    /// `)`
    RightParenthesis,
    /// `[`
    LeftBracket,
    /// `]`
    RightBracket,
    /// `,`
    Comma,
    /// A quoted string, unescaped.
    Text(String),
    /// An operator such as `-eq`, lowercased, without the dash.
    Operator(String),
    /// A word: a property path, a connective, a literal.
    Word(String),
}

/// A token and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Its byte range in the rule text.
    pub span: Range<usize>,
}

/// The tokens of `text`, or the first lexical error.
pub fn tokenize(text: &str) -> Result<Vec<Token>, RuleError> {
    let mut tokens = Vec::new();
    let mut characters = text.char_indices().peekable();
    while let Some(&(start, character)) = characters.peek() {
        if character.is_whitespace() {
            characters.next();
            continue;
        }
        let single = match character {
            '(' => Some(TokenKind::LeftParenthesis),
            ')' => Some(TokenKind::RightParenthesis),
            '[' => Some(TokenKind::LeftBracket),
            ']' => Some(TokenKind::RightBracket),
            ',' => Some(TokenKind::Comma),
            _ => None,
        };
        if let Some(kind) = single {
            characters.next();
            tokens.push(Token {
                kind,
                span: start..start + 1,
            });
            continue;
        }
        if character == '"' || character == '\'' {
            tokens.push(read_text(text, &mut characters, start, character)?);
            continue;
        }
        // A word or an operator: up to whitespace, a bracket, a comma or a quote.
        let mut end = start;
        while let Some(&(position, next)) = characters.peek() {
            if next.is_whitespace() || "()[],\"'".contains(next) {
                break;
            }
            end = position + next.len_utf8();
            characters.next();
        }
        let word = &text[start..end];
        let kind = match word.strip_prefix('-') {
            Some(operator) if operator.chars().next().is_some_and(char::is_alphabetic) => {
                TokenKind::Operator(operator.to_ascii_lowercase())
            }
            _ => TokenKind::Word(word.to_owned()),
        };
        tokens.push(Token {
            kind,
            span: start..end,
        });
    }
    Ok(tokens)
}

fn read_text(
    text: &str,
    characters: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    start: usize,
    quote: char,
) -> Result<Token, RuleError> {
    characters.next();
    let mut value = String::new();
    while let Some((position, character)) = characters.next() {
        if character == '\\' || character == '`' {
            if let Some(&(_, escaped)) = characters.peek()
                && (escaped == quote || escaped == '\\' || escaped == '`')
            {
                value.push(escaped);
                characters.next();
                continue;
            }
            value.push(character);
            continue;
        }
        if character == quote {
            return Ok(Token {
                kind: TokenKind::Text(value),
                span: start..position + character.len_utf8(),
            });
        }
        value.push(character);
    }
    Err(RuleError {
        message: "this string is never closed".to_owned(),
        span: start..text.len(),
        help: Some(format!("add the closing `{quote}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind> {
        tokenize(text)
            .expect("valid tokens")
            .into_iter()
            .map(|token| token.kind)
            .collect()
    }

    #[test]
    fn operators_words_strings_and_punctuation() {
        assert_eq!(
            kinds(r#"(device.deviceOSType -EQ "Win\"dows") -and x -in ["a","b"]"#),
            vec![
                TokenKind::LeftParenthesis,
                TokenKind::Word("device.deviceOSType".to_owned()),
                TokenKind::Operator("eq".to_owned()),
                TokenKind::Text("Win\"dows".to_owned()),
                TokenKind::RightParenthesis,
                TokenKind::Operator("and".to_owned()),
                TokenKind::Word("x".to_owned()),
                TokenKind::Operator("in".to_owned()),
                TokenKind::LeftBracket,
                TokenKind::Text("a".to_owned()),
                TokenKind::Comma,
                TokenKind::Text("b".to_owned()),
                TokenKind::RightBracket,
            ]
        );
        assert_eq!(kinds(r#""a`"b""#), vec![TokenKind::Text("a\"b".to_owned())]);
    }

    #[test]
    fn an_unclosed_string_is_an_error_with_its_span() {
        let error = tokenize(r#"(device.model -eq "Surface)"#).expect_err("unclosed");
        assert_eq!(error.span, 18..27);
    }

    #[test]
    fn spans_are_byte_ranges_after_multibyte_characters() {
        let tokens = tokenize(r#"device.deviceName -eq "Zürich" x"#).expect("valid");
        assert_eq!(tokens[2].span, 22..31);
        assert_eq!(tokens[3].span, 32..33);
    }
}
