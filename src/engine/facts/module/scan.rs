//! The declaration scanner: one file's tokens → a compact [`FileScan`].
//!
//! Without automatic semicolons, statement boundaries come from Go's own rule: a newline ends a
//! statement when the line's last token is an identifier, a literal, `)`, `]`, `}`, `++`, `--`
//! or one of `break continue fallthrough return` ([`Scanner::is_break`]).
//!
//! Every helper takes token indexes and checks bounds; a helper that cannot read what it
//! expects returns `None` or a `?` type, and the caller moves on by at least one token. A bracket
//! that never closes ends the scan of the file there (`degraded`), because what follows it
//! cannot be told apart from the inside of a body.

use super::{BlockCause, BlockReason, Field, Func, InterfaceMethod, InterfaceType, Param, Receiver, Signature};
use super::{StructType, Text, TypeDecl, TypeKind, Value, ValueInit};
use crate::engine::facts::blocking::{self, BlockingCall};
use crate::engine::facts::lexer::{self, Keyword, Punct, Token, TokenKind};
use crate::engine::facts::stdlib;
use crate::hash::{HashMap, HashSet};
use serde::{Deserialize, Serialize};

/// Deeper nesting than this (types inside types, function literals inside function literals)
/// is left unread: it only happens in machine-made or hostile input, and recursion must stay
/// bounded.
const MAX_DEPTH: u32 = 64;
/// Longest selector chain recorded for a call (`a.b.c.d.m()` has 4 steps).
const MAX_STEPS: usize = 8;
/// Parameters beyond this index are not tracked for "closes" or "keeps its parameter".
const MAX_TRACKED_PARAMS: usize = 64;

/// What the scan of one file gives.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(super) struct FileScan {
    pub package: Text,
    pub funcs: Vec<FuncScan>,
    pub types: Vec<TypeDecl>,
    pub values: Vec<Value>,
    /// The scan stopped at a bracket that never closes.
    pub degraded: bool,
    pub tokens: usize,
    pub bytes: usize,
    /// Import paths the file dot-imports.
    pub dot_imports: Vec<Text>,
    /// Every import path the file names (not blank imports).
    pub imports: Vec<Text>,
    /// The file calls a method named `Shutdown` or `GracefulStop` (a server's graceful stop).
    pub calls_shutdown: bool,
}

/// One function before call-graph resolution.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct FuncScan {
    pub func: Func,
    /// The first direct cause of blocking found in the body.
    pub direct: Option<BlockReason>,
    /// Call sites that need the merged packages to resolve.
    pub calls: Vec<CallSite>,
    pub closes: u64,
    /// Bit `i`: channel parameter `i` is only used in ways that keep it here, call sites aside
    /// (they are settled by the fixed point).
    pub keeps: u64,
}

/// A call the scanner could not settle on its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(super) struct CallSite {
    pub target: CallTarget,
    pub line: u32,
    /// The call runs in the calling goroutine (not a `go` statement's callee, not inside a
    /// function literal that is stored or passed on).
    pub blocking: bool,
    /// The callee as written, when its first argument is a context (for messages).
    pub context_callee: Option<Text>,
    /// (argument index, parameter index) for channel parameters passed on as plain identifiers.
    pub param_args: Box<[(u8, u8)]>,
}

/// The callee of a call, by name: `root` and then `steps`, ending in `name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(super) struct CallTarget {
    pub root: Root,
    pub steps: Box<[Step]>,
    pub name: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(super) enum Step {
    Field(Text),
    Index,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(super) enum Root {
    /// `name(...)`: a package-level function of this package (steps are only `[T]`
    /// instantiations).
    PackageFunc,
    /// `pkg.name(...)`, `pkg` an import with this path.
    Imported(Text),
    /// A value of this type (receiver, parameter, typed local).
    Typed(Text),
    /// A package-level variable of this package.
    PackageVar(Text),
    /// `pkg.Var`: (import path, variable).
    ImportedVar(Text, Text),
    /// The `index`th result of a call.
    ResultOf(Box<CallTarget>, u8),
    /// A value reached from another root through fields and indexes (a local bound to
    /// `s.conn`).
    Value(Box<Root>, Box<[Step]>),
    /// Nothing shows the receiver's type; `name` is a method name.
    Unknown,
}

/// What the scanner needs to know about the project.
pub(super) struct ScanInput<'a> {
    /// The import path of the file's directory (or its pseudo path outside a module).
    pub dir_path: &'a str,
    pub is_test_file: bool,
    /// Import paths of the project's packages: calls into them are kept for resolution.
    pub project_paths: &'a HashSet<Text>,
}

/// Scan one file. `None` when it has no package clause (not Go, or hopelessly malformed).
pub(super) fn scan_file(
    source: &[u8],
    input: &ScanInput<'_>,
    tokens: &mut Vec<Token>,
    interner: &mut HashSet<Text>,
) -> Option<FileScan> {
    if !lexer::lex_into(source, tokens) {
        return None;
    }
    let partner = lexer::match_brackets(tokens);
    let mut scanner = Scanner::new(source, tokens, &partner, input);
    scanner.interner = std::cell::RefCell::new(std::mem::take(interner));
    let finished = scanner.run();
    *interner = scanner.interner.take();
    finished?;
    // Most files name neither method: a byte search settles them without walking the tokens.
    let names_shutdown =
        memchr::memmem::find(source, b"Shutdown").is_some() || memchr::memmem::find(source, b"GracefulStop").is_some();
    scanner.out.calls_shutdown = names_shutdown
        && tokens.windows(3).any(|window| {
            window[0].is_punct(Punct::Period)
                && window[1].kind == TokenKind::Ident
                && matches!(window[1].text(source), b"Shutdown" | b"GracefulStop")
                && window[2].is_punct(Punct::LParen)
        });
    scanner.out.tokens = tokens.len();
    scanner.out.bytes = source.len();
    Some(scanner.out)
}

// ---------------------------------------------------------------------------------------------

/// A parameter while it is being read.
#[derive(Debug, Clone)]
struct ParamSpec {
    /// The name's token.
    name_at: Option<usize>,
    name: Option<Text>,
    ty: String,
    variadic: bool,
}

/// What a local name is bound to, flow-insensitively.
#[derive(Debug, Clone, PartialEq)]
enum Binding {
    Typed(Text),
    Result(RawChain, u8),
    /// `x := a.b.c`: the value of a selector chain.
    Path(RawChain),
    Unknown,
}

/// A selector chain by token indexes: `root` then steps.
#[derive(Debug, Clone, PartialEq)]
struct RawChain {
    /// `None` when the chain starts at a call result or index (`f().m`, `x[i].m` after `)`).
    root: Option<u32>,
    steps: Vec<RawStep>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum RawStep {
    Field(u32),
    Index,
}

#[derive(Debug)]
struct RawCall {
    chain: RawChain,
    line: u32,
    blocking: bool,
    context_arg: bool,
    param_args: Vec<(u8, u8)>,
}

#[derive(Debug)]
enum Event {
    Direct(BlockCause, u32),
    Call(RawCall),
}

/// Per-function state, reused across functions.
#[derive(Default)]
struct BodyState<'a> {
    /// Receiver, parameters and named results with their types.
    typed: Vec<(&'a [u8], Text)>,
    /// Channel parameters (receiver excluded) and their index.
    chan_params: Vec<(&'a [u8], u8)>,
    /// Parameters of type `context.Context`.
    context_params: Vec<&'a [u8]>,
    locals: HashMap<&'a [u8], Binding>,
    events: Vec<Event>,
    /// Token ranges of `select` communication clauses (`case <-ch:`).
    comm_headers: Vec<(u32, u32)>,
    /// The token where the callee of the latest `go` statement starts.
    go_target: Option<u32>,
    closes: u64,
    keeps: u64,
    /// Tokens of channel parameters passed as plain arguments of recorded call sites.
    passed_args: Vec<u32>,
    /// How many function literals that are stored or passed on (not called where written)
    /// enclose the current token.
    stored_literals: u32,
}

struct Scanner<'a> {
    src: &'a [u8],
    toks: &'a [Token],
    partner: &'a [Option<u32>],
    input: &'a ScanInput<'a>,
    /// Byte offsets of the newlines, for line numbers.
    newlines: Vec<u32>,
    /// (local name, import path).
    imports: Vec<(Text, Text)>,
    dot_import: bool,
    own_path: Text,
    /// Type parameters in scope while reading a generic declaration.
    type_params: Vec<&'a [u8]>,
    /// The worker thread's interned texts, lent for this file.
    interner: std::cell::RefCell<HashSet<Text>>,
    body: BodyState<'a>,
    out: FileScan,
}

/// The builtin functions: calls to them are not calls to the package's functions.
fn is_builtin_func(name: &[u8]) -> bool {
    matches!(
        name,
        b"append"
            | b"cap"
            | b"clear"
            | b"close"
            | b"complex"
            | b"copy"
            | b"delete"
            | b"imag"
            | b"len"
            | b"make"
            | b"max"
            | b"min"
            | b"new"
            | b"panic"
            | b"print"
            | b"println"
            | b"real"
            | b"recover"
    )
}

/// Predeclared type names, spelled as the stdlib table spells them.
fn predeclared_type(name: &[u8]) -> Option<&'static str> {
    Some(match name {
        b"error" => "error",
        b"bool" => "bool",
        b"string" => "string",
        b"int" => "int",
        b"int8" => "int8",
        b"int16" => "int16",
        b"int32" | b"rune" => "int32",
        b"int64" => "int64",
        b"uint" => "uint",
        b"uint8" | b"byte" => "uint8",
        b"uint16" => "uint16",
        b"uint32" => "uint32",
        b"uint64" => "uint64",
        b"uintptr" => "uintptr",
        b"float32" => "float32",
        b"float64" => "float64",
        b"complex64" => "complex64",
        b"complex128" => "complex128",
        b"any" => "interface{}",
        b"comparable" => "comparable",
        _ => return None,
    })
}

/// The package name Go tools assume for an import path: its last element, without a `/vN`
/// suffix, a `go-` prefix or a `.go`/`.vN` suffix (as `Imports` guesses it).
pub(super) fn default_package_name(path: &str) -> String {
    let mut parts = path.rsplit('/');
    let mut last = parts.next().unwrap_or(path);
    if last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit()) {
        last = parts.next().unwrap_or(last);
    }
    let last = last.strip_prefix("go-").unwrap_or(last);
    let last = last.strip_suffix(".go").unwrap_or(last);
    let last = match last.rsplit_once(".v") {
        Some((base, digits)) if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) => base,
        _ => last,
    };
    last.replace(['-', '.'], "_")
}

fn utf8(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("?")
}

impl<'a> Scanner<'a> {
    fn new(src: &'a [u8], toks: &'a [Token], partner: &'a [Option<u32>], input: &'a ScanInput<'a>) -> Self {
        let newlines = memchr::memchr_iter(b'\n', src).map(|at| at as u32).collect();
        Scanner {
            src,
            toks,
            partner,
            input,
            newlines,
            imports: Vec::new(),
            dot_import: false,
            own_path: input.dir_path.into(),
            type_params: Vec::new(),
            interner: Default::default(),
            body: BodyState::default(),
            out: FileScan::default(),
        }
    }

    // ---- token helpers ----

    fn kind(&self, i: usize) -> Option<TokenKind> {
        self.toks.get(i).map(|token| token.kind)
    }

    fn is(&self, i: usize, punct: Punct) -> bool {
        self.kind(i) == Some(TokenKind::Punct(punct))
    }

    fn is_kw(&self, i: usize, keyword: Keyword) -> bool {
        self.kind(i) == Some(TokenKind::Keyword(keyword))
    }

    fn is_ident(&self, i: usize) -> bool {
        self.kind(i) == Some(TokenKind::Ident)
    }

    fn text(&self, i: usize) -> &'a [u8] {
        match self.toks.get(i) {
            Some(token) => token.text(self.src),
            None => b"",
        }
    }

    fn str(&self, i: usize) -> &'a str {
        utf8(self.text(i))
    }

    /// A shared copy of `text`: equal names and types within a thread's files share one
    /// allocation until the merge interns them across the project.
    fn intern(&self, text: &str) -> Text {
        let mut interner = self.interner.borrow_mut();
        if let Some(existing) = interner.get(text) {
            return existing.clone();
        }
        let text: Text = text.into();
        interner.insert(text.clone());
        text
    }

    fn signature(&self, params: Vec<ParamSpec>, results: Vec<ParamSpec>) -> Signature {
        let variadic = params.last().is_some_and(|param| param.variadic);
        let convert = |specs: Vec<ParamSpec>| -> Box<[Param]> {
            specs
                .into_iter()
                .map(|spec| Param {
                    name: spec.name,
                    ty: if spec.variadic { self.intern(&format!("...{}", spec.ty)) } else { self.intern(&spec.ty) },
                })
                .collect()
        };
        Signature { params: convert(params), results: convert(results), variadic }
    }

    fn newline_before(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|token| token.newline_before)
    }

    fn partner(&self, i: usize) -> Option<usize> {
        self.partner.get(i).copied().flatten().map(|index| index as usize)
    }

    fn line(&self, i: usize) -> u32 {
        let offset = self.toks.get(i).map_or(0, |token| token.start);
        self.newlines.partition_point(|&newline| newline < offset) as u32 + 1
    }

    fn is_opener(&self, i: usize) -> bool {
        matches!(self.kind(i), Some(TokenKind::Punct(Punct::LParen | Punct::LBrack | Punct::LBrace)))
    }

    /// A statement ends before token `i` (Go's automatic semicolon rule, or an explicit `;`).
    fn is_break(&self, i: usize) -> bool {
        if i == 0 || i >= self.toks.len() {
            return i >= self.toks.len();
        }
        if self.is(i - 1, Punct::Semicolon) {
            return true;
        }
        self.newline_before(i)
            && match self.toks[i - 1].kind {
                TokenKind::Ident | TokenKind::String | TokenKind::RawString | TokenKind::Rune | TokenKind::Number => {
                    true
                }
                TokenKind::Keyword(keyword) => {
                    matches!(keyword, Keyword::Break | Keyword::Continue | Keyword::Fallthrough | Keyword::Return)
                }
                TokenKind::Punct(punct) => {
                    matches!(punct, Punct::RParen | Punct::RBrack | Punct::RBrace | Punct::Inc | Punct::Dec)
                }
                TokenKind::Invalid => false,
            }
    }

    /// The end of the statement or spec starting at `from` (exclusive), within `limit`:
    /// the next break at the same nesting level. `None` at a bracket that never closes.
    fn statement_end(&self, from: usize, limit: usize) -> Option<usize> {
        let mut k = from;
        while k < limit {
            if k > from && self.is_break(k) {
                return Some(k);
            }
            if self.is(k, Punct::Semicolon) {
                return Some(k);
            }
            if self.is_opener(k) {
                k = self.partner(k)? + 1;
            } else {
                k += 1;
            }
        }
        Some(limit)
    }

    /// Top-level comma-separated ranges inside the brackets `open`..`close`.
    fn split_commas(&self, open: usize, close: usize) -> Vec<(usize, usize)> {
        self.split_range(open + 1, close)
    }

    fn import_path_of(&self, local: &[u8]) -> Option<&str> {
        self.imports.iter().find(|(name, _)| name.as_bytes() == local).map(|(_, path)| &**path)
    }

    /// `from..to` is `pkg.T` or `T[Args]` (one type), not `name Type`.
    fn is_qualified_or_instance(&self, from: usize, to: usize) -> bool {
        self.is(from + 1, Punct::Period) || (self.is(from + 1, Punct::LBrack) && self.partner(from + 1) == Some(to - 1))
    }

    fn starts_type(&self, i: usize) -> bool {
        match self.kind(i) {
            Some(TokenKind::Ident) => true,
            Some(TokenKind::Punct(punct)) => matches!(punct, Punct::Mul | Punct::LBrack | Punct::LParen | Punct::Arrow),
            Some(TokenKind::Keyword(keyword)) => {
                matches!(keyword, Keyword::Map | Keyword::Chan | Keyword::Func | Keyword::Struct | Keyword::Interface)
            }
            _ => false,
        }
    }

    // ---- file structure ----

    fn run(&mut self) -> Option<()> {
        // The package clause comes first; anything else before it means this is not Go.
        let package_at = (0..self.toks.len().min(4)).find(|&i| self.is_kw(i, Keyword::Package))?;
        if !self.is_ident(package_at + 1) {
            return None;
        }
        self.out.package = self.str(package_at + 1).into();
        if self.input.is_test_file && self.out.package.ends_with("_test") {
            self.own_path = format!("{}_test", self.input.dir_path).into();
        }
        let mut i = package_at + 2;
        while i < self.toks.len() {
            let next = match self.kind(i) {
                Some(TokenKind::Keyword(Keyword::Import)) => self.import_decl(i),
                Some(TokenKind::Keyword(Keyword::Func)) => self.func_decl(i),
                Some(TokenKind::Keyword(Keyword::Type)) => self.group_or_spec(i, |scanner, from, to| {
                    scanner.type_spec(from, to);
                }),
                Some(TokenKind::Keyword(Keyword::Var)) => self.value_decl(i, false),
                Some(TokenKind::Keyword(Keyword::Const)) => self.value_decl(i, true),
                _ if self.is_opener(i) => self.partner(i).map(|close| close + 1),
                _ => Some(i + 1),
            };
            match next {
                Some(next) => i = next.max(i + 1),
                None => {
                    self.out.degraded = true;
                    break;
                }
            }
        }
        Some(())
    }

    fn import_decl(&mut self, at: usize) -> Option<usize> {
        if self.is(at + 1, Punct::LParen) {
            let close = self.partner(at + 1)?;
            let mut k = at + 2;
            while k < close {
                k = self.import_spec(k).max(k + 1);
            }
            return Some(close + 1);
        }
        Some(self.import_spec(at + 1))
    }

    /// `[name | . | _] "path"`; returns the index after it.
    fn import_spec(&mut self, at: usize) -> usize {
        let (name, path_at) = match self.kind(at) {
            Some(TokenKind::Ident) => (Some(self.str(at).to_string()), at + 1),
            Some(TokenKind::Punct(Punct::Period)) => (Some(".".to_string()), at + 1),
            _ => (None, at),
        };
        if !matches!(self.kind(path_at), Some(TokenKind::String | TokenKind::RawString)) {
            return at + 1;
        }
        let raw = self.str(path_at);
        let path = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
        let local = name.unwrap_or_else(|| default_package_name(path));
        if local != "_" {
            let interned = self.intern(path);
            self.out.imports.push(interned);
        }
        if local == "." {
            self.dot_import = true;
            self.out.dot_imports.push(self.intern(path));
        } else if local != "_" {
            self.imports.push((local.into(), path.into()));
        }
        path_at + 1
    }

    /// `kw ( spec... )` or `kw spec`, with `spec` reading one spec and returning its end.
    fn group_or_spec(&mut self, at: usize, mut spec: impl FnMut(&mut Self, usize, usize)) -> Option<usize> {
        if self.is(at + 1, Punct::LParen) {
            let close = self.partner(at + 1)?;
            let mut k = at + 2;
            while k < close {
                if self.is(k, Punct::Semicolon) {
                    k += 1;
                    continue;
                }
                let end = self.statement_end(k, close)?;
                spec(self, k, end);
                k = end.max(k + 1);
            }
            return Some(close + 1);
        }
        let end = self.statement_end(at + 1, self.toks.len())?;
        spec(self, at + 1, end);
        Some(end)
    }

    // ---- types ----

    /// Read a type at `i`, appending its text to `out`; returns the index after it.
    fn ty(&self, i: usize, out: &mut String, depth: u32) -> Option<usize> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.kind(i)? {
            TokenKind::Punct(Punct::Mul) => {
                out.push('*');
                self.ty(i + 1, out, depth + 1)
            }
            TokenKind::Punct(Punct::LBrack) => {
                let close = self.partner(i)?;
                out.push('[');
                for k in i + 1..close {
                    out.push_str(self.str(k));
                }
                out.push(']');
                self.ty(close + 1, out, depth + 1)
            }
            TokenKind::Punct(Punct::LParen) => {
                let close = self.partner(i)?;
                let end = self.ty(i + 1, out, depth + 1)?;
                (end == close).then_some(close + 1)
            }
            TokenKind::Punct(Punct::Arrow) => {
                if !self.is_kw(i + 1, Keyword::Chan) {
                    return None;
                }
                out.push_str("<-chan ");
                self.ty(i + 2, out, depth + 1)
            }
            TokenKind::Keyword(Keyword::Chan) => {
                if self.is(i + 1, Punct::Arrow) {
                    out.push_str("chan<- ");
                    self.ty(i + 2, out, depth + 1)
                } else {
                    out.push_str("chan ");
                    self.ty(i + 1, out, depth + 1)
                }
            }
            TokenKind::Keyword(Keyword::Map) => {
                if !self.is(i + 1, Punct::LBrack) {
                    return None;
                }
                let close = self.partner(i + 1)?;
                out.push_str("map[");
                if self.ty(i + 2, out, depth + 1)? != close {
                    return None;
                }
                out.push(']');
                self.ty(close + 1, out, depth + 1)
            }
            TokenKind::Keyword(Keyword::Func) => {
                if !self.is(i + 1, Punct::LParen) {
                    return None;
                }
                let (params, after) = self.params(i + 1, depth + 1)?;
                let (results, end) = self.results(after, depth + 1)?;
                out.push_str("func");
                render_signature(&params, &results, out);
                Some(end)
            }
            TokenKind::Keyword(Keyword::Struct) => {
                if !self.is(i + 1, Punct::LBrace) {
                    return None;
                }
                let close = self.partner(i + 1)?;
                let fields = self.struct_fields(i + 1, close, depth + 1);
                render_struct(&fields, out);
                Some(close + 1)
            }
            TokenKind::Keyword(Keyword::Interface) => {
                if !self.is(i + 1, Punct::LBrace) {
                    return None;
                }
                let close = self.partner(i + 1)?;
                let interface = self.interface_body(i + 1, close, depth + 1);
                render_interface(&interface, out);
                Some(close + 1)
            }
            TokenKind::Ident => {
                let mut end = i + 1;
                if self.is(i + 1, Punct::Period) && self.is_ident(i + 2) {
                    let qualifier = self.text(i);
                    match self.import_path_of(qualifier) {
                        Some(path) => out.push_str(path),
                        None => out.push_str(utf8(qualifier)),
                    }
                    out.push('.');
                    out.push_str(self.str(i + 2));
                    end = i + 3;
                } else {
                    let name = self.text(i);
                    if let Some(predeclared) = predeclared_type(name) {
                        out.push_str(predeclared);
                    } else if self.type_params.contains(&name) {
                        out.push_str(utf8(name));
                    } else if self.dot_import {
                        // This package's or a dot-import's: settled at the merge.
                        out.push('?');
                        out.push_str(utf8(name));
                    } else {
                        out.push_str(&self.own_path);
                        out.push('.');
                        out.push_str(utf8(name));
                    }
                }
                // Type arguments: `Set[int]`, `pkg.Map[K, V]`.
                if self.is(end, Punct::LBrack) && !self.newline_before(end) {
                    let close = self.partner(end)?;
                    out.push('[');
                    for (n, (from, to)) in self.parts(end + 1, close).enumerate() {
                        if n > 0 {
                            out.push_str(", ");
                        }
                        if self.ty(from, out, depth + 1) != Some(to) {
                            return None;
                        }
                    }
                    out.push(']');
                    end = close + 1;
                }
                Some(end)
            }
            _ => None,
        }
    }

    /// A type at `from` that must end exactly at `to`; `?` otherwise.
    fn type_text(&self, from: usize, to: usize, depth: u32) -> String {
        let mut out = String::new();
        match self.ty(from, &mut out, depth) {
            Some(end) if end == to => out,
            _ => "?".into(),
        }
    }

    /// A parameter list `( ... )` at `open`; returns the parameters and the index after `)`.
    fn params(&self, open: usize, depth: u32) -> Option<(Vec<ParamSpec>, usize)> {
        if !self.is(open, Punct::LParen) || depth > MAX_DEPTH {
            return None;
        }
        let close = self.partner(open)?;
        // (entry, lone identifier?)
        let mut specs: Vec<(ParamSpec, bool)> = Vec::new();
        let mut any_named = false;
        let entries = self.split_commas(open, close);
        for &(from, to) in &entries {
            let lone = to - from == 1 && self.is_ident(from);
            let named = self.is_ident(from) && to - from > 1 && !self.is_qualified_or_instance(from, to);
            let (name_at, mut type_at) = if named { (Some(from), from + 1) } else { (None, from) };
            let variadic = self.is(type_at, Punct::Ellipsis);
            if variadic {
                type_at += 1;
            }
            any_named |= named;
            let ty = self.type_text(type_at, to, depth + 1);
            let name = name_at.map(|at| self.intern(self.str(at)));
            specs.push((ParamSpec { name_at, name, ty, variadic }, lone));
        }
        if any_named {
            // `a, b int`: lone identifiers are names sharing the next entry's type.
            for index in (0..specs.len()).rev() {
                if specs[index].0.name.is_none() && specs[index].1 {
                    let name_at = entries[index].0;
                    let next = specs.get(index + 1).map(|(spec, _)| (spec.ty.clone(), spec.variadic));
                    let (ty, variadic) = next.unwrap_or_else(|| ("?".into(), false));
                    let name = Some(self.intern(self.str(name_at)));
                    specs[index].0 = ParamSpec { name_at: Some(name_at), name, ty, variadic };
                }
            }
        }
        Some((specs.into_iter().map(|(spec, _)| spec).collect(), close + 1))
    }

    /// A result list or single result type at `at` (on the same line); may be empty.
    fn results(&self, at: usize, depth: u32) -> Option<(Vec<ParamSpec>, usize)> {
        if self.newline_before(at) {
            return Some((Vec::new(), at));
        }
        if self.is(at, Punct::LParen) {
            return self.params(at, depth);
        }
        if self.starts_type(at) {
            let mut out = String::new();
            if let Some(end) = self.ty(at, &mut out, depth) {
                return Some((vec![ParamSpec { name_at: None, name: None, ty: out, variadic: false }], end));
            }
        }
        Some((Vec::new(), at))
    }

    /// The fields between the braces `open`..`close`.
    fn struct_fields(&self, open: usize, close: usize, depth: u32) -> Vec<Field> {
        let mut fields = Vec::new();
        let mut k = open + 1;
        while k < close {
            if self.is(k, Punct::Semicolon) {
                k += 1;
                continue;
            }
            let end = self.statement_end(k, close).unwrap_or(close);
            self.field_decl(k, end, depth, &mut fields);
            k = end.max(k + 1);
        }
        fields
    }

    /// One field declaration `a, b T "tag"` or embedded `*pkg.T "tag"` in `from..to`.
    fn field_decl(&self, from: usize, to: usize, depth: u32, fields: &mut Vec<Field>) {
        // Drop a trailing tag.
        let to = if to > from && matches!(self.kind(to - 1), Some(TokenKind::String | TokenKind::RawString)) {
            to - 1
        } else {
            to
        };
        if from >= to {
            return;
        }
        let named = self.is_ident(from)
            && to - from > 1
            && (self.is(from + 1, Punct::Comma) || !self.is_qualified_or_instance(from, to));
        if named {
            let mut names = vec![from];
            let mut k = from + 1;
            while self.is(k, Punct::Comma) && self.is_ident(k + 1) {
                names.push(k + 1);
                k += 2;
            }
            let ty = self.type_text(k, to, depth + 1);
            let inline_struct = self.inline_struct(k, depth);
            for name in names {
                fields.push(Field {
                    name: self.intern(self.str(name)),
                    ty: self.intern(&ty),
                    embedded: false,
                    inline_struct: inline_struct.clone(),
                });
            }
        } else {
            // Embedded: `T`, `*T`, `pkg.T`, `T[Args]`; its name is the type's name.
            let star = usize::from(self.is(from, Punct::Mul));
            let name_at = if self.is(from + star + 1, Punct::Period) { from + star + 2 } else { from + star };
            if !self.is_ident(name_at) {
                return;
            }
            fields.push(Field {
                name: self.intern(self.str(name_at)),
                ty: self.intern(&self.type_text(from, to, depth + 1)),
                embedded: true,
                inline_struct: None,
            });
        }
    }

    fn inline_struct(&self, at: usize, depth: u32) -> Option<Box<[Field]>> {
        if !self.is_kw(at, Keyword::Struct) || !self.is(at + 1, Punct::LBrace) || depth > MAX_DEPTH {
            return None;
        }
        let close = self.partner(at + 1)?;
        Some(self.struct_fields(at + 1, close, depth + 1).into())
    }

    fn interface_body(&self, open: usize, close: usize, depth: u32) -> InterfaceType {
        let mut methods = Vec::new();
        let mut embeds: Vec<Text> = Vec::new();
        let mut k = open + 1;
        while k < close {
            if self.is(k, Punct::Semicolon) {
                k += 1;
                continue;
            }
            let end = self.statement_end(k, close).unwrap_or(close);
            if self.is_ident(k) && self.is(k + 1, Punct::LParen) {
                if let Some((params, after)) = self.params(k + 1, depth + 1)
                    && let Some((results, _)) = self.results(after, depth + 1)
                {
                    methods.push(InterfaceMethod {
                        name: self.intern(self.str(k)),
                        signature: self.signature(params, results),
                    });
                }
            } else {
                let mut out = String::new();
                match self.ty(k, &mut out, depth + 1) {
                    Some(type_end) if type_end == end => embeds.push(self.intern(&out)),
                    // Type-set unions and approximations: kept as written.
                    _ => {
                        let raw: Vec<&str> = (k..end).map(|t| self.str(t)).collect();
                        embeds.push(raw.join(" ").into());
                    }
                }
            }
            k = end.max(k + 1);
        }
        InterfaceType { methods: methods.into(), embeds: embeds.into() }
    }

    /// Type parameter names of `[ ... ]` at `open`: the first identifier of each entry.
    fn type_param_names(&self, open: usize) -> Option<(Vec<&'a [u8]>, usize)> {
        let close = self.partner(open)?;
        let names = self
            .parts(open + 1, close)
            .filter(|&(from, _)| self.is_ident(from))
            .map(|(from, _)| self.text(from))
            .collect();
        Some((names, close + 1))
    }

    // ---- declarations ----

    fn type_spec(&mut self, from: usize, to: usize) -> Option<usize> {
        if !self.is_ident(from) {
            return None;
        }
        let name_at = from;
        let mut k = from + 1;
        let saved = self.type_params.len();
        let mut type_params = Vec::new();
        // `type S[T any] ...` versus the array type `type A [N]int`.
        if self.is(k, Punct::LBrack) && self.is_ident(k + 1) && self.looks_like_type_params(k + 2) {
            let (names, after) = self.type_param_names(k)?;
            type_params = names;
            k = after;
        }
        self.type_params.extend(type_params.iter().copied());
        let alias = self.is(k, Punct::Assign);
        if alias {
            k += 1;
        }
        let kind = if self.is_kw(k, Keyword::Struct) && self.is(k + 1, Punct::LBrace) {
            let close = self.partner(k + 1);
            close.map(|close| {
                TypeKind::Struct(StructType { fields: self.struct_fields(k + 1, close, 1).into(), lock: None })
            })
        } else if self.is_kw(k, Keyword::Interface) && self.is(k + 1, Punct::LBrace) {
            self.partner(k + 1).map(|close| TypeKind::Interface(self.interface_body(k + 1, close, 1)))
        } else {
            Some(TypeKind::Named { underlying: self.intern(&self.type_text(k, to, 1)), alias })
        };
        self.type_params.truncate(saved);
        let kind = kind?;
        let decl = TypeDecl {
            name: self.intern(self.str(name_at)),
            type_params: type_params.iter().map(|name| utf8(name).into()).collect(),
            kind,
            file: 0,
            line: self.line(name_at),
        };
        self.out.types.push(decl);
        Some(to)
    }

    /// After `[Ident`: the bracket holds type parameters rather than an array length.
    fn looks_like_type_params(&self, i: usize) -> bool {
        match self.kind(i) {
            Some(TokenKind::Ident | TokenKind::Keyword(_)) => true,
            Some(TokenKind::Punct(punct)) => {
                matches!(punct, Punct::Comma | Punct::Tilde | Punct::Mul | Punct::LBrack | Punct::LParen)
            }
            _ => false,
        }
    }

    fn value_decl(&mut self, at: usize, is_const: bool) -> Option<usize> {
        // A constant spec with neither type nor values repeats the previous one of its group.
        let mut previous_type: Option<Text> = None;
        self.group_or_spec(at, |scanner, from, to| scanner.value_spec(from, to, is_const, &mut previous_type))
    }

    /// `a, b T = x, y` in `from..to`. A constant spec with neither type nor values repeats the
    /// previous spec of its group (`previous_type`).
    fn value_spec(&mut self, from: usize, to: usize, is_const: bool, previous_type: &mut Option<Text>) {
        let mut names = Vec::new();
        let mut k = from;
        while self.is_ident(k) && k < to {
            names.push(k);
            if self.is(k + 1, Punct::Comma) {
                k += 2;
            } else {
                k += 1;
                break;
            }
        }
        if names.is_empty() {
            return;
        }
        let mut written_type = None;
        if k < to && !self.is(k, Punct::Assign) {
            let mut out = String::new();
            if let Some(end) = self.ty(k, &mut out, 1) {
                written_type = Some(Text::from(out));
                k = end;
            } else {
                written_type = Some("?".into());
            }
        }
        let values = if self.is(k, Punct::Assign) && k + 1 < to {
            let mut parts = self.split_range(k + 1, to);
            parts.truncate(names.len());
            parts
        } else {
            Vec::new()
        };
        if is_const {
            if written_type.is_some() || !values.is_empty() {
                *previous_type = written_type.clone();
            } else {
                written_type = previous_type.clone();
            }
        }
        for (n, &name_at) in names.iter().enumerate() {
            let name = self.text(name_at);
            if name == b"_" {
                continue;
            }
            let initializer = values.get(n).copied();
            let error_call = !is_const && initializer.is_some_and(|(from, _)| self.is_error_constructor(from));
            let inferred = match (is_const, initializer) {
                (false, Some((from, to))) if written_type.is_none() => {
                    if error_call {
                        Some("error".into())
                    } else {
                        self.composite_type(from, to)
                    }
                }
                _ => None,
            };
            let ty = written_type.clone().or(inferred);
            let sentinel_error = !is_const && (error_call || written_type.as_deref() == Some("error"));
            // Left for the merged packages: `= ErrOther`, `= fs.ErrNotExist`, `= newError()`.
            let init = match initializer {
                Some((from, to)) if !is_const && ty.is_none() && values.len() == names.len() => {
                    self.value_init(from, to).map(Box::new)
                }
                _ => None,
            };
            self.out.values.push(Value {
                name: self.intern(utf8(name)),
                is_const,
                ty,
                sentinel_error,
                init,
                file: 0,
                line: self.line(name_at),
            });
        }
    }

    /// An initializer that names another variable or calls a function: `X`, `pkg.X`, `f(...)`,
    /// `pkg.F(...)`.
    fn value_init(&self, from: usize, to: usize) -> Option<ValueInit> {
        if !self.is_ident(from) {
            return None;
        }
        let (path, name_at, after) = if self.is(from + 1, Punct::Period) && self.is_ident(from + 2) {
            (Some(self.import_path_of(self.text(from))?.into()), from + 2, from + 3)
        } else {
            (None, from, from + 1)
        };
        let name: Text = self.str(name_at).into();
        if path.is_none() && (is_builtin_func(self.text(name_at)) || predeclared_type(self.text(name_at)).is_some()) {
            return None;
        }
        if after == to {
            return (path.is_some() || !matches!(&*name, "nil" | "true" | "false" | "iota"))
                .then_some(ValueInit::Var(path, name));
        }
        let close = self.partner(after).filter(|_| self.is(after, Punct::LParen))?;
        (close + 1 == to).then_some(ValueInit::Call(path, name))
    }

    /// Top-level comma-separated ranges of `from..to` (an expression list).
    fn split_range(&self, from: usize, to: usize) -> Vec<(usize, usize)> {
        self.parts(from, to).collect()
    }

    /// [`Self::split_range`] without the vector, for callers that read a part or two. It
    /// borrows only the tokens, so the caller may update the scanner meanwhile.
    fn parts(&self, from: usize, to: usize) -> Parts<'a> {
        Parts { toks: self.toks, partner: self.partner, start: from, k: from, to }
    }

    /// `errors.New(` or `fmt.Errorf(` at `at`, with `errors`/`fmt` naming those imports.
    fn is_error_constructor(&self, at: usize) -> bool {
        if !(self.is_ident(at)
            && self.is(at + 1, Punct::Period)
            && self.is_ident(at + 2)
            && self.is(at + 3, Punct::LParen))
        {
            return false;
        }
        matches!(
            (self.import_path_of(self.text(at)), self.text(at + 2)),
            (Some("errors"), b"New") | (Some("fmt"), b"Errorf")
        )
    }

    /// The type of a composite literal `T{...}` or `&T{...}` spanning `from..to`.
    fn composite_type(&self, from: usize, to: usize) -> Option<Text> {
        // The literal's `}` ends the range: most right-hand sides fail this before the type is
        // rendered.
        if to == 0 || !self.is(to - 1, Punct::RBrace) {
            return None;
        }
        let address = self.is(from, Punct::And);
        let type_at = from + usize::from(address);
        if !self.starts_type(type_at) || self.is(type_at, Punct::LParen) {
            return None;
        }
        let mut out = String::new();
        let end = self.ty(type_at, &mut out, 1)?;
        if !self.is(end, Punct::LBrace) || self.partner(end)? + 1 != to {
            return None;
        }
        Some(if address { format!("*{out}").into() } else { out.into() })
    }

    fn func_decl(&mut self, at: usize) -> Option<usize> {
        let mut k = at + 1;
        let saved = self.type_params.len();
        let mut receiver = None;
        let mut receiver_var: Option<&'a [u8]> = None;
        if self.is(k, Punct::LParen) {
            let close = self.partner(k)?;
            let (parsed, var) = self.receiver(k + 1, close);
            receiver = parsed;
            receiver_var = var;
            k = close + 1;
        }
        if !self.is_ident(k) {
            self.type_params.truncate(saved);
            return Some(k);
        }
        let name_at = k;
        k += 1;
        let mut type_params = Vec::new();
        if self.is(k, Punct::LBrack) {
            let (names, after) = self.type_param_names(k)?;
            type_params = names;
            k = after;
        }
        self.type_params.extend(type_params.iter().copied());
        let Some((params, after)) = self.params(k, 1) else {
            self.type_params.truncate(saved);
            return Some(k);
        };
        let (results, after) = self.results(after, 1)?;
        let body = if self.is(after, Punct::LBrace) && !self.newline_before(after) {
            match self.partner(after) {
                Some(close) => Some((after, close)),
                None => {
                    self.type_params.truncate(saved);
                    return None;
                }
            }
        } else {
            None
        };
        let name = self.str(name_at);
        let mut scan = FuncScan {
            func: Func {
                name: self.intern(name),
                receiver: receiver.as_ref().map(|(receiver, _): &(Receiver, String)| receiver.clone()),
                type_params: type_params.iter().map(|name| utf8(name).into()).collect(),
                signature: Some(self.signature(params.clone(), results.clone())),
                file: 0,
                line: self.line(at),
                has_body: body.is_some(),
                summary: Default::default(),
            },
            direct: None,
            calls: Vec::new(),
            closes: 0,
            keeps: 0,
        };
        if let Some((open, close)) = body {
            let receiver_typed = receiver.as_ref().zip(receiver_var).map(|((_, ty), var)| (var, ty.clone()));
            self.scan_function(open, close, receiver_typed, &params, &results, &mut scan);
        }
        self.type_params.truncate(saved);
        if name != "_" {
            self.out.funcs.push(scan);
        }
        Some(body.map_or(after, |(_, close)| close + 1))
    }

    /// The receiver inside `(`..`)`: `s *Set[T]`, `*T`, `s T`. Adds the receiver's type
    /// parameters to scope. Returns the receiver with its full type text, and its name.
    fn receiver(&mut self, from: usize, to: usize) -> (Option<(Receiver, String)>, Option<&'a [u8]>) {
        let mut k = from;
        let mut var = None;
        if self.is_ident(k) && k + 1 < to && !self.is(k + 1, Punct::LBrack) && !self.is(k + 1, Punct::Period) {
            var = Some(self.text(k));
            k += 1;
        }
        // A parenthesized receiver type `(*T)`.
        let (from_type, to_type) =
            if self.is(k, Punct::LParen) && self.partner(k) == Some(to - 1) { (k + 1, to - 1) } else { (k, to) };
        let pointer = self.is(from_type, Punct::Mul);
        let name_at = from_type + usize::from(pointer);
        if !self.is_ident(name_at) {
            return (None, var);
        }
        if self.is(name_at + 1, Punct::LBrack)
            && let Some((names, _)) = self.type_param_names(name_at + 1)
        {
            self.type_params.extend(names);
        }
        let ty = self.type_text(from_type, to_type, 1);
        let receiver = Receiver { type_name: self.intern(self.str(name_at)), pointer };
        (Some((receiver, ty)), var.filter(|name| *name != b"_"))
    }

    // ---- function bodies ----

    fn scan_function(
        &mut self,
        open: usize,
        close: usize,
        receiver: Option<(&'a [u8], String)>,
        params: &[ParamSpec],
        results: &[ParamSpec],
        scan: &mut FuncScan,
    ) {
        let mut body = std::mem::take(&mut self.body);
        body.typed.clear();
        body.chan_params.clear();
        body.context_params.clear();
        body.locals.clear();
        body.events.clear();
        body.comm_headers.clear();
        body.go_target = None;
        body.closes = 0;
        body.keeps = 0;
        body.passed_args.clear();
        body.stored_literals = 0;
        if let Some((name, ty)) = receiver {
            body.typed.push((name, ty.into()));
        }
        for (index, param) in params.iter().enumerate() {
            let Some(name) = param.name_at.map(|at| self.text(at)) else { continue };
            let ty: Text = if param.variadic { format!("[]{}", param.ty).into() } else { param.ty.as_str().into() };
            let is_chan = ty.starts_with("chan ") || ty.starts_with("chan<- ") || ty.starts_with("<-chan ");
            if index < MAX_TRACKED_PARAMS && !param.variadic && is_chan {
                body.chan_params.push((name, index as u8));
                body.keeps |= 1 << index;
            }
            if &*ty == "context.Context" {
                body.context_params.push(name);
            }
            body.typed.push((name, ty));
        }
        for result in results {
            if let Some(name) = result.name_at.map(|at| self.text(at)) {
                body.typed.push((name, result.ty.as_str().into()));
            }
        }
        self.body = body;
        self.scan_range(open + 1, close, true, 0);
        let body = std::mem::take(&mut self.body);
        self.finish_function(&body, scan);
        self.body = body;
    }

    /// Scan the tokens `lo..hi` of a body. `counts`: blocking here makes the function block.
    fn scan_range(&mut self, lo: usize, hi: usize, counts: bool, depth: u32) {
        let mut k = lo;
        while k < hi {
            match self.kind(k) {
                Some(TokenKind::Keyword(Keyword::Func)) if self.is(k + 1, Punct::LParen) => {
                    k = self.func_literal(k, hi, counts, depth);
                    continue;
                }
                Some(TokenKind::Keyword(Keyword::Go)) => self.body.go_target = Some(k as u32 + 1),
                Some(TokenKind::Keyword(Keyword::Select)) => self.select(k, counts),
                Some(TokenKind::Keyword(Keyword::Range))
                    if counts
                        && self.is_ident(k + 1)
                        && self.is(k + 2, Punct::LBrace)
                        && self.is_channel(self.text(k + 1)) =>
                {
                    let line = self.line(k);
                    self.body.events.push(Event::Direct(BlockCause::RangeOverChannel, line));
                }
                Some(TokenKind::Keyword(Keyword::Var)) => self.local_var(k, hi),
                Some(TokenKind::Punct(Punct::Define)) => self.define(k),
                Some(TokenKind::Punct(Punct::Arrow)) => self.channel_op(k, counts),
                Some(TokenKind::Ident) => {
                    self.ident(k, counts);
                    self.param_mention(k);
                }
                _ => {}
            }
            k += 1;
        }
    }

    fn is_channel(&self, name: &[u8]) -> bool {
        let is_chan = |ty: &str| ty.starts_with("chan ") || ty.starts_with("<-chan ");
        if let Some(binding) = self.body.locals.get(name) {
            return matches!(binding, Binding::Typed(ty) if is_chan(ty));
        }
        self.body.typed.iter().any(|(param, ty)| *param == name && is_chan(ty))
    }

    /// A function literal at `at`; returns the index after its body.
    fn func_literal(&mut self, at: usize, hi: usize, counts: bool, depth: u32) -> usize {
        let Some((params, after)) = self.params(at + 1, depth + 1) else { return at + 1 };
        let Some((_, after)) = self.results(after, depth + 1) else { return at + 1 };
        if !self.is(after, Punct::LBrace) {
            return at + 1;
        }
        let Some(close) = self.partner(after).filter(|&close| close < hi) else { return at + 1 };
        for param in &params {
            if let Some(name) = param.name_at.map(|at| self.text(at)) {
                let ty: Text = if param.variadic { format!("[]{}", param.ty).into() } else { param.ty.as_str().into() };
                self.bind(name, Binding::Typed(ty));
            }
        }
        let invoked = self.is(close + 1, Punct::LParen);
        let under_go = self.body.go_target == Some(at as u32);
        if depth < MAX_DEPTH {
            self.body.stored_literals += u32::from(!invoked);
            self.scan_range(after + 1, close, counts && invoked && !under_go, depth + 1);
            self.body.stored_literals -= u32::from(!invoked);
        } else {
            // Unread: whatever it does with a channel parameter is unknown.
            self.body.keeps = 0;
        }
        close + 1
    }

    /// `select { ... }` at `at`: without `default` it blocks; its communication clauses are not
    /// blocking operations of their own.
    fn select(&mut self, at: usize, counts: bool) {
        if !self.is(at + 1, Punct::LBrace) {
            return;
        }
        let Some(close) = self.partner(at + 1) else { return };
        let mut has_default = false;
        let mut k = at + 2;
        while k < close {
            if self.is_kw(k, Keyword::Default) && self.is(k + 1, Punct::Colon) {
                has_default = true;
            } else if self.is_kw(k, Keyword::Case) {
                let mut end = k + 1;
                while end < close && !self.is(end, Punct::Colon) {
                    end = if self.is_opener(end) {
                        self.partner(end).map_or(close, |partner| partner + 1)
                    } else {
                        end + 1
                    };
                }
                self.body.comm_headers.push((k as u32, end as u32));
                k = end;
                continue;
            }
            k = if self.is_opener(k) { self.partner(k).map_or(close, |partner| partner + 1) } else { k + 1 };
        }
        if counts && !has_default {
            let line = self.line(at);
            self.body.events.push(Event::Direct(BlockCause::Select, line));
        }
    }

    /// A `<-` at `at`: part of a channel type, a send or a receive.
    fn channel_op(&mut self, at: usize, counts: bool) {
        if self.is_kw(at + 1, Keyword::Chan) || (at > 0 && self.is_kw(at - 1, Keyword::Chan)) {
            return;
        }
        let position = at as u32;
        self.body.comm_headers.retain(|&(_, end)| end >= position);
        if !counts || self.body.comm_headers.iter().any(|&(start, end)| start < position && position < end) {
            return;
        }
        let line = self.line(at);
        let cause = if self.is_send_arrow(at) { BlockCause::Send } else { BlockCause::Receive };
        self.body.events.push(Event::Direct(cause, line));
    }

    /// The `<-` at `at` sends (an operand before it) rather than receives.
    fn is_send_arrow(&self, at: usize) -> bool {
        at > 0
            && !self.newline_before(at)
            && matches!(
                self.kind(at - 1),
                Some(
                    TokenKind::Ident
                        | TokenKind::String
                        | TokenKind::RawString
                        | TokenKind::Rune
                        | TokenKind::Number
                        | TokenKind::Punct(Punct::RParen | Punct::RBrack | Punct::RBrace)
                )
            )
    }

    /// An identifier that may name a channel parameter: any use other than those that keep the
    /// channel in this function clears its "keeps" bit.
    fn param_mention(&mut self, at: usize) {
        if self.body.keeps == 0 || (at > 0 && self.is(at - 1, Punct::Period)) {
            return;
        }
        let name = self.text(at);
        let Some(&(_, index)) = self.body.chan_params.iter().find(|(param, _)| *param == name) else { return };
        if self.body.stored_literals == 0 && self.keeps_channel(at) {
            return;
        }
        self.body.keeps &= !(1u64 << index);
    }

    /// The channel at `at` is sent on, received from, ranged over, compared, given to
    /// `len`/`cap`/`close`, or passed as a plain argument of a recorded call (whose callee the
    /// fixed point judges).
    fn keeps_channel(&self, at: usize) -> bool {
        if at > 0 && self.is(at - 1, Punct::Arrow) {
            // `<-ch` receives; `out <- ch` sends the channel itself away.
            return !self.is_send_arrow(at - 1);
        }
        if (self.is(at + 1, Punct::Arrow) && !self.newline_before(at + 1))
            || (at > 0 && self.is_kw(at - 1, Keyword::Range))
            || self.is(at + 1, Punct::Eql)
            || self.is(at + 1, Punct::Neq)
            || (at > 0 && (self.is(at - 1, Punct::Eql) || self.is(at - 1, Punct::Neq)))
        {
            return true;
        }
        if at >= 2 && self.is(at - 1, Punct::LParen) && self.is(at + 1, Punct::RParen) {
            let builtin = self.text(at - 2);
            if matches!(builtin, b"len" | b"cap" | b"close")
                && !(at >= 3 && self.is(at - 3, Punct::Period))
                && !self.body.locals.contains_key(builtin)
            {
                return true;
            }
        }
        self.body.passed_args.contains(&(at as u32))
    }

    fn bind(&mut self, name: &'a [u8], binding: Binding) {
        if name == b"_" {
            return;
        }
        match self.body.locals.get_mut(name) {
            Some(existing) if *existing != binding => *existing = Binding::Unknown,
            Some(_) => {}
            None => {
                self.body.locals.insert(name, binding);
            }
        }
    }

    /// `a, b := rhs` with `:=` at `at`.
    fn define(&mut self, at: usize) {
        let mut names = Vec::new();
        let mut k = at;
        while k > 0 && self.is_ident(k - 1) {
            names.push(k - 1);
            if k >= 2 && self.is(k - 2, Punct::Comma) {
                k -= 2;
            } else {
                break;
            }
        }
        names.reverse();
        let bindings = self.rhs_bindings(at + 1, names.len());
        for (name, binding) in names.into_iter().zip(bindings) {
            let name = self.text(name);
            self.bind(name, binding);
        }
    }

    /// What `count` names bound to the expression(s) at `at` get.
    fn rhs_bindings(&self, at: usize, count: usize) -> Vec<Binding> {
        let unknown = || vec![Binding::Unknown; count];
        if self.is_kw(at, Keyword::Range) || count == 0 {
            return unknown();
        }
        let end = self.statement_end(at, self.toks.len()).unwrap_or(self.toks.len());
        let end = self.expression_end(at, end);
        if count == 1
            && let Some(ty) = self.composite_type(at, end).or_else(|| self.allocation_type(at, end))
        {
            return vec![Binding::Typed(ty)];
        }
        if count == 1
            && let Some(chain) = self.value_chain_spanning(at, end)
        {
            return vec![Binding::Path(chain)];
        }
        if let Some(chain) = self.call_chain_spanning(at, end) {
            return (0..count).map(|index| Binding::Result(chain.clone(), index.min(255) as u8)).collect();
        }
        unknown()
    }

    /// Where the expression at `at` ends within its statement `at..end`: before a top-level `{`
    /// that follows `)` (a block, as in `switch x := f() {`), else at `end`. Braces after a type
    /// (composite literals) are skipped.
    fn expression_end(&self, at: usize, end: usize) -> usize {
        let mut k = at;
        while k < end {
            if self.is(k, Punct::LBrace) && k > at && self.is(k - 1, Punct::RParen) {
                return k;
            }
            k = if self.is_opener(k) { self.partner(k).map_or(end, |close| close + 1) } else { k + 1 };
        }
        end
    }

    /// `new(T)` → `*T`, `make(T, ...)` → `T`, spanning `from..to`.
    fn allocation_type(&self, from: usize, to: usize) -> Option<Text> {
        let builtin = self.text(from);
        if !(builtin == b"new" || builtin == b"make") || !self.is(from + 1, Punct::LParen) {
            return None;
        }
        let close = self.partner(from + 1)?;
        if close + 1 != to {
            return None;
        }
        let mut out = String::new();
        let end = self.ty(from + 2, &mut out, 1)?;
        if !(end == close || self.is(end, Punct::Comma)) {
            return None;
        }
        Some(if builtin == b"new" { format!("*{out}").into() } else { out.into() })
    }

    /// A selector chain `a`, `a.b.c` or `a.b[i]` (no call) that spans exactly `from..to`.
    fn value_chain_spanning(&self, from: usize, to: usize) -> Option<RawChain> {
        if !self.is_ident(from) {
            return None;
        }
        let mut steps = Vec::new();
        let mut k = from + 1;
        while k < to && steps.len() < MAX_STEPS {
            if self.is(k, Punct::Period) && self.is_ident(k + 1) {
                steps.push(RawStep::Field(k as u32 + 1));
                k += 2;
            } else if self.is(k, Punct::LBrack) {
                k = self.partner(k)? + 1;
                steps.push(RawStep::Index);
            } else {
                return None;
            }
        }
        (k == to).then_some(RawChain { root: Some(from as u32), steps })
    }

    /// A call `a.b.c(...)` that spans exactly `from..to`.
    fn call_chain_spanning(&self, from: usize, to: usize) -> Option<RawChain> {
        if !self.is_ident(from) {
            return None;
        }
        let (chain, paren) = self.chain_at(from)?;
        let close = self.partner(paren)?;
        (close + 1 == to).then_some(chain)
    }

    /// A selector chain starting at identifier `at` and followed by `(`: the chain and the
    /// index of the `(`.
    fn chain_at(&self, at: usize) -> Option<(RawChain, usize)> {
        // Most identifiers are followed by none of `[ . (`: no chain, nothing to build.
        if !matches!(self.kind(at + 1), Some(TokenKind::Punct(Punct::LBrack | Punct::Period | Punct::LParen))) {
            return None;
        }
        let mut steps = Vec::new();
        let mut k = at + 1;
        loop {
            if steps.len() >= MAX_STEPS {
                return None;
            }
            if self.is(k, Punct::LBrack) && !self.newline_before(k) {
                k = self.partner(k)? + 1;
                steps.push(RawStep::Index);
            } else if self.is(k, Punct::Period) && self.is_ident(k + 1) {
                steps.push(RawStep::Field(k as u32 + 1));
                k += 2;
            } else {
                break;
            }
        }
        (self.is(k, Punct::LParen) && !self.newline_before(k)).then_some((RawChain { root: Some(at as u32), steps }, k))
    }

    /// `var x T`, `var x = v`, `var ( ... )` inside a body.
    fn local_var(&mut self, at: usize, hi: usize) {
        let specs: Vec<(usize, usize)> = if self.is(at + 1, Punct::LParen) {
            let Some(close) = self.partner(at + 1) else { return };
            let mut specs = Vec::new();
            let mut k = at + 2;
            while k < close {
                let end = self.statement_end(k, close).unwrap_or(close);
                specs.push((k, end));
                k = end.max(k + 1);
            }
            specs
        } else {
            vec![(at + 1, self.statement_end(at + 1, hi).unwrap_or(hi))]
        };
        for (from, to) in specs {
            let mut names = Vec::new();
            let mut k = from;
            while self.is_ident(k) && k < to {
                names.push(k);
                if self.is(k + 1, Punct::Comma) {
                    k += 2;
                } else {
                    k += 1;
                    break;
                }
            }
            let bindings = if k < to && !self.is(k, Punct::Assign) {
                let mut out = String::new();
                match self.ty(k, &mut out, 1) {
                    Some(_) => vec![Binding::Typed(self.intern(&out)); names.len()],
                    None => vec![Binding::Unknown; names.len()],
                }
            } else if self.is(k, Punct::Assign) {
                self.rhs_bindings(k + 1, names.len())
            } else {
                vec![Binding::Unknown; names.len()]
            };
            for (name, binding) in names.into_iter().zip(bindings) {
                let name = self.text(name);
                self.bind(name, binding);
            }
        }
    }

    /// An identifier in a body: the start of a call chain, `close(p)`, or a method call on a
    /// call result (`f().m()`).
    fn ident(&mut self, at: usize, counts: bool) {
        if at > 0 && self.is(at - 1, Punct::Period) {
            // `x.f().m(...)`, `x[i].m(...)`: a method on a value nothing types.
            if at >= 2
                && (self.is(at - 2, Punct::RParen) || self.is(at - 2, Punct::RBrack))
                && self.is(at + 1, Punct::LParen)
                && !self.newline_before(at + 1)
            {
                let chain = RawChain { root: None, steps: vec![RawStep::Field(at as u32)] };
                self.record_call(chain, at + 1, at, counts);
            }
            return;
        }
        let Some((chain, paren)) = self.chain_at(at) else { return };
        if chain.steps.is_empty() && self.text(at) == b"close" && !self.body.locals.contains_key(&b"close"[..]) {
            if let Some(close) = self.partner(paren)
                && close == paren + 2
                && let Some(index) = self.chan_param_index(self.text(paren + 1))
            {
                self.body.closes |= 1 << index;
            }
            return;
        }
        self.record_call(chain, paren, at, counts);
    }

    fn chan_param_index(&self, name: &[u8]) -> Option<u8> {
        if self.body.locals.contains_key(name) {
            return None;
        }
        self.body.chan_params.iter().find(|(param, _)| *param == name).map(|&(_, index)| index)
    }

    fn record_call(&mut self, chain: RawChain, paren: usize, start: usize, counts: bool) {
        let under_go = self.body.go_target == Some(start as u32);
        let Some(close) = self.partner(paren) else { return };
        let blocking = counts && !under_go;
        let mut param_args = Vec::new();
        // Only a channel parameter can be passed on, and most functions have none.
        if !self.body.chan_params.is_empty() {
            for (index, (from, to)) in self.parts(paren + 1, close).enumerate().take(256) {
                if to == from + 1
                    && let Some(param) = self.chan_param_index(self.text(from))
                {
                    param_args.push((index as u8, param));
                    self.body.passed_args.push(from as u32);
                }
            }
        }
        // Most calls are dropped here (inside stored function literals, `go` callees): the
        // context argument and the line are read only for those kept.
        if !blocking && param_args.is_empty() {
            return;
        }
        let context_arg = self.parts(paren + 1, close).next().is_some_and(|(from, to)| self.is_context_expr(from, to));
        let call = RawCall { chain, line: self.line(start), blocking, context_arg, param_args };
        self.body.events.push(Event::Call(call));
    }

    /// `ctx` (or a `context.Context` parameter), `context.Background()`/`TODO()`, `x.Context()`.
    fn is_context_expr(&self, from: usize, to: usize) -> bool {
        if to == from + 1 && self.is_ident(from) {
            let name = self.text(from);
            return name == b"ctx" || self.body.context_params.contains(&name);
        }
        if to >= from + 4
            && self.is(to - 1, Punct::RParen)
            && self.is(to - 2, Punct::LParen)
            && self.is(to - 4, Punct::Period)
        {
            let method = self.text(to - 3);
            if method == b"Context" {
                return true;
            }
            return to == from + 5
                && matches!(method, b"Background" | b"TODO")
                && self.import_path_of(self.text(from)) == Some("context");
        }
        false
    }

    // ---- turning raw events into facts ----

    fn finish_function(&self, body: &BodyState<'a>, scan: &mut FuncScan) {
        scan.closes = body.closes;
        scan.keeps = body.keeps;
        // A parameter's name bound again anywhere (flow-insensitively) makes its mentions
        // ambiguous.
        for &(name, index) in &body.chan_params {
            if body.locals.contains_key(name) {
                scan.keeps &= !(1u64 << index);
            }
        }
        // A call passing a channel parameter to anything but a project function (kept for
        // resolution below) lets it go where it may be closed or stored.
        let passed_params = |call: &RawCall| call.param_args.iter().fold(0u64, |bits, &(_, param)| bits | 1 << param);
        let mut seen: HashMap<u64, Vec<usize>> = HashMap::default();
        for event in &body.events {
            match event {
                Event::Direct(cause, line) => {
                    if scan.direct.is_none() {
                        scan.direct = Some(BlockReason { cause: cause.clone(), line: *line });
                    }
                }
                Event::Call(call) => {
                    let Some(target) = self.target(&call.chain, body, 0) else {
                        // A call of a local function value: unknown callee. (Builtins and
                        // conversions never block.)
                        let builtin = call.chain.root.is_some_and(|root| {
                            let name = self.text(root as usize);
                            call.chain.steps.is_empty()
                                && !body.locals.contains_key(name)
                                && (is_builtin_func(name) || predeclared_type(name).is_some())
                        });
                        if call.blocking && call.context_arg && scan.direct.is_none() && !builtin {
                            let callee = self.chain_text(&call.chain);
                            scan.direct = Some(BlockReason { cause: BlockCause::ContextCall(callee), line: call.line });
                        }
                        // `len(ch)` and `cap(ch)` keep it; other builtins (`append`) and
                        // function values may store it.
                        let measures = builtin
                            && call.chain.root.is_some_and(|root| matches!(self.text(root as usize), b"len" | b"cap"));
                        if !measures {
                            scan.keeps &= !passed_params(call);
                        }
                        continue;
                    };
                    let quick = self.quick_resolve(&target);
                    if !matches!(quick, Quick::Keep) {
                        scan.keeps &= !passed_params(call);
                    }
                    match quick {
                        Quick::Blocking(blocking_call) => {
                            if call.blocking && scan.direct.is_none() {
                                scan.direct =
                                    Some(BlockReason { cause: BlockCause::Stdlib(blocking_call), line: call.line });
                            }
                        }
                        Quick::NotBlocking => {}
                        Quick::Unknown => {
                            if call.blocking
                                && call.context_arg
                                && scan.direct.is_none()
                                && !blocking::is_context_accessor(&target.name)
                            {
                                let callee = self.chain_text(&call.chain);
                                scan.direct =
                                    Some(BlockReason { cause: BlockCause::ContextCall(callee), line: call.line });
                            }
                        }
                        Quick::Keep => {
                            let site = CallSite {
                                target,
                                line: call.line,
                                blocking: call.blocking,
                                context_callee: call.context_arg.then(|| self.chain_text(&call.chain)),
                                param_args: call.param_args.clone().into(),
                            };
                            let hash = site_hash(&site);
                            let duplicates = seen.entry(hash).or_default();
                            if duplicates.iter().any(|&index| same_site(&scan.calls[index], &site)) {
                                continue;
                            }
                            duplicates.push(scan.calls.len());
                            scan.calls.push(site);
                        }
                    }
                }
            }
        }
        if scan.direct.is_some() {
            // Blocking is settled; only the calls that can close a parameter still matter.
            scan.calls.retain(|site| !site.param_args.is_empty());
            for site in &mut scan.calls {
                site.blocking = false;
            }
        }
        scan.calls.shrink_to_fit();
    }

    /// The callee as written: `s.client.Get`.
    fn chain_text(&self, chain: &RawChain) -> Text {
        // A chain on a call result (`x.Fetcher().Download`) shows the unknown part as `(…)`.
        let mut out = match chain.root {
            Some(root) => self.str(root as usize).to_string(),
            None => "(…)".to_string(),
        };
        for step in &chain.steps {
            match step {
                RawStep::Field(at) => {
                    out.push('.');
                    out.push_str(self.str(*at as usize));
                }
                RawStep::Index => out.push_str("[…]"),
            }
        }
        out.into()
    }

    /// The call target of a chain, or `None` for a builtin or a local function value.
    fn target(&self, chain: &RawChain, body: &BodyState<'a>, depth: u32) -> Option<CallTarget> {
        let last_field = chain.steps.iter().rposition(|step| matches!(step, RawStep::Field(_)));
        let Some(root_at) = chain.root else {
            let name = match chain.steps.last() {
                Some(RawStep::Field(at)) => self.str(*at as usize),
                _ => return None,
            };
            return Some(CallTarget { root: Root::Unknown, steps: Box::new([]), name: self.intern(name) });
        };
        let root_name = self.text(root_at as usize);
        let Some(last_field) = last_field else {
            // `f(...)` or `f[T](...)`.
            let bound = body.locals.contains_key(root_name) || body.typed.iter().any(|(name, _)| *name == root_name);
            if bound || is_builtin_func(root_name) || predeclared_type(root_name).is_some() || self.dot_import {
                return None;
            }
            let steps = chain.steps.iter().map(|_| Step::Index).collect();
            return Some(CallTarget { root: Root::PackageFunc, steps, name: self.intern(utf8(root_name)) });
        };
        // Calling a func-typed value after the last field (`x.handlers[i](...)`) is unknown.
        if last_field + 1 != chain.steps.len() {
            return None;
        }
        let RawStep::Field(name_at) = chain.steps[last_field] else { return None };
        let name: Text = self.intern(self.str(name_at as usize));
        let receiver = RawChain { root: chain.root, steps: chain.steps[..last_field].to_vec() };
        if receiver.steps.is_empty()
            && !self.is_bound(root_name, body)
            && let Some(path) = self.import_path_of(root_name)
        {
            return Some(CallTarget { root: Root::Imported(self.intern(path)), steps: Box::new([]), name });
        }
        let (root, steps) = match self.value_root(&receiver, body, depth) {
            Root::Value(root, steps) => (*root, steps),
            root => (root, Box::new([]) as Box<[Step]>),
        };
        Some(CallTarget { root, steps, name })
    }

    fn is_bound(&self, name: &[u8], body: &BodyState<'a>) -> bool {
        body.locals.contains_key(name) || body.typed.iter().any(|(bound, _)| *bound == name)
    }

    /// What the value of a selector chain without a call (`x`, `s.conn`, `pkg.Var.f`) is.
    fn value_root(&self, chain: &RawChain, body: &BodyState<'a>, depth: u32) -> Root {
        let Some(root_at) = chain.root else { return Root::Unknown };
        if depth > 3 {
            return Root::Unknown;
        }
        let root_name = self.text(root_at as usize);
        let to_steps = |steps: &[RawStep]| -> Box<[Step]> {
            steps
                .iter()
                .map(|step| match step {
                    RawStep::Field(at) => Step::Field(self.intern(self.str(*at as usize))),
                    RawStep::Index => Step::Index,
                })
                .collect()
        };
        let mut rest = &chain.steps[..];
        let base = if let Some(binding) = body.locals.get(root_name) {
            match binding {
                Binding::Typed(ty) => Root::Typed(ty.clone()),
                Binding::Result(call, index) => match self.target(call, body, depth + 1) {
                    Some(target) => Root::ResultOf(Box::new(target), *index),
                    None => Root::Unknown,
                },
                Binding::Path(path) => self.value_root(path, body, depth + 1),
                Binding::Unknown => Root::Unknown,
            }
        } else if let Some((_, ty)) = body.typed.iter().find(|(name, _)| *name == root_name) {
            Root::Typed(ty.clone())
        } else if let Some(path) = self.import_path_of(root_name) {
            match rest.first() {
                Some(RawStep::Field(var_at)) => {
                    rest = &rest[1..];
                    Root::ImportedVar(self.intern(path), self.intern(self.str(*var_at as usize)))
                }
                _ => Root::Unknown,
            }
        } else if self.dot_import {
            Root::Unknown
        } else {
            Root::PackageVar(self.intern(utf8(root_name)))
        };
        match base {
            Root::Unknown => Root::Unknown,
            base if rest.is_empty() => base,
            Root::Value(inner, steps) => {
                let mut all = steps.into_vec();
                all.extend(to_steps(rest).into_vec());
                Root::Value(inner, all.into())
            }
            base => Root::Value(Box::new(base), to_steps(rest)),
        }
    }

    /// Settle what needs no other package: standard-library and third-party calls.
    fn quick_resolve(&self, target: &CallTarget) -> Quick {
        let project = |path: &str| self.input.project_paths.contains(path) || path == &*self.own_path;
        match &target.root {
            Root::Imported(path) => {
                if let Some(call) = blocking::blocking_func(path, &target.name) {
                    Quick::Blocking(call)
                } else if project(path) {
                    Quick::Keep
                } else if stdlib::has_package(path) {
                    Quick::NotBlocking
                } else {
                    Quick::Unknown
                }
            }
            Root::Typed(ty) if target.steps.is_empty() => {
                let Some((path, type_name)) = named_type(ty) else {
                    return if ty.as_ref() == "error" { Quick::NotBlocking } else { Quick::Unknown };
                };
                if let Some(call) = blocking::blocking_method(path, type_name, &target.name) {
                    Quick::Blocking(call)
                } else if project(path) {
                    Quick::Keep
                } else if stdlib::has_package(path) && stdlib::type_info(path, type_name).is_some() {
                    // A known standard-library type whose method is not in the blocking table,
                    // unless it is promoted from an embedded blocking type (not followed here).
                    if stdlib::method(path, type_name, &target.name).is_some() {
                        Quick::NotBlocking
                    } else {
                        Quick::Unknown
                    }
                } else {
                    Quick::Unknown
                }
            }
            Root::Unknown => {
                if target.name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') {
                    Quick::Keep
                } else {
                    Quick::Unknown
                }
            }
            _ => Quick::Keep,
        }
    }
}

/// The top-level comma-separated ranges of a token range, one by one: see
/// [`Scanner::parts`].
struct Parts<'a> {
    toks: &'a [Token],
    partner: &'a [Option<u32>],
    /// Where the current part starts.
    start: usize,
    k: usize,
    to: usize,
}

impl Iterator for Parts<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        while self.k < self.to {
            match self.toks.get(self.k).map(|token| token.kind) {
                Some(TokenKind::Punct(Punct::Comma)) => {
                    let part = (self.start, self.k);
                    self.start = self.k + 1;
                    self.k += 1;
                    return Some(part);
                }
                Some(TokenKind::Punct(Punct::LParen | Punct::LBrack | Punct::LBrace)) => {
                    let close = self.partner.get(self.k).copied().flatten();
                    self.k = close.map_or(self.to, |close| close as usize + 1);
                }
                _ => self.k += 1,
            }
        }
        // The last part runs to the end (none when the range is empty or ends with a comma).
        (self.start < self.to).then(|| {
            let part = (self.start, self.to);
            self.start = self.to;
            part
        })
    }
}

enum Quick {
    Blocking(BlockingCall),
    NotBlocking,
    /// Not the project's, not known: only the context convention can say it blocks.
    Unknown,
    Keep,
}

/// A call site's hash for finding duplicates within one function. Only equal hashes are
/// compared with [`same_site`], so the hasher need not resist collisions: foldhash is several
/// times cheaper than SipHash on the target's texts.
fn site_hash(site: &CallSite) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut hasher = foldhash::fast::FixedState::default().build_hasher();
    site.target.hash(&mut hasher);
    site.blocking.hash(&mut hasher);
    site.context_callee.is_some().hash(&mut hasher);
    site.param_args.hash(&mut hasher);
    hasher.finish()
}

fn same_site(a: &CallSite, b: &CallSite) -> bool {
    a.target == b.target
        && a.blocking == b.blocking
        && a.context_callee.is_some() == b.context_callee.is_some()
        && a.param_args == b.param_args
}

/// `(import path, type name)` of a named type text, ignoring a leading `*` and type arguments:
/// `*net/http.Client` → `("net/http", "Client")`. `None` for unnamed and predeclared types.
pub(super) fn named_type(ty: &str) -> Option<(&str, &str)> {
    let ty = ty.strip_prefix('*').unwrap_or(ty);
    let ty = ty.split_once('[').map_or(ty, |(base, _)| base);
    if ty.starts_with(['[', '(', '?']) || ty.contains(' ') || ty.contains('{') {
        return None;
    }
    let (path, name) = ty.rsplit_once('.')?;
    (!path.is_empty() && !name.is_empty()).then_some((path, name))
}

fn render_signature(params: &[ParamSpec], results: &[ParamSpec], out: &mut String) {
    out.push('(');
    for (n, param) in params.iter().enumerate() {
        if n > 0 {
            out.push_str(", ");
        }
        if param.variadic {
            out.push_str("...");
        }
        out.push_str(&param.ty);
    }
    out.push(')');
    match results {
        [] => {}
        [single] if single.name.is_none() => {
            out.push(' ');
            out.push_str(&single.ty);
        }
        _ => {
            out.push_str(" (");
            for (n, result) in results.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                out.push_str(&result.ty);
            }
            out.push(')');
        }
    }
}

fn render_struct(fields: &[Field], out: &mut String) {
    out.push_str("struct{");
    for (n, field) in fields.iter().enumerate() {
        if n > 0 {
            out.push_str("; ");
        }
        if !field.embedded {
            out.push_str(&field.name);
            out.push(' ');
        }
        out.push_str(&field.ty);
    }
    out.push('}');
}

fn render_interface(interface: &InterfaceType, out: &mut String) {
    out.push_str("interface{");
    let mut first = true;
    for method in interface.methods.iter() {
        if !first {
            out.push_str("; ");
        }
        first = false;
        out.push_str(&method.name);
        let params: Vec<ParamSpec> = method
            .signature
            .params
            .iter()
            .map(|param| ParamSpec { name_at: None, name: None, ty: param.ty.to_string(), variadic: false })
            .collect();
        let results: Vec<ParamSpec> = method
            .signature
            .results
            .iter()
            .map(|result| ParamSpec { name_at: None, name: None, ty: result.ty.to_string(), variadic: false })
            .collect();
        render_signature(&params, &results, out);
    }
    for embed in interface.embeds.iter() {
        if !first {
            out.push_str("; ");
        }
        first = false;
        out.push_str(embed);
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(source: &str) -> FileScan {
        let project_paths = HashSet::default();
        let input = ScanInput { dir_path: "example.com/m/p", is_test_file: false, project_paths: &project_paths };
        scan_file(source.as_bytes(), &input, &mut Vec::new(), &mut HashSet::default()).expect("a package clause")
    }

    #[test]
    fn named_type_parts() {
        assert_eq!(named_type("*net/http.Client"), Some(("net/http", "Client")));
        assert_eq!(named_type("gopkg.in/yaml.v3.Node"), Some(("gopkg.in/yaml.v3", "Node")));
        assert_eq!(named_type("example.com/m.Set[example.com/m.Item]"), Some(("example.com/m", "Set")));
        assert_eq!(named_type("[]uint8"), None);
        assert_eq!(named_type("error"), None);
        assert_eq!(named_type("func(int) error"), None);
        assert_eq!(named_type("?"), None);
    }

    #[test]
    fn import_names() {
        assert_eq!(default_package_name("net/http"), "http");
        assert_eq!(default_package_name("github.com/redis/go-redis/v9"), "redis");
        assert_eq!(default_package_name("gopkg.in/yaml.v3"), "yaml");
    }

    #[test]
    fn no_package_clause_is_not_go() {
        let project_paths = HashSet::default();
        let input = ScanInput { dir_path: "x", is_test_file: false, project_paths: &project_paths };
        assert!(scan_file(b"func main() {}", &input, &mut Vec::new(), &mut HashSet::default()).is_none());
        assert!(scan_file(b"", &input, &mut Vec::new(), &mut HashSet::default()).is_none());
    }

    #[test]
    fn statement_breaks_follow_go_semicolon_rules() {
        let file = scan("package p\n\nvar a = 1 +\n\t2\nvar b = f(\n\t1,\n)\nvar c, d = 1,\n\t2\n");
        let names: Vec<&str> = file.values.iter().map(|value| &*value.name).collect();
        assert_eq!(names, vec!["a", "b", "c", "d"]);
    }

    #[test]
    fn a_function_without_body_is_followed_by_the_next_declaration() {
        let file = scan("package p\n\nfunc asm(x int) int\nfunc (r *T) next() {}\nfunc last()\n");
        let names: Vec<&str> = file.funcs.iter().map(|func| &*func.func.name).collect();
        assert_eq!(names, vec!["asm", "next", "last"]);
        assert!(!file.funcs[0].func.has_body && file.funcs[1].func.has_body && !file.funcs[2].func.has_body);
        assert_eq!(&*file.funcs[0].func.signature.as_ref().unwrap().results[0].ty, "int");
    }

    #[test]
    fn send_receive_and_channel_types() {
        let file = scan(
            "package p\n\nfunc F(in <-chan int, out chan<- int) {\n\tvar c chan<- int\n\t_ = c\n\tv := <-in\n\tout <- v\n}\n\nfunc G(out chan<- int) {\n\tout <- 1\n}\n",
        );
        assert_eq!(
            file.funcs[0].direct.as_ref().map(|reason| (&reason.cause, reason.line)),
            Some((&BlockCause::Receive, 6))
        );
        assert_eq!(file.funcs[1].direct.as_ref().map(|reason| &reason.cause), Some(&BlockCause::Send));
    }

    #[test]
    fn the_callee_of_go_does_not_block_but_its_arguments_do() {
        let file = scan("package p\n\nfunc F(ch chan int) {\n\tgo work(<-ch)\n}\n\nfunc G() {\n\tgo work(1)\n}\n");
        assert_eq!(file.funcs[0].direct.as_ref().map(|reason| &reason.cause), Some(&BlockCause::Receive));
        assert!(file.funcs[1].direct.is_none());
        assert!(file.funcs[1].calls.is_empty(), "a go statement's callee is not a blocking call site");
    }
}
