//! Builds `stdlib.table` (see [`super::stdlib`] for its format) from the Go distribution's API
//! listing, `$(go env GOROOT)/api/{go1*.txt,except.txt}`.
//!
//! The api files are cumulative: `go1.N.txt` adds the features of release 1.N, and `except.txt`
//! names features that changed or went away. So the current API is the union of the `go1*.txt`
//! lines minus the `except.txt` lines, and when a name appears again with a new signature (a
//! receiver that became a value, a type that became an alias) the newest release's line wins.
//!
//! Lines scoped to a platform (`pkg syscall (linux-386), ...`) are merged: the portable line wins
//! when there is one; identical platform lines collapse into one; lines that differ keep what they
//! agree on and write `?` where they differ, or are dropped when even their shape differs.
//!
//! The api files write the package's own types unqualified and other packages' types by package
//! name (`io.Reader`, `template.FuncMap`). The generator rewrites both to import paths. A package
//! name resolves to the standard library package of that name, other than the package itself,
//! that existed in the release that added the line and declares the type.
//!
//! `api/next/*.txt` (a development toolchain's not-yet-released API) is not read: those features
//! can still change, and a release's `go1.N.txt` already holds its `next` files.

use super::stdlib::{DEPRECATED_SUFFIX, embedded_field_name, matching_close, skip_string_literal};
use super::stdlib::{split_generic_name_text, split_signature};
use crate::hash::{HashMap, HashSet};
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// What the generator did with its input, for the freshness test's output.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The `go1*.txt` files read, oldest first.
    pub api_files: Vec<String>,
    /// Files passed in that are neither `go1*.txt` nor `except.txt`.
    pub ignored_files: Vec<String>,
    /// The newest release whose api file was read: 26 for `go1.26.txt`.
    pub newest_minor: Option<u32>,
    pub lines_read: usize,
    pub excepted_lines: usize,
    /// Constants, and interface lines that only say "unexported methods".
    pub skipped_lines: usize,
    pub deprecation_markers: usize,
    /// Lines the generator could not read, with a few examples.
    pub malformed_lines: usize,
    pub malformed_examples: Vec<String>,
    /// Platform variants that disagreed: merged with `?`, or dropped when their shapes differ.
    pub platform_merged: usize,
    pub platform_dropped: usize,
    /// Interfaces and structs declared only through their member lines: the api files write no
    /// `type T interface { ... }` line for some interfaces with unexported methods (`reflect.Type`).
    pub implied_types: usize,
    /// Fields and methods left without their type's declaration (a removal `except.txt` missed).
    pub orphans_dropped: usize,
    pub orphan_examples: Vec<String>,
    /// `name.Type` references with no matching package (left as written), or several (first taken).
    pub unresolved_qualifiers: BTreeSet<String>,
    pub ambiguous_qualifiers: BTreeSet<String>,
    pub entries: usize,
}

/// The table text for the given api files: `(file name, contents)` pairs, in any order.
pub fn generate(api_files: &[(&str, &str)]) -> String {
    generate_with_report(api_files).0
}

pub fn generate_with_report(api_files: &[(&str, &str)]) -> (String, Report) {
    let mut report = Report::default();
    let mut releases: Vec<(u32, &str, &str)> = Vec::new();
    let mut except: HashSet<&str> = HashSet::default();
    for (path, text) in api_files {
        let file_name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        if file_name == "except.txt" {
            except.extend(text.lines().map(normalize_line).filter(|line| !line.is_empty()));
        } else if let Some(minor) = release_minor(file_name) {
            releases.push((minor, file_name, text));
        } else {
            report.ignored_files.push(path.to_string());
        }
    }
    releases.sort_by_key(|(minor, _, _)| *minor);
    report.api_files = releases.iter().map(|(_, name, _)| name.to_string()).collect();
    report.newest_minor = releases.last().map(|(minor, _, _)| *minor);

    let index = PackageIndex::build(&releases);
    // Per (package, key): the newest definition for each platform tag ("" = portable).
    let mut defs: BTreeMap<(String, Key), BTreeMap<String, Item>> = BTreeMap::new();
    let mut deprecated: HashSet<(String, Key)> = HashSet::default();
    let mut implied: BTreeMap<(String, Key), Item> = BTreeMap::new();
    for (minor, _, text) in &releases {
        for raw in text.lines() {
            let line = normalize_line(raw);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            report.lines_read += 1;
            if except.contains(line) {
                report.excepted_lines += 1;
                continue;
            }
            let Some((pkg, tag, rest)) = split_package(line) else {
                report.note_malformed(line);
                continue;
            };
            if let Some(marked) = rest.strip_suffix(DEPRECATED_SUFFIX) {
                report.deprecation_markers += 1;
                match deprecation_key(marked) {
                    Some(Some(key)) => {
                        deprecated.insert((pkg.to_string(), key));
                    }
                    Some(None) => {}
                    None => report.note_malformed(line),
                }
                continue;
            }
            let qualifier = Qualifier { pkg, minor: *minor, index: &index };
            if let Some((key, item)) = implied_owner(rest, &qualifier, &mut report) {
                implied.insert((pkg.to_string(), key), item);
            }
            match parse_feature(rest, &qualifier, &mut report) {
                Parsed::Entry(key, item) => {
                    defs.entry((pkg.to_string(), key)).or_default().insert(tag.to_string(), item);
                }
                Parsed::Skipped => report.skipped_lines += 1,
                Parsed::Malformed => report.note_malformed(line),
            }
        }
    }

    let mut entries: BTreeMap<(String, Key), Item> = BTreeMap::new();
    for ((pkg, key), variants) in defs {
        if let Some(item) = merge_platforms(variants, &mut report) {
            entries.insert((pkg, key), item);
        }
    }
    for (key, item) in implied {
        if let Entry::Vacant(vacant) = entries.entry(key) {
            vacant.insert(item);
            report.implied_types += 1;
        }
    }
    drop_orphans(&mut entries, &mut report);
    report.entries = entries.len();
    (render(&entries, &deprecated, &report), report)
}

impl Report {
    fn note_malformed(&mut self, line: &str) {
        self.malformed_lines += 1;
        if self.malformed_examples.len() < 10 {
            self.malformed_examples.push(line.to_string());
        }
    }
}

/// `go1.txt` → 0, `go1.21.txt` → 21.
fn release_minor(file_name: &str) -> Option<u32> {
    let rest = file_name.strip_prefix("go1")?.strip_suffix(".txt")?;
    if rest.is_empty() {
        return Some(0);
    }
    rest.strip_prefix('.')?.parse().ok()
}

/// Drops the `#nnnnn` proposal number and surrounding blanks, so except lines match either form.
fn normalize_line(line: &str) -> &str {
    let line = line.trim();
    match line.rfind(" #") {
        Some(at) if line[at + 2..].bytes().all(|b| b.is_ascii_digit()) && at + 2 < line.len() => line[..at].trim_end(),
        _ => line,
    }
}

/// `pkg P (tag), rest` → (`P`, `tag` or "", `rest`).
fn split_package(line: &str) -> Option<(&str, &str, &str)> {
    let line = line.strip_prefix("pkg ")?;
    let (head, rest) = line.split_once(", ")?;
    match head.split_once(' ') {
        Some((pkg, tag)) => Some((pkg, tag.strip_prefix('(')?.strip_suffix(')')?, rest)),
        None => Some((head, "", rest)),
    }
}

/// The order entries take within a package: a type, its fields, its methods; then by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Key {
    top: String,
    rank: Rank,
    member: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Rank {
    Type,
    Field,
    Method,
    Func,
    Var,
}

impl Key {
    fn new(top: &str, rank: Rank, member: &str) -> Key {
        Key { top: top.to_string(), rank, member: member.to_string() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Type {
        type_params: Vec<String>,
        spec: TypeSpec,
    },
    Field {
        ty: String,
        embedded: bool,
    },
    /// Interface methods have a value receiver with the interface's name.
    Method {
        receiver: String,
        sig: Sig,
    },
    Func {
        type_params: Vec<String>,
        sig: Sig,
    },
    Var {
        ty: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum TypeSpec {
    Struct,
    Interface,
    Alias(String),
    Defined(String),
}

/// Parameter texts keep a variadic `...` prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sig {
    params: Vec<String>,
    results: Vec<String>,
}

enum Parsed {
    Entry(Key, Item),
    Skipped,
    Malformed,
}

fn parse_feature(rest: &str, qualifier: &Qualifier<'_>, report: &mut Report) -> Parsed {
    if rest.starts_with("const ") {
        return Parsed::Skipped;
    }
    if let Some(rest) = rest.strip_prefix("type ") {
        return parse_type(rest, qualifier, report);
    }
    let parsed = if let Some(rest) = rest.strip_prefix("func ") {
        parse_func(rest, qualifier, report)
    } else if let Some(rest) = rest.strip_prefix("method ") {
        parse_method(rest, qualifier, report)
    } else if let Some((name, ty)) = rest.strip_prefix("var ").and_then(|rest| rest.split_once(' ')) {
        is_identifier(name).then(|| (Key::new(name, Rank::Var, ""), Item::Var { ty: qualifier.qualify(ty, report) }))
    } else {
        None
    };
    match parsed {
        Some((key, item)) => Parsed::Entry(key, item),
        None => Parsed::Malformed,
    }
}

fn parse_func(rest: &str, qualifier: &Qualifier<'_>, report: &mut Report) -> Option<(Key, Item)> {
    let (name, constraints, sig_text) = split_generic_name_text(rest)?;
    let sig = parse_sig(sig_text, qualifier, report)?;
    let type_params = constraints.iter().map(|constraint| qualifier.qualify(constraint, report)).collect();
    Some((Key::new(name, Rank::Func, ""), Item::Func { type_params, sig }))
}

/// `(*T[$0]) Name(params) results`; the receiver stays as written (always the package's own type).
fn parse_method(rest: &str, qualifier: &Qualifier<'_>, report: &mut Report) -> Option<(Key, Item)> {
    let close = matching_close(rest, 0)?;
    let receiver = &rest[1..close];
    let owner = receiver.trim_start_matches('*').split('[').next()?;
    let rest = rest[close + 1..].strip_prefix(' ')?;
    let open = rest.find('(')?;
    let name = &rest[..open];
    if !is_identifier(owner) || !is_identifier(name) {
        return None;
    }
    let sig = parse_sig(&rest[open..], qualifier, report)?;
    Some((Key::new(owner, Rank::Method, name), Item::Method { receiver: receiver.to_string(), sig }))
}

fn parse_type(rest: &str, qualifier: &Qualifier<'_>, report: &mut Report) -> Parsed {
    let Some((name, constraints, spec)) = split_generic_name_text(rest) else { return Parsed::Malformed };
    let Some(spec) = spec.strip_prefix(' ') else { return Parsed::Malformed };
    let type_params: Vec<String> = constraints.iter().map(|constraint| qualifier.qualify(constraint, report)).collect();
    let declared = |spec| Parsed::Entry(Key::new(name, Rank::Type, ""), Item::Type { type_params, spec });
    if spec == "struct" {
        return declared(TypeSpec::Struct);
    }
    if spec == "interface {}" || (spec.starts_with("interface { ") && spec.ends_with(" }")) {
        return declared(TypeSpec::Interface);
    }
    if let Some(member) = spec.strip_prefix("struct, ") {
        if let Some(ty) = member.strip_prefix("embedded ") {
            let ty = qualifier.qualify(ty, report);
            let Some(field) = embedded_field_name(&ty).map(str::to_string) else { return Parsed::Malformed };
            return Parsed::Entry(Key::new(name, Rank::Field, &field), Item::Field { ty, embedded: true });
        }
        return match member.split_once(' ') {
            Some((field, ty)) if is_identifier(field) => Parsed::Entry(
                Key::new(name, Rank::Field, field),
                Item::Field { ty: qualifier.qualify(ty, report), embedded: false },
            ),
            _ => Parsed::Malformed,
        };
    }
    if let Some(member) = spec.strip_prefix("interface, ") {
        if member == "unexported methods" {
            return Parsed::Skipped;
        }
        let Some(open) = member.find('(') else { return Parsed::Malformed };
        let method = &member[..open];
        return match parse_sig(&member[open..], qualifier, report) {
            Some(sig) if is_identifier(method) => {
                Parsed::Entry(Key::new(name, Rank::Method, method), Item::Method { receiver: name.to_string(), sig })
            }
            _ => Parsed::Malformed,
        };
    }
    if let Some(target) = spec.strip_prefix("= ") {
        return declared(TypeSpec::Alias(qualifier.qualify(target, report)));
    }
    declared(TypeSpec::Defined(qualifier.qualify(spec, report)))
}

/// `type T[...] interface, M()` and `type T[...] struct, F X` imply `type T[...] interface|struct`.
fn implied_owner(rest: &str, qualifier: &Qualifier<'_>, report: &mut Report) -> Option<(Key, Item)> {
    let (name, constraints, spec) = split_generic_name_text(rest.strip_prefix("type ")?)?;
    let spec = if spec.starts_with(" interface, ") {
        TypeSpec::Interface
    } else if spec.starts_with(" struct, ") {
        TypeSpec::Struct
    } else {
        return None;
    };
    let type_params = constraints.iter().map(|constraint| qualifier.qualify(constraint, report)).collect();
    Some((Key::new(name, Rank::Type, ""), Item::Type { type_params, spec }))
}

fn parse_sig(text: &str, qualifier: &Qualifier<'_>, report: &mut Report) -> Option<Sig> {
    let (params, results) = split_signature(text)?;
    let params = params.iter().map(|param| qualifier.qualify(param, report)).collect();
    let results = results.iter().map(|result| qualifier.qualify(result, report)).collect();
    Some(Sig { params, results })
}

/// `func F`, `method (T) M`, `type T`, `type T struct, F`, `type T interface, M`, `var V` → the key
/// of the entry the marker deprecates. `Some(None)` for markers on things the table leaves out.
fn deprecation_key(marked: &str) -> Option<Option<Key>> {
    if marked.starts_with("const ") {
        return Some(None);
    }
    if let Some(name) = marked.strip_prefix("func ").or_else(|| marked.strip_prefix("var ")) {
        let rank = if marked.starts_with("func ") { Rank::Func } else { Rank::Var };
        return is_identifier(name).then(|| Some(Key::new(name, rank, "")));
    }
    if let Some(rest) = marked.strip_prefix("method ") {
        let close = matching_close(rest, 0)?;
        let owner = rest[1..close].trim_start_matches('*').split('[').next()?;
        let name = rest[close + 1..].strip_prefix(' ')?;
        return (is_identifier(owner) && is_identifier(name)).then(|| Some(Key::new(owner, Rank::Method, name)));
    }
    let rest = marked.strip_prefix("type ")?;
    let (name, _, spec) = split_generic_name_text(rest)?;
    let key = if spec.is_empty() {
        Key::new(name, Rank::Type, "")
    } else if let Some(field) = spec.strip_prefix(" struct, ") {
        Key::new(name, Rank::Field, field)
    } else if let Some(method) = spec.strip_prefix(" interface, ") {
        Key::new(name, Rank::Method, method)
    } else {
        return None;
    };
    Some(Some(key))
}

fn is_identifier(text: &str) -> bool {
    text.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

// ---- Platform variants ----

fn merge_platforms(mut variants: BTreeMap<String, Item>, report: &mut Report) -> Option<Item> {
    if let Some(portable) = variants.remove("") {
        return Some(portable);
    }
    let mut distinct: Vec<Item> = Vec::new();
    for item in variants.into_values() {
        if !distinct.contains(&item) {
            distinct.push(item);
        }
    }
    let mut items = distinct.into_iter();
    let first = items.next()?;
    let mut merged = Some(first);
    let mut differed = false;
    for item in items {
        differed = true;
        merged = merged.and_then(|so_far| merge_items(so_far, item));
    }
    match (&merged, differed) {
        (Some(_), true) => report.platform_merged += 1,
        (None, _) => report.platform_dropped += 1,
        _ => {}
    }
    merged
}

const UNKNOWN: &str = "?";

fn merge_type(a: String, b: &str) -> String {
    if a == b {
        a
    } else if a.starts_with("...") && b.starts_with("...") {
        format!("...{UNKNOWN}")
    } else {
        UNKNOWN.to_string()
    }
}

fn merge_types(a: Vec<String>, b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    // A variadic parameter must stay variadic or not on every platform.
    if a.last().map(|last| last.starts_with("...")) != b.last().map(|last| last.starts_with("...")) {
        return None;
    }
    Some(a.into_iter().zip(b).map(|(a, b)| merge_type(a, b)).collect())
}

fn merge_sig(a: Sig, b: &Sig) -> Option<Sig> {
    Some(Sig { params: merge_types(a.params, &b.params)?, results: merge_types(a.results, &b.results)? })
}

/// Keeps what two platforms agree on; `None` when their shapes differ.
fn merge_items(a: Item, b: Item) -> Option<Item> {
    match (a, b) {
        (Item::Type { type_params, spec }, Item::Type { type_params: other_params, spec: other_spec }) => {
            if type_params != other_params {
                return None;
            }
            let spec = match (spec, other_spec) {
                (a, b) if a == b => a,
                (TypeSpec::Alias(_), TypeSpec::Alias(_)) => TypeSpec::Alias(UNKNOWN.to_string()),
                (TypeSpec::Defined(_), TypeSpec::Defined(_)) => TypeSpec::Defined(UNKNOWN.to_string()),
                _ => return None,
            };
            Some(Item::Type { type_params, spec })
        }
        (Item::Field { ty, embedded }, Item::Field { ty: other, embedded: other_embedded }) => {
            (embedded == other_embedded && !embedded).then(|| Item::Field { ty: merge_type(ty, &other), embedded })
        }
        (Item::Method { receiver, sig }, Item::Method { receiver: other_receiver, sig: other_sig }) => {
            (receiver == other_receiver).then_some(())?;
            Some(Item::Method { receiver, sig: merge_sig(sig, &other_sig)? })
        }
        (Item::Func { type_params, sig }, Item::Func { type_params: other_params, sig: other_sig }) => {
            (type_params == other_params).then_some(())?;
            Some(Item::Func { type_params, sig: merge_sig(sig, &other_sig)? })
        }
        (Item::Var { ty }, Item::Var { ty: other }) => Some(Item::Var { ty: merge_type(ty, &other) }),
        _ => None,
    }
}

/// Fields need their struct and methods their type; an alias declares neither.
fn drop_orphans(entries: &mut BTreeMap<(String, Key), Item>, report: &mut Report) {
    let mut kinds: HashMap<(String, String), TypeSpec> = HashMap::default();
    for ((pkg, key), item) in entries.iter() {
        if let Item::Type { spec, .. } = item {
            kinds.insert((pkg.clone(), key.top.clone()), spec.clone());
        }
    }
    entries.retain(|(pkg, key), item| {
        let owner = kinds.get(&(pkg.clone(), key.top.clone()));
        let keep = match item {
            Item::Field { .. } => matches!(owner, Some(TypeSpec::Struct)),
            Item::Method { .. } => matches!(owner, Some(spec) if !matches!(spec, TypeSpec::Alias(_))),
            _ => true,
        };
        if !keep {
            report.orphans_dropped += 1;
            if report.orphan_examples.len() < 10 {
                report.orphan_examples.push(format!("{pkg}: {}.{}", key.top, key.member));
            }
        }
        keep
    });
}

// ---- Output ----

fn render(entries: &BTreeMap<(String, Key), Item>, deprecated: &HashSet<(String, Key)>, report: &Report) -> String {
    let mut out = String::new();
    let newest = report.newest_minor.map_or_else(|| "none".to_string(), |minor| format!("go1.{minor}"));
    out.push_str("# Go standard library API for golint-guard's type-light facts. Generated; do not edit.\n");
    out.push_str("# Format: src/engine/facts/stdlib.rs. Generator: src/engine/facts/stdlib_gen.rs.\n");
    let _ = writeln!(out, "# Source: $(go env GOROOT)/api, go1.txt .. {newest}.txt minus except.txt.");
    out.push_str("# Refresh: GOLINT_GUARD_UPDATE_STDLIB=1 cargo test --test stdlib_table\n");
    let _ = writeln!(out, "# api: {newest}");
    let mut current_pkg: Option<&str> = None;
    for (entry_key @ (pkg, key), item) in entries {
        if current_pkg != Some(pkg.as_str()) {
            let _ = writeln!(out, "pkg {pkg}");
            current_pkg = Some(pkg);
        }
        render_item(&mut out, key, item);
        if deprecated.contains(entry_key) {
            out.push_str(DEPRECATED_SUFFIX);
        }
        out.push('\n');
    }
    out
}

fn render_item(out: &mut String, key: &Key, item: &Item) {
    let name = &key.top;
    let _ = match item {
        Item::Type { type_params, spec } => {
            let params = render_type_params(type_params);
            match spec {
                TypeSpec::Struct => write!(out, "type {name}{params} struct"),
                TypeSpec::Interface => write!(out, "type {name}{params} interface"),
                TypeSpec::Alias(target) => write!(out, "type {name}{params} = {target}"),
                TypeSpec::Defined(underlying) => write!(out, "type {name}{params} {underlying}"),
            }
        }
        Item::Field { ty, embedded: true } => write!(out, "embed {name} {ty}"),
        Item::Field { ty, embedded: false } => write!(out, "field {name} {} {ty}", key.member),
        Item::Method { receiver, sig } => write!(out, "method ({receiver}) {}{}", key.member, render_sig(sig)),
        Item::Func { type_params, sig } => {
            write!(out, "func {name}{}{}", render_type_params(type_params), render_sig(sig))
        }
        Item::Var { ty } => write!(out, "var {name} {ty}"),
    };
}

fn render_type_params(constraints: &[String]) -> String {
    if constraints.is_empty() {
        return String::new();
    }
    let params: Vec<String> =
        constraints.iter().enumerate().map(|(index, constraint)| format!("${index} {constraint}")).collect();
    format!("[{}]", params.join(", "))
}

fn render_sig(sig: &Sig) -> String {
    let params = sig.params.join(", ");
    match sig.results.as_slice() {
        [] => format!("({params})"),
        [only] => format!("({params}) {only}"),
        results => format!("({params}) ({})", results.join(", ")),
    }
}

// ---- Qualifying type names ----

/// What the generator knows about every package in the api files.
struct PackageIndex {
    /// Import path → the release that first lists it.
    introduced: HashMap<String, u32>,
    /// Package name (`rand`) → import paths (`crypto/rand`, `math/rand`, `math/rand/v2`), sorted.
    by_name: HashMap<String, Vec<String>>,
    /// Import path → every type name it ever declared.
    types: HashMap<String, HashSet<String>>,
}

impl PackageIndex {
    fn build(releases: &[(u32, &str, &str)]) -> PackageIndex {
        let mut introduced: HashMap<String, u32> = HashMap::default();
        let mut types: HashMap<String, HashSet<String>> = HashMap::default();
        for (minor, _, text) in releases {
            for line in text.lines().map(normalize_line) {
                let Some((pkg, _, rest)) = split_package(line) else { continue };
                introduced.entry(pkg.to_string()).or_insert(*minor);
                if let Some((name, _, _)) = rest.strip_prefix("type ").and_then(split_generic_name_text) {
                    types.entry(pkg.to_string()).or_default().insert(name.to_string());
                }
            }
        }
        let mut by_name: HashMap<String, Vec<String>> = HashMap::default();
        for path in introduced.keys() {
            by_name.entry(package_name(path).to_string()).or_default().push(path.clone());
        }
        by_name.values_mut().for_each(|paths| paths.sort());
        PackageIndex { introduced, by_name, types }
    }
}

/// The name a package declares: the last path element, or the one before a `/vN` suffix.
fn package_name(path: &str) -> &str {
    let mut elements = path.rsplit('/');
    let last = elements.next().unwrap_or(path);
    let is_major_version =
        last.strip_prefix('v').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    match elements.next() {
        Some(before) if is_major_version => before,
        _ => last,
    }
}

const KEYWORDS: &[&str] = &["chan", "func", "interface", "map", "struct"];
const PREDECLARED: &[&str] = &[
    "any",
    "bool",
    "byte",
    "comparable",
    "complex128",
    "complex64",
    "error",
    "float32",
    "float64",
    "int",
    "int16",
    "int32",
    "int64",
    "int8",
    "rune",
    "string",
    "uint",
    "uint16",
    "uint32",
    "uint64",
    "uint8",
    "uintptr",
];

/// Rewrites one api type text, written in package `pkg` as of release `minor`, to import paths.
struct Qualifier<'a> {
    pkg: &'a str,
    minor: u32,
    index: &'a PackageIndex,
}

impl Qualifier<'_> {
    fn qualify(&self, text: &str, report: &mut Report) -> String {
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len() + 16);
        let mut index = 0;
        while index < bytes.len() {
            let byte = bytes[index];
            if byte == b'"' || byte == b'`' {
                let end = skip_string_literal(bytes, index).map_or(bytes.len(), |end| end + 1);
                out.push_str(&text[index..end]);
                index = end;
                continue;
            }
            let starts_word = byte.is_ascii_alphabetic() || byte == b'_';
            let after_word_char = index > 0 && (bytes[index - 1].is_ascii_alphanumeric() || bytes[index - 1] == b'_');
            // `$12` and the digits of `[32]` are not names.
            if !starts_word || after_word_char || (index > 0 && bytes[index - 1] == b'$') {
                out.push(byte as char);
                index += 1;
                continue;
            }
            let end = word_end(bytes, index);
            let word = &text[index..end];
            // `pkg.Name`: another package's type.
            if bytes.get(end) == Some(&b'.')
                && bytes.get(end + 1).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            {
                let name_end = word_end(bytes, end + 1);
                let name = &text[end + 1..name_end];
                out.push_str(&self.resolve(word, name, report));
                out.push('.');
                out.push_str(name);
                index = name_end;
                continue;
            }
            out.push_str(word);
            if !KEYWORDS.contains(&word) && !PREDECLARED.contains(&word) && is_type_position(bytes, end) {
                // The package's own type: qualify it in front of the name just written.
                out.truncate(out.len() - word.len());
                out.push_str(self.pkg);
                out.push('.');
                out.push_str(word);
            }
            index = end;
        }
        out
    }

    /// The import path that `short.name` refers to, in this package at this release.
    fn resolve(&self, short: &str, name: &str, report: &mut Report) -> String {
        if short == "unsafe" {
            return short.to_string();
        }
        let Some(paths) = self.index.by_name.get(short) else {
            report.unresolved_qualifiers.insert(format!("{short}.{name} in {}", self.pkg));
            return short.to_string();
        };
        let existed = |path: &&String| self.index.introduced.get(*path).is_some_and(|since| *since <= self.minor);
        let declares = |path: &&String| self.index.types.get(*path).is_some_and(|types| types.contains(name));
        let candidates: Vec<&String> =
            paths.iter().filter(|path| path.as_str() != self.pkg).filter(existed).filter(declares).collect();
        match candidates.as_slice() {
            [only] => only.to_string(),
            [] if paths.len() == 1 => paths[0].clone(),
            [] => {
                report.unresolved_qualifiers.insert(format!("{short}.{name} in {}", self.pkg));
                short.to_string()
            }
            [first, ..] => {
                report.ambiguous_qualifiers.insert(format!("{short}.{name} in {}", self.pkg));
                first.to_string()
            }
        }
    }
}

fn word_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
        end += 1;
    }
    end
}

/// A word names a type unless it is a method name (`M(`) or a field name followed by its type
/// (`Name T`) inside an interface or struct literal.
fn is_type_position(bytes: &[u8], end: usize) -> bool {
    match bytes.get(end) {
        Some(b'(') => false,
        Some(b' ') => !bytes
            .get(end + 1)
            .is_some_and(|next| next.is_ascii_alphabetic() || matches!(next, b'_' | b'*' | b'[' | b'$' | b'<' | b'.')),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table_for(go1: &str) -> String {
        generate(&[("go1.txt", go1)])
    }

    fn body(table: &str) -> Vec<&str> {
        table.lines().filter(|line| !line.starts_with('#')).collect()
    }

    #[test]
    fn qualifies_own_and_other_packages() {
        let table = table_for(
            "pkg io, type Reader interface { Read }\n\
             pkg io, type Reader interface, Read([]uint8) (int, error)\n\
             pkg text/template, type FuncMap map[string]interface{}\n\
             pkg html/template, type Template struct\n\
             pkg html/template, method (*Template) Funcs(template.FuncMap) *Template\n\
             pkg html/template, func Must(*Template, error) *Template\n\
             pkg bufio, func NewReader(io.Reader) *Reader\n",
        );
        assert_eq!(
            body(&table),
            [
                "pkg bufio",
                "func NewReader(io.Reader) *bufio.Reader",
                "pkg html/template",
                "func Must(*html/template.Template, error) *html/template.Template",
                "type Template struct",
                "method (*Template) Funcs(text/template.FuncMap) *html/template.Template",
                "pkg io",
                "type Reader interface",
                "method (Reader) Read([]uint8) (int, error)",
                "pkg text/template",
                "type FuncMap map[string]interface{}",
            ]
        );
    }

    #[test]
    fn newer_release_and_except_win() {
        let (table, report) = generate_with_report(&[
            ("except.txt", "pkg a, func Old() int\n"),
            ("go1.2.txt", "pkg a, func F() (T, error) #123\npkg a, type T = b.T\n"),
            ("go1.txt", "pkg a, func F() T\npkg a, func Old() int\npkg a, type T struct\npkg b, type T struct\n"),
        ]);
        assert_eq!(body(&table), ["pkg a", "func F() (a.T, error)", "type T = b.T", "pkg b", "type T struct"]);
        assert_eq!(report.excepted_lines, 1);
    }

    #[test]
    fn platform_variants_merge_without_garbage() {
        let (table, report) = generate_with_report(&[(
            "go1.txt",
            "pkg s (linux-386), func Read(int, []uint8) (int, error)\n\
             pkg s (windows-386), func Read(Handle, []uint8) (int, error)\n\
             pkg s (linux-386), func Select(int) (int, error)\n\
             pkg s (darwin-386), func Select(int) error\n\
             pkg s (linux-386), func Same() error\n\
             pkg s (linux-amd64), func Same() error\n\
             pkg s (windows-386), type Handle uintptr\n",
        )]);
        assert_eq!(
            body(&table),
            ["pkg s", "type Handle uintptr", "func Read(?, []uint8) (int, error)", "func Same() error"]
        );
        assert_eq!((report.platform_merged, report.platform_dropped), (1, 1));
    }

    #[test]
    fn generics_deprecations_and_malformed_lines() {
        let (table, report) = generate_with_report(&[(
            "go1.21.txt",
            "pkg slices, func Sort[$0 interface{ ~[]$1 }, $1 cmp.Ordered]($0) #60091\n\
             pkg cmp, type Ordered interface {}\n\
             pkg p, type S struct, F io.Reader\n\
             pkg p, type S struct\n\
             pkg p, type S struct, F //deprecated\n\
             pkg io, type Reader interface {}\n\
             pkg p, func (oops\n\
             pkg p, const C = 1\n",
        )]);
        assert_eq!(
            body(&table),
            [
                "pkg cmp",
                "type Ordered interface",
                "pkg io",
                "type Reader interface",
                "pkg p",
                "type S struct",
                "field S F io.Reader //deprecated",
                "pkg slices",
                "func Sort[$0 interface{ ~[]$1 }, $1 cmp.Ordered]($0)",
            ]
        );
        assert_eq!((report.malformed_lines, report.skipped_lines), (1, 1));
    }

    #[test]
    fn field_and_method_names_in_literals_stay_bare() {
        let qualifier_index = PackageIndex::build(&[(0, "go1.txt", "pkg io, type Reader interface {}\n")]);
        let qualifier = Qualifier { pkg: "p", minor: 0, index: &qualifier_index };
        let mut report = Report::default();
        assert_eq!(
            qualifier.qualify("interface{ Close() error; Reader }", &mut report),
            "interface{ Close() error; p.Reader }"
        );
        assert_eq!(qualifier.qualify("struct{ R io.Reader; N [4]T }", &mut report), "struct{ R io.Reader; N [4]p.T }");
        assert_eq!(qualifier.qualify("...Option", &mut report), "...p.Option");
        assert_eq!(qualifier.qualify("map[$1]$2", &mut report), "map[$1]$2");
    }

    #[test]
    fn package_names_skip_major_versions() {
        assert_eq!(package_name("math/rand/v2"), "rand");
        assert_eq!(package_name("net/http"), "http");
        assert_eq!(release_minor("go1.txt"), Some(0));
        assert_eq!(release_minor("go1.26.txt"), Some(26));
        assert_eq!(release_minor("except.txt"), None);
        assert_eq!(normalize_line("pkg a, func F() #123 "), "pkg a, func F()");
    }
}
