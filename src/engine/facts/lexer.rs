//! A small hand-written Go lexer for the module pre-pass.
//!
//! The main pass parses every file with tree-sitter, which is the throughput ceiling; parsing
//! every file a second time for the pre-pass would double the run time. The pre-pass only needs
//! declarations and a few facts about function bodies, which a token stream gives at several
//! times tree-sitter's speed.
//!
//! Tokens are identifiers, keywords, operators/punctuation and literals; comments and white
//! space are skipped. No automatic semicolons are inserted: instead each token records whether a
//! newline preceded it, which is what a scanner needs to find statement boundaries.
//!
//! Malformed input never panics or loops: an unterminated string or rune ends at the end of its
//! line, an unterminated raw string or block comment at the end of the file, and a byte that
//! starts no token becomes an `Invalid` token of one byte.

/// Go's 25 keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Break,
    Case,
    Chan,
    Const,
    Continue,
    Default,
    Defer,
    Else,
    Fallthrough,
    For,
    Func,
    Go,
    Goto,
    If,
    Import,
    Interface,
    Map,
    Package,
    Range,
    Return,
    Select,
    Struct,
    Switch,
    Type,
    Var,
}

/// Operators and punctuation, one variant per Go token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Punct {
    Add,          // +
    Sub,          // -
    Mul,          // *
    Quo,          // /
    Rem,          // %
    And,          // &
    Or,           // |
    Xor,          // ^
    Shl,          // <<
    Shr,          // >>
    AndNot,       // &^
    AddAssign,    // +=
    SubAssign,    // -=
    MulAssign,    // *=
    QuoAssign,    // /=
    RemAssign,    // %=
    AndAssign,    // &=
    OrAssign,     // |=
    XorAssign,    // ^=
    ShlAssign,    // <<=
    ShrAssign,    // >>=
    AndNotAssign, // &^=
    LogicalAnd,   // &&
    LogicalOr,    // ||
    Arrow,        // <-
    Inc,          // ++
    Dec,          // --
    Eql,          // ==
    Lss,          // <
    Gtr,          // >
    Assign,       // =
    Not,          // !
    Tilde,        // ~
    Neq,          // !=
    Leq,          // <=
    Geq,          // >=
    Define,       // :=
    Ellipsis,     // ...
    LParen,       // (
    LBrack,       // [
    LBrace,       // {
    Comma,        // ,
    Period,       // .
    RParen,       // )
    RBrack,       // ]
    RBrace,       // }
    Semicolon,    // ;
    Colon,        // :
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Ident,
    Keyword(Keyword),
    Punct(Punct),
    /// `"..."`, quotes included.
    String,
    /// `` `...` ``, backticks included.
    RawString,
    /// `'x'`, quotes included.
    Rune,
    Number,
    /// A byte that starts no Go token (`@`, `#`, a stray `\`, a lone `$`).
    Invalid,
}

/// One token: its kind and byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    /// A newline (in white space or a comment) comes between this token and the previous one.
    pub newline_before: bool,
    pub start: u32,
    pub end: u32,
}

impl Token {
    pub fn text<'s>(&self, source: &'s [u8]) -> &'s [u8] {
        source.get(self.start as usize..self.end as usize).unwrap_or_default()
    }

    pub fn is_punct(&self, punct: Punct) -> bool {
        self.kind == TokenKind::Punct(punct)
    }

    pub fn is_keyword(&self, keyword: Keyword) -> bool {
        self.kind == TokenKind::Keyword(keyword)
    }
}

/// The largest source the lexer accepts: offsets are `u32` to keep tokens small.
pub const MAX_SOURCE_LEN: usize = u32::MAX as usize;

/// Lex `source` into `tokens` (cleared first). Returns false, leaving `tokens` empty, when the
/// source is too large for `u32` offsets.
pub fn lex_into(source: &[u8], tokens: &mut Vec<Token>) -> bool {
    tokens.clear();
    if source.len() >= MAX_SOURCE_LEN {
        return false;
    }
    // Go source averages about one token per 5–6 bytes; reserving avoids most regrowth.
    tokens.reserve(source.len() / 6);
    // The position and the newline flag are plain locals, and each token kind's reader a
    // function from start to end, so they stay in registers through the per-byte loops.
    let mut pos = 0;
    let mut newline = false;
    loop {
        pos = skip_trivia(source, pos, &mut newline);
        let Some(&first) = source.get(pos) else { break };
        let (kind, end) = token_at(source, pos, first);
        tokens.push(Token { kind, newline_before: newline, start: pos as u32, end: end as u32 });
        newline = false;
        pos = end;
    }
    true
}

/// Lex `source` into a new vector (convenience for tests and one-off callers).
pub fn lex(source: &[u8]) -> Vec<Token> {
    let mut tokens = Vec::new();
    lex_into(source, &mut tokens);
    tokens
}

/// The byte at `at`, or 0 past the end.
fn peek(bytes: &[u8], at: usize) -> u8 {
    bytes.get(at).copied().unwrap_or(0)
}

/// Skip white space and comments from `pos`, setting `newline` when a newline is crossed;
/// returns where the next token starts (or the end).
fn skip_trivia(bytes: &[u8], mut pos: usize, newline: &mut bool) -> usize {
    while let Some(&byte) = bytes.get(pos) {
        match byte {
            b'\n' => {
                *newline = true;
                pos += 1;
            }
            b' ' | b'\t' | b'\r' => pos += 1,
            b'/' if peek(bytes, pos + 1) == b'/' => {
                // A line comment ends at the newline, which is then seen as a newline.
                pos = match memchr::memchr(b'\n', &bytes[pos..]) {
                    Some(offset) => pos + offset,
                    None => bytes.len(),
                };
            }
            b'/' if peek(bytes, pos + 1) == b'*' => {
                let body = &bytes[pos + 2..];
                let consumed = memchr::memmem::find(body, b"*/").map_or(body.len(), |end| end + 2);
                if memchr::memchr(b'\n', &body[..consumed]).is_some() {
                    *newline = true;
                }
                pos += 2 + consumed;
            }
            // A UTF-8 byte order mark at the start of the file.
            0xEF if pos == 0 && bytes.starts_with(&[0xEF, 0xBB, 0xBF]) => pos += 3,
            _ => break,
        }
    }
    pos
}

/// The token starting at `start` (whose byte is `first`): its kind and end.
fn token_at(bytes: &[u8], start: usize, first: u8) -> (TokenKind, usize) {
    match first {
        b'a'..=b'z' | b'A'..=b'Z' | b'_' | 0x80..=0xFF => {
            let mut end = start + 1;
            while end < bytes.len() && is_ident_byte(bytes[end]) {
                end += 1;
            }
            match keyword(&bytes[start..end]) {
                Some(keyword) => (TokenKind::Keyword(keyword), end),
                None => (TokenKind::Ident, end),
            }
        }
        b'0'..=b'9' => (TokenKind::Number, number_end(bytes, start)),
        b'.' if peek(bytes, start + 1).is_ascii_digit() => (TokenKind::Number, number_end(bytes, start)),
        b'"' => (TokenKind::String, quoted_end(bytes, start, b'"')),
        b'\'' => (TokenKind::Rune, quoted_end(bytes, start, b'\'')),
        b'`' => {
            let end = match memchr::memchr(b'`', &bytes[start + 1..]) {
                Some(offset) => start + 1 + offset + 1,
                None => bytes.len(),
            };
            (TokenKind::RawString, end)
        }
        _ => match punct(bytes, start, first) {
            Some((punct, len)) => (TokenKind::Punct(punct), start + len),
            None => (TokenKind::Invalid, start + 1),
        },
    }
}

/// The end of a number literal in any Go form (`0x1p-2`, `1_000`, `.5e+3i`) starting at
/// `start`; precision is not needed, only where it ends.
fn number_end(bytes: &[u8], start: usize) -> usize {
    let hex = bytes[start] == b'0' && matches!(peek(bytes, start + 1), b'x' | b'X');
    let mut pos = start + 1;
    while pos < bytes.len() {
        let byte = bytes[pos];
        let exponent = if hex { matches!(byte, b'p' | b'P') } else { matches!(byte, b'e' | b'E') };
        if exponent && matches!(peek(bytes, pos + 1), b'+' | b'-') {
            pos += 2;
        } else if byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'.' {
            pos += 1;
        } else {
            break;
        }
    }
    pos
}

/// The end of an interpreted string or rune literal starting at `start`: after the closing
/// quote, or (malformed) at the end of the line or file.
fn quoted_end(bytes: &[u8], start: usize, quote: u8) -> usize {
    let mut pos = start + 1;
    // Jump between the only bytes that matter: an escape skips the byte after it.
    while let Some(offset) = bytes.get(pos..).and_then(|rest| memchr::memchr3(quote, b'\\', b'\n', rest)) {
        let at = pos + offset;
        match bytes[at] {
            b'\\' => pos = at + 2,
            b'\n' => return at,
            _ => return at + 1,
        }
    }
    bytes.len()
}

/// The operator or punctuation at `start` (whose byte is `first`), longest match first, and
/// its length.
fn punct(bytes: &[u8], start: usize, first: u8) -> Option<(Punct, usize)> {
    use Punct::*;
    Some(match (first, peek(bytes, start + 1), peek(bytes, start + 2)) {
        (b'.', b'.', b'.') => (Ellipsis, 3),
        (b'<', b'<', b'=') => (ShlAssign, 3),
        (b'>', b'>', b'=') => (ShrAssign, 3),
        (b'&', b'^', b'=') => (AndNotAssign, 3),
        (b'<', b'-', _) => (Arrow, 2),
        (b'<', b'<', _) => (Shl, 2),
        (b'<', b'=', _) => (Leq, 2),
        (b'>', b'>', _) => (Shr, 2),
        (b'>', b'=', _) => (Geq, 2),
        (b'&', b'^', _) => (AndNot, 2),
        (b'&', b'&', _) => (LogicalAnd, 2),
        (b'&', b'=', _) => (AndAssign, 2),
        (b'|', b'|', _) => (LogicalOr, 2),
        (b'|', b'=', _) => (OrAssign, 2),
        (b'+', b'+', _) => (Inc, 2),
        (b'+', b'=', _) => (AddAssign, 2),
        (b'-', b'-', _) => (Dec, 2),
        (b'-', b'=', _) => (SubAssign, 2),
        (b'*', b'=', _) => (MulAssign, 2),
        (b'/', b'=', _) => (QuoAssign, 2),
        (b'%', b'=', _) => (RemAssign, 2),
        (b'^', b'=', _) => (XorAssign, 2),
        (b'=', b'=', _) => (Eql, 2),
        (b'!', b'=', _) => (Neq, 2),
        (b':', b'=', _) => (Define, 2),
        (b'+', _, _) => (Add, 1),
        (b'-', _, _) => (Sub, 1),
        (b'*', _, _) => (Mul, 1),
        (b'/', _, _) => (Quo, 1),
        (b'%', _, _) => (Rem, 1),
        (b'&', _, _) => (And, 1),
        (b'|', _, _) => (Or, 1),
        (b'^', _, _) => (Xor, 1),
        (b'<', _, _) => (Lss, 1),
        (b'>', _, _) => (Gtr, 1),
        (b'=', _, _) => (Assign, 1),
        (b'!', _, _) => (Not, 1),
        (b'~', _, _) => (Tilde, 1),
        (b'(', _, _) => (LParen, 1),
        (b'[', _, _) => (LBrack, 1),
        (b'{', _, _) => (LBrace, 1),
        (b',', _, _) => (Comma, 1),
        (b'.', _, _) => (Period, 1),
        (b')', _, _) => (RParen, 1),
        (b']', _, _) => (RBrack, 1),
        (b'}', _, _) => (RBrace, 1),
        (b';', _, _) => (Semicolon, 1),
        (b':', _, _) => (Colon, 1),
        _ => return None,
    })
}

/// Bytes that continue an identifier, as a table: the identifier loop runs for most of a file's
/// bytes, and one load is cheaper than three range tests.
static IDENT_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
        byte += 1;
    }
    table
};

fn is_ident_byte(byte: u8) -> bool {
    IDENT_BYTES[usize::from(byte)]
}

fn keyword(word: &[u8]) -> Option<Keyword> {
    use Keyword::*;
    // Every keyword is 2 to 11 lowercase letters: this settles most identifiers before the
    // comparisons below.
    if !(2..=11).contains(&word.len()) || !word[0].is_ascii_lowercase() {
        return None;
    }
    Some(match word {
        b"break" => Break,
        b"case" => Case,
        b"chan" => Chan,
        b"const" => Const,
        b"continue" => Continue,
        b"default" => Default,
        b"defer" => Defer,
        b"else" => Else,
        b"fallthrough" => Fallthrough,
        b"for" => For,
        b"func" => Func,
        b"go" => Go,
        b"goto" => Goto,
        b"if" => If,
        b"import" => Import,
        b"interface" => Interface,
        b"map" => Map,
        b"package" => Package,
        b"range" => Range,
        b"return" => Return,
        b"select" => Select,
        b"struct" => Struct,
        b"switch" => Switch,
        b"type" => Type,
        b"var" => Var,
        _ => return None,
    })
}

/// For each bracket token, the index of its partner: `Some(close)` at an opening bracket and
/// `Some(open)` at a closing one; `None` elsewhere and for brackets without a partner.
///
/// A closing bracket that does not match the innermost open one is treated as a stray and left
/// unmatched, so one typo does not unbalance the rest of the file; brackets left open at the end
/// stay unmatched too.
pub fn match_brackets(tokens: &[Token]) -> Vec<Option<u32>> {
    /// How many unclosed brackets a closer may skip to find its opener.
    const MAX_SKIPPED_OPENERS: usize = 32;
    let mut partners = vec![None; tokens.len()];
    let mut stack: Vec<(u32, Punct)> = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        let TokenKind::Punct(punct) = token.kind else { continue };
        let opener = match punct {
            Punct::LParen | Punct::LBrack | Punct::LBrace => {
                stack.push((index as u32, punct));
                continue;
            }
            Punct::RParen => Punct::LParen,
            Punct::RBrack => Punct::LBrack,
            Punct::RBrace => Punct::LBrace,
            _ => continue,
        };
        // Close the innermost matching opener; openers above it were never closed (a typo).
        // Only the innermost few are searched, so a flood of unmatched brackets stays linear.
        let window = stack.len().saturating_sub(MAX_SKIPPED_OPENERS);
        if let Some(depth) = stack[window..].iter().rposition(|&(_, open)| open == opener).map(|depth| depth + window) {
            // A `}` never closes past an unclosed `{` below a `(`: that would swallow the rest
            // of a function. Prefer leaving the stray closer unmatched unless it is a brace.
            let skipped = &stack[depth + 1..];
            if punct != Punct::RBrace && skipped.iter().any(|&(_, open)| open == Punct::LBrace) {
                continue;
            }
            let (open_index, _) = stack[depth];
            stack.truncate(depth);
            partners[open_index as usize] = Some(index as u32);
            partners[index] = Some(open_index);
        }
    }
    partners
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<(TokenKind, String)> {
        lex(source.as_bytes())
            .iter()
            .map(|token| (token.kind, String::from_utf8_lossy(token.text(source.as_bytes())).into_owned()))
            .collect()
    }

    fn texts(source: &str) -> Vec<String> {
        kinds(source).into_iter().map(|(_, text)| text).collect()
    }

    #[test]
    fn raw_strings_span_lines() {
        let source = "x := `a\n{\"/*` + y";
        assert_eq!(texts(source), vec!["x", ":=", "`a\n{\"/*`", "+", "y"]);
        assert_eq!(kinds(source)[2].0, TokenKind::RawString);
    }

    #[test]
    fn runes_with_quotes() {
        let source = r#"a := '\''; b := '"'; c := '\\'; d := 'é'"#;
        let runes: Vec<String> =
            kinds(source).into_iter().filter(|(kind, _)| *kind == TokenKind::Rune).map(|(_, text)| text).collect();
        assert_eq!(runes, vec![r"'\''", r#"'"'"#, r"'\\'", "'é'"]);
    }

    #[test]
    fn comments_with_braces_and_quotes_are_skipped() {
        let source = "a // } \" ` {\nb /* } ' \" { */ c /* unterminated {";
        assert_eq!(texts(source), vec!["a", "b", "c"]);
        let tokens = lex(source.as_bytes());
        assert!(tokens[1].newline_before);
        assert!(!tokens[2].newline_before);
    }

    #[test]
    fn comment_openers_inside_strings() {
        assert_eq!(
            texts(r#"s := "/* not a comment" + "//" ; t"#),
            vec!["s", ":=", r#""/* not a comment""#, "+", r#""//""#, ";", "t"]
        );
    }

    #[test]
    fn escaped_quotes_in_strings() {
        assert_eq!(texts(r#""a\"b" c"#), vec![r#""a\"b""#, "c"]);
    }

    #[test]
    fn unterminated_literals_end_at_line_or_file() {
        assert_eq!(texts("\"abc\nd"), vec!["\"abc", "d"]);
        assert_eq!(texts("'a\nd"), vec!["'a", "d"]);
        assert_eq!(texts("`abc\nd"), vec!["`abc\nd"]);
        assert_eq!(texts("\"abc\\"), vec!["\"abc\\"]);
    }

    #[test]
    fn operators_longest_match() {
        assert_eq!(
            texts("a <<= b &^= c <- d ... e := f &^ g != h"),
            vec!["a", "<<=", "b", "&^=", "c", "<-", "d", "...", "e", ":=", "f", "&^", "g", "!=", "h"]
        );
        assert_eq!(kinds("chan<- int")[1].0, TokenKind::Punct(Punct::Arrow));
    }

    #[test]
    fn numbers() {
        assert_eq!(
            texts("0x1p-2 1e+10 .5 1_000 0b101 3i x.y"),
            vec!["0x1p-2", "1e+10", ".5", "1_000", "0b101", "3i", "x", ".", "y"]
        );
        assert_eq!(texts("0xE+1"), vec!["0xE", "+", "1"]);
        assert_eq!(texts("a[1:]"), vec!["a", "[", "1", ":", "]"]);
    }

    #[test]
    fn keywords_and_unicode_identifiers() {
        let tokens = kinds("func größe chan").into_iter().map(|(kind, _)| kind).collect::<Vec<_>>();
        assert_eq!(
            tokens,
            vec![TokenKind::Keyword(Keyword::Func), TokenKind::Ident, TokenKind::Keyword(Keyword::Chan)]
        );
    }

    #[test]
    fn invalid_bytes_become_single_tokens() {
        assert_eq!(kinds("@ # $")[0].0, TokenKind::Invalid);
        assert_eq!(texts("@#"), vec!["@", "#"]);
    }

    #[test]
    fn bracket_matching_tolerates_strays() {
        let tokens = lex(b"f(a[1)]{ }");
        let partners = match_brackets(&tokens);
        // `(` ... `)` match; the `[` left open and the stray `]` stay unmatched.
        assert_eq!(partners[1], Some(5));
        assert_eq!(partners[3], None);
        assert_eq!(partners[6], None);
        assert_eq!(partners[7], Some(8));
    }

    #[test]
    fn mismatched_floods_stay_linear() {
        let source = format!("{}{}", "(".repeat(200_000), "]".repeat(200_000));
        let started = std::time::Instant::now();
        let partners = match_brackets(&lex(source.as_bytes()));
        assert!(partners.iter().all(Option::is_none));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 12345u64;
        let mut bytes = Vec::new();
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            bytes.push((seed >> 33) as u8);
        }
        let tokens = lex(&bytes);
        assert!(tokens.iter().all(|token| token.start < token.end && token.end as usize <= bytes.len()));
        match_brackets(&tokens);
    }
}
