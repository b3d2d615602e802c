//! Cutting an alert's text into words for the vocabulary reader.
//!
//! The text before the first `::` is the head, cut at whitespace; the rest is the
//! narrative tail, kept as written. An `ALERT` / `ALERT:` first word is dropped.
//! Brackets around a word (`[14:03]`) and trailing `,;:.!` are not part of it. A
//! standalone `-`, `–`, `|` or `:`, or a word ending in `:`, is a hard separator: a
//! premises, an offence phrase or a description never runs across one. A comma is
//! not (descriptions hold commas: `BLK JKT, NVY TRK`).

/// Most words read before `::`. Radio alerts have a dozen or two; a longer head is
/// rejected rather than read, which bounds the work a hostile line can cause.
pub(crate) const MAX_WORDS: usize = 64;

/// One word of the head: where it stands in the text and its upper-case form.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    /// Byte offset of the word (without brackets) in the text.
    pub start: usize,
    /// Byte end of the word, without trailing punctuation.
    pub end: usize,
    /// Byte end with its trailing punctuation (`JKT,`), for descriptions.
    pub raw_end: usize,
    /// The word in upper case, compared against the tables.
    pub key: String,
    /// Whether a hard separator follows the word.
    pub sep_after: bool,
}

/// An alert's text cut for reading.
#[derive(Debug)]
pub(crate) struct Line<'t> {
    /// The whole (trimmed) text; token offsets point into it.
    pub text: &'t str,
    /// The head's words.
    pub tokens: Vec<Token>,
    /// The narrative after `::`, trimmed; `None` when absent or blank.
    pub tail: Option<&'t str>,
}

const HARD: &[char] = &['-', '–', '—', '|', ':'];
const TRAILING: &[char] = &[',', ';', ':', '.', '!', ']', ')'];

impl<'t> Line<'t> {
    /// The text of tokens `a..b` as written, from the first's start to the last's end.
    pub fn span(&self, a: usize, b: usize) -> &'t str {
        match (
            self.tokens.get(a),
            b.checked_sub(1).and_then(|l| self.tokens.get(l)),
        ) {
            (Some(first), Some(last)) if a < b => &self.text[first.start..last.end],
            _ => "",
        }
    }
}

/// Cuts `text` into a [`Line`]; the error is the reason (too many words).
pub(crate) fn cut(text: &str) -> Result<Line<'_>, &'static str> {
    let (head, tail) = match text.find("::") {
        Some(at) => (&text[..at], Some(text[at + 2..].trim())),
        None => (text, None),
    };
    let mut tokens: Vec<Token> = Vec::new();
    for (offset, piece) in pieces(head) {
        let lead = piece.len() - piece.trim_start_matches(['[', '(']).len();
        let core = piece[lead..].trim_end_matches(TRAILING);
        let trailing = &piece[lead + core.len()..];
        if core.is_empty() || core.chars().all(|c| HARD.contains(&c) || c == '/') {
            if piece.contains(HARD)
                && let Some(last) = tokens.last_mut()
            {
                last.sep_after = true;
            }
            continue;
        }
        if tokens.len() == MAX_WORDS + 1 {
            return Err("the alert text has too many words before '::' to be read");
        }
        let start = offset + lead;
        tokens.push(Token {
            start,
            end: start + core.len(),
            raw_end: offset + piece.len(),
            key: core.to_uppercase(),
            sep_after: trailing.contains(':'),
        });
    }
    if tokens.first().is_some_and(|t| t.key == "ALERT") {
        tokens.remove(0);
    }
    if tokens.len() > MAX_WORDS {
        return Err("the alert text has too many words before '::' to be read");
    }
    Ok(Line {
        text,
        tokens,
        tail: tail.filter(|t| !t.is_empty()),
    })
}

/// The whitespace-separated pieces of `s` with their byte offsets.
fn pieces(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut chars = s.char_indices().peekable();
    std::iter::from_fn(move || {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let (start, _) = *chars.peek()?;
        let mut end = s.len();
        for (i, c) in chars.by_ref() {
            if c.is_whitespace() {
                end = i;
                break;
            }
        }
        Some((start, &s[start..end]))
    })
}
