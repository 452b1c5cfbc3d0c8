//! The module's own declarations, from a parallel pre-pass over all files (DESIGN.md, "Facts
//! (type-light)"): functions and methods with their signatures, struct, interface and other
//! named types, package-level variables, constants and sentinel errors, and per-function
//! summaries ("may block", "closes its channel parameter", "keeps its channel parameter")
//! computed to a fixed point over the project's call graph by name.
//!
//! # How it is built
//!
//! Each file is read and lexed by the hand-written [`lexer`](super::lexer) (not tree-sitter: the
//! main pass already parses every file once, and parsing is the throughput ceiling), then a light
//! declaration scanner turns the token stream into a compact per-file summary. No syntax tree is
//! kept. Summaries are merged per package (a directory plus its package clause name: a
//! `_test.go` file's `package x_test` is a separate package), each package gets its import path
//! from its module's `module` path and its directory (the `std` module of `$GOROOT/src` maps to
//! bare paths such as `net/http`), and call sites are resolved and summaries iterated to a
//! fixed point. Generated files are skipped, as the main pass skips them; unreadable files are
//! skipped silently (the main pass reports them); `//go:build ignore` files (generator scripts)
//! belong to no package and are left out.
//!
//! On the Go standard library (5,000 files, 44 MB) the whole pre-pass takes about a sixth of the
//! CPU time of a tree-sitter parse-only pass over the same files, and the facts hold about
//! 17 MiB.
//!
//! # Representation
//!
//! Names and type texts are [`Text`] (`Arc<str>`), interned across the build so each distinct
//! text is stored once; declarations are sorted boxed slices searched by binary search; call
//! sites are dropped once the summaries are computed. Types are strings in the
//! standard-library table's form ([`super::stdlib`], [`super::types`]):
//! - imported names are qualified by import path: `*os.File`, `net/http.Request`,
//!   `example.com/app/store.Store`; the package's own named types are qualified by its own
//!   import path too (`example.com/app.Server`); a package outside any module gets the pseudo
//!   import path `_/<absolute dir>` (Go's old convention for such packages), which no import
//!   can name;
//! - predeclared types are bare, with `byte` as `uint8`, `rune` as `int32` and `any` as
//!   `interface{}`; type parameters are bare (`T`), as written;
//! - composites use Go syntax: `[]uint8`, `map[string]int`, `chan<- int`, `func(int) error`,
//!   `struct{a int; b string}`, `interface{Read([]uint8) (int, error)}`, `[N]T` with the length
//!   as written, `pkg.Set[int]` for a generic instance;
//! - `?` is a type the scanner could not read (malformed source), or a bare name in a file
//!   with a dot-import that neither this package nor a dot-imported standard-library package
//!   declares as a type.
//!
//! # Resolution rules for summaries
//!
//! A call site is resolved, by name, to one of: a standard-library call (blocking or not, from
//! [`super::blocking`]), a project function or method (an edge of the call graph), or unknown.
//! - `f(...)`: the package's function `f`, unless `f` is bound locally in the function
//!   (parameter, `:=`, `var`, range variable; flow-insensitive) or is a builtin.
//!   `f[T](...)` is the generic function `f`.
//! - `pkg.F(...)`: `pkg` is an import of the file (and not a local): the blocking table for the
//!   import path, else the project package with that import path, else a standard-library
//!   package (taken as not blocking), else unknown.
//! - `x.a.b.m(...)`: the type of `x` comes from the receiver, a parameter or named result, a
//!   typed local (`var x T`, `x := T{...}`, `x := &T{...}`, `x := new(T)`, `x := make(T)`,
//!   `x := s.conn` (a selector chain), or `x, err := f(...)` with `f` a resolvable project or
//!   standard-library call), a package-level variable with a known type, or `pkg.Var` of an
//!   import. A local bound to different things in one function is unknown. Fields are followed through the
//!   project's struct types (promoted fields of embedded structs too) and the standard-library
//!   table; `[i]` takes the element type of a slice, array or map. The method is then looked up
//!   on the final type, following embedded fields: a project method, a standard-library method
//!   (the blocking table decides), or an interface method (unknown).
//! - `x.m(...)` where nothing shows `x`'s type: resolved only when `m` is unexported (so it can
//!   only be declared in this package), exactly one method of that name is declared in the
//!   package, no struct field of that name exists (it could be a func-typed field), and every
//!   file of the package was scanned. Exported names are never guessed.
//! - Calls on call results (`x.f().g()`) are unknown, except by the unexported-name rule.
//!
//! # `may_block`
//!
//! A function may block when its body, in source order, contains:
//! - a blocking standard-library call ([`super::blocking`]);
//! - a channel send or receive, or a `range` over a parameter or local of channel type, that is
//!   not a communication clause of a `select`; a `select` without a `default` case blocks as a
//!   whole (one with `default` does not);
//! - a call that stays unknown (not the project's, not the standard library's) whose first
//!   argument is a context: a `context.Context` parameter, an identifier named `ctx`,
//!   `context.Background()`/`TODO()` or `x.Context()` (the Go convention for "this may block"),
//!   except context accessors such as `WithTimeout` or `FromContext`
//!   ([`super::blocking::is_context_accessor`]); a resolved project function is judged by its own
//!   summary instead;
//! - a call to a project function that may block.
//!
//! The body of a `go` statement's function literal, and the callee of a `go` statement, do not
//! make the function block (its arguments are evaluated by the caller, so they do). A function
//! literal counts only when called where it is written (`func(){...}()`, `defer func(){...}()`);
//! one stored or passed as a callback does not (it may run elsewhere, or never). `defer f()`
//! counts: it runs before the function returns.
//!
//! The reason kept is the first direct cause in source order, else the call to the nearest
//! blocking callee (the fixed point is a breadth-first search from the direct causes, so the
//! chain in messages is a shortest one).
//!
//! # `closes_param`
//!
//! Parameter `i` (channel-typed: `chan T` or `chan<- T`) is closed when the body, including
//! every nested function literal (a `go func(){ defer close(ch) }()` producer closes it too),
//! calls `close(p)`, or passes `p` as a plain identifier argument to a project function (also
//! in a `go` statement) that closes that parameter, to a fixed point. Only the first 64
//! parameters are tracked.
//!
//! # `keeps_param`
//!
//! Channel parameter `i` (`chan T`, `chan<- T` or `<-chan T`, not variadic) is kept when every
//! mention of it in the body and its nested function literals is a send on it, a receive from
//! it (also in a `select` case), a `range` over it, a comparison (`==`, `!=`), `len`/`cap`/
//! `close` of it, or a plain identifier argument of a call that resolves to a project function
//! keeping that parameter (also in `go` and `defer` statements). Anything else clears the bit:
//! storing, assigning, returning or sending the channel, `&ch`, a composite literal, a mention
//! inside a function literal that is stored or passed on rather than called where it is
//! written, an argument to a builtin other than `len`/`cap`, to a function value, the standard
//! library or an unresolved callee, or the name bound again anywhere in the function. The fixed
//! point is the greatest one (start from what each body shows, clear callers of callees that do
//! not keep), so recursion keeps. "Kept and not closed" means a call never closes the channel.
//!
//! # What stays unknown
//!
//! Lookups return `None`, never a guess, for: declarations in files that were not scanned
//! (generated, unreadable, or after a brace that never closes); signatures whose build-tag
//! variants disagree; fields of generic instances; locks inside standard-library struct types
//! (`http.Server` has a mutex, but the api files list only exported fields); methods of
//! interface values. Functions declared in several files (build-tag variants) are merged: "may
//! block" and "closes" hold if any variant shows it, "keeps" only if every variant does. A type
//! declared in several files keeps its first declaration for lookups, and holds a lock by value
//! ([`StructType::contains_lock`], [`ProjectFacts::lock_held_by_value`]) only when every variant
//! does (a defined non-struct type with variants holds none); the others are
//! [`Package::type_variants_of`]. A summary without evidence (`may_block() == None`)
//! means "no blocking found", which is also the answer for bodies in assembly.
//!
//! # Lookups
//!
//! - [`ProjectFacts::package_of`] (a directory), [`ProjectFacts::package_of_file`],
//!   [`ProjectFacts::package_by_import_path`], [`ProjectFacts::package_by_type_path`] (the
//!   qualifier in type text, which also names `x_test` and module-less packages);
//! - [`Package::function`], [`Package::method`], [`Package::methods_named`],
//!   [`Package::struct_type`], [`Package::interface_type`], [`Package::type_decl`],
//!   [`Package::value`], [`Package::is_sentinel_error`];
//! - by type text, as the main pass's `TypeEnv` spells types: [`ProjectFacts::method_of_type`],
//!   [`ProjectFacts::function_at`], [`ProjectFacts::type_of_text`],
//!   [`ProjectFacts::lock_held_by_value`], and the `ProjectTypes` implementation;
//! - [`Func::may_block`] / [`Summary::may_block`], [`Summary::closes_param`],
//!   [`Summary::keeps_param`],
//!   [`StructType::contains_lock`], and [`ProjectFacts::describe_block`] for messages.

mod resolve;
mod scan;

use crate::discover::Module;
use crate::engine::facts::blocking::BlockingCall;
use crate::hash::HashMap;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Names and type texts: shared, immutable strings, interned per build so each distinct text
/// (`error`, `int`, `*net/http.Request`) is stored once.
pub type Text = std::sync::Arc<str>;

/// Where the pre-pass keeps its per-file scans between runs (the result cache). A scan is found
/// by a digest of everything it reads: the file's bytes, whether it is a test file, its
/// directory's import path and the import paths of the project's packages. Scanning is most of
/// the pre-pass, so a re-check after one file changed scans that file alone.
pub trait ScanStore: Sync {
    /// The body stored under `digest`, if there is one and it is intact; `file` is the file
    /// being scanned.
    fn load_scan(&self, file: &Path, digest: &blake3::Hash) -> Option<Vec<u8>>;
    /// Keep `body`, the scan of `file`, under `digest`; failing is allowed (the store only ever
    /// saves work).
    fn store_scan(&self, file: &Path, digest: &blake3::Hash, body: &[u8]);
}

/// A file's bytes with their blake3 hash, taken once where the file is read: a build with a
/// [`ScanStore`] finds scans by it, and the reader may keep it too (the result cache keys a
/// group's snapshot by it), so the bytes are not hashed again.
pub struct ReadFile {
    bytes: Vec<u8>,
    hash: blake3::Hash,
}

impl ReadFile {
    pub fn new(bytes: Vec<u8>) -> ReadFile {
        let hash = blake3::hash(&bytes);
        ReadFile { bytes, hash }
    }

    pub fn hash(&self) -> blake3::Hash {
        self.hash
    }
}

/// Index of a package in [`ProjectFacts`].
pub type PackageId = u32;

/// A function or method: its package and its index in that package's [`Package::funcs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FuncRef {
    pub package: PackageId,
    pub index: u32,
}

/// Everything the pre-pass learned about the project.
#[derive(Debug, Default)]
pub struct ProjectFacts {
    packages: Vec<Package>,
    /// Normalised absolute directory → its packages, the one most files declare first.
    by_dir: HashMap<PathBuf, Vec<PackageId>>,
    by_file: HashMap<PathBuf, PackageId>,
    /// Every package's type path (import path, `x_test` path or pseudo path) → the package.
    by_import_path: HashMap<Text, PackageId>,
    stats: BuildStats,
    /// Scans kept for [`ProjectFacts::rebuild_dir`] (empty after a full build).
    scan_cache: resolve::ScanCache,
}

/// Counts from one build, for benchmarks and `--verbose` output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BuildStats {
    pub files_scanned: usize,
    pub files_generated: usize,
    pub files_unreadable: usize,
    /// Files whose scan stopped early at malformed input (declarations after that are unknown).
    pub files_degraded: usize,
    pub bytes: usize,
    pub tokens: usize,
    pub packages: usize,
    pub functions: usize,
    pub call_sites: usize,
    pub blocking_functions: usize,
    /// Iterations of the "closes its parameter" fixed point.
    pub closes_rounds: usize,
}

/// One package: the files of one directory that share a package clause.
#[derive(Debug)]
pub struct Package {
    pub(crate) id: PackageId,
    pub(crate) dir: PathBuf,
    pub(crate) name: Text,
    pub(crate) import_path: Text,
    /// False for the pseudo path of a package outside any module.
    pub(crate) in_module: bool,
    pub(crate) files: Box<[PathBuf]>,
    /// Some file of the package was not scanned, or not to its end.
    pub(crate) incomplete: bool,
    /// Sorted by (receiver type name, or "" for functions; name).
    pub(crate) funcs: Box<[Func]>,
    /// `funcs` by a hash of (receiver type name, name), sorted by hash: see [`Package::func_index`].
    pub(crate) func_hashes: Box<[(u64, u32)]>,
    /// Sorted by name; one per name (the first file's, in file order).
    pub(crate) types: Box<[TypeDecl]>,
    /// The other declarations of names declared in several files (build-tag variants), sorted
    /// by name.
    pub(crate) type_variants: Box<[TypeDecl]>,
    /// Sorted by name.
    pub(crate) values: Box<[Value]>,
    /// Import paths named by the package's non-test files, sorted.
    pub(crate) imports: Box<[Text]>,
    /// Some non-test file calls a method named `Shutdown` or `GracefulStop`.
    pub(crate) calls_shutdown: bool,
    /// The `module` path of the package's go.mod ("" outside a module).
    pub(crate) module_path: Text,
}

/// A function or method declaration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Func {
    pub(crate) name: Text,
    pub(crate) receiver: Option<Receiver>,
    pub(crate) type_params: Box<[Text]>,
    /// `None` when build-tag variants of the function disagree.
    pub(crate) signature: Option<Signature>,
    /// Index into the package's files, and 1-based line of the `func` keyword.
    pub(crate) file: u32,
    pub(crate) line: u32,
    pub(crate) has_body: bool,
    pub(crate) summary: Summary,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receiver {
    /// The receiver's base type name, without `*` or type arguments.
    pub type_name: Text,
    pub pointer: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Signature {
    pub params: Box<[Param]>,
    pub results: Box<[Param]>,
    /// The last parameter is `...T`; its type is written `...T`.
    pub variadic: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    /// `None` for an unnamed parameter or result (`_` is kept as a name).
    pub name: Option<Text>,
    pub ty: Text,
}

/// Per-function facts computed over the call graph.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub(crate) block: Option<BlockReason>,
    /// Bit `i`: channel parameter `i` is closed.
    pub(crate) closes: u64,
    /// Bit `i`: channel parameter `i` stays with this function and the project callees it is
    /// passed to ([`Summary::keeps_param`]).
    pub(crate) keeps: u64,
}

/// Why a function may block: the first cause, with the line (in the function's file) where it
/// happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockReason {
    pub cause: BlockCause,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BlockCause {
    /// A blocking standard-library call: `net.Dial`, `(*os.File).Write`.
    Stdlib(BlockingCall),
    Send,
    Receive,
    /// `for v := range ch` over a channel.
    RangeOverChannel,
    /// A `select` without a `default` case.
    Select,
    /// A call the facts cannot resolve, given a context as its first argument; the callee as
    /// written (`client.Get`).
    ContextCall(Text),
    /// A project function or method that may block.
    Calls(FuncRef),
}

/// A type declaration of a package.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TypeDecl {
    pub(crate) name: Text,
    pub(crate) type_params: Box<[Text]>,
    pub(crate) kind: TypeKind,
    pub(crate) file: u32,
    pub(crate) line: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum TypeKind {
    Struct(StructType),
    Interface(InterfaceType),
    /// Any other defined type (`type Celsius float64`) or an alias (`type A = B`).
    Named {
        underlying: Text,
        alias: bool,
    },
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StructType {
    pub(crate) fields: Box<[Field]>,
    /// Filled in after all packages are merged.
    pub(crate) lock: Option<LockInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// The field name; for an embedded field, its type's name (`Mutex` for `sync.Mutex`).
    pub name: Text,
    pub ty: Text,
    pub embedded: bool,
    /// The fields of an anonymous struct type (`x struct{ mu sync.Mutex }`).
    pub inline_struct: Option<Box<[Field]>>,
}

/// A `sync` type that must not be copied, found by value inside a struct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// The path of fields from the struct to the lock: `mu`, `inner.mu`, `Mutex` (embedded);
    /// empty when the value is the lock itself ([`ProjectFacts::lock_held_by_value`]).
    pub field_path: Text,
    pub kind: LockKind,
}

impl LockInfo {
    /// The struct's own field that holds the lock (the first element of the path).
    pub fn field(&self) -> &str {
        self.field_path.split('.').next().unwrap_or(&self.field_path)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LockKind {
    Mutex,
    RWMutex,
    WaitGroup,
    Once,
    Cond,
    Map,
    Pool,
}

impl LockKind {
    /// The `sync` type for a name, if it is one of the non-copyable ones.
    pub fn from_sync_name(name: &str) -> Option<LockKind> {
        Some(match name {
            "Mutex" => LockKind::Mutex,
            "RWMutex" => LockKind::RWMutex,
            "WaitGroup" => LockKind::WaitGroup,
            "Once" => LockKind::Once,
            "Cond" => LockKind::Cond,
            "Map" => LockKind::Map,
            "Pool" => LockKind::Pool,
            _ => return None,
        })
    }

    /// `sync.Mutex` and so on.
    pub fn type_name(self) -> &'static str {
        match self {
            LockKind::Mutex => "sync.Mutex",
            LockKind::RWMutex => "sync.RWMutex",
            LockKind::WaitGroup => "sync.WaitGroup",
            LockKind::Once => "sync.Once",
            LockKind::Cond => "sync.Cond",
            LockKind::Map => "sync.Map",
            LockKind::Pool => "sync.Pool",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InterfaceType {
    pub(crate) methods: Box<[InterfaceMethod]>,
    /// Embedded interfaces and type-set elements, as type text (`io.Reader`, `~int | ~string`).
    pub(crate) embeds: Box<[Text]>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterfaceMethod {
    pub name: Text,
    pub signature: Signature,
}

/// A package-level variable or constant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Value {
    pub(crate) name: Text,
    pub(crate) is_const: bool,
    /// Written in the declaration, implied by a constant group's repetition, or shown by the
    /// initializer (`errors.New(...)` → `error`, `T{...}`, `&T{...}`).
    pub(crate) ty: Option<Text>,
    /// Declared with type `error`, initialised with `errors.New`/`fmt.Errorf`, with another
    /// sentinel error (`= fs.ErrNotExist`), or with a call whose only result is `error`.
    pub(crate) sentinel_error: bool,
    /// What the initializer refers to, until the packages are merged.
    pub(crate) init: Option<Box<ValueInit>>,
    pub(crate) file: u32,
    pub(crate) line: u32,
}

/// A package-level variable's initializer that only the merged packages can type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ValueInit {
    /// `= Other` or `= pkg.Other`: (import path, or `None` for this package; name).
    Var(Option<Text>, Text),
    /// `= f(...)` or `= pkg.F(...)`.
    Call(Option<Text>, Text),
}

// ---------------------------------------------------------------------------------------------
// Lookups

impl ProjectFacts {
    /// Scan `files` in parallel (on `threads` workers, or the current rayon pool when 0) and
    /// compute the summaries. `modules` give the import paths.
    pub fn build(files: &[PathBuf], modules: &[Module], threads: usize) -> ProjectFacts {
        if threads == 0 {
            return resolve::build(files, modules);
        }
        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool.install(|| resolve::build(files, modules)),
            Err(_) => resolve::build(files, modules),
        }
    }

    /// `build` on the current rayon pool, reading each file through `read` (whose caller
    /// may keep the hashes it took), and taking each file's scan from `store` when an earlier
    /// run left it there.
    pub fn build_stored(
        files: &[PathBuf],
        modules: &[Module],
        read: &(dyn Fn(&Path) -> Option<ReadFile> + Sync),
        store: &dyn ScanStore,
    ) -> ProjectFacts {
        resolve::build_stored(files, modules, read, store)
    }

    /// Build from in-memory sources (tests, tools): `(path, text)` pairs; the paths name
    /// directories and files as `build` would read them.
    pub fn from_sources(sources: &[(PathBuf, String)], modules: &[Module]) -> ProjectFacts {
        let files: Vec<PathBuf> = sources.iter().map(|(path, _)| path.clone()).collect();
        let texts: HashMap<&Path, &str> = sources.iter().map(|(path, text)| (path.as_path(), text.as_str())).collect();
        resolve::build_with(&files, modules, &|path: &Path| texts.get(path).map(|text| text.as_bytes().to_vec()))
    }

    /// Rebuild the packages of directory `dir` from its `.go` files `files`, read through
    /// `read` (an editor's unsaved buffers, else the disk), keeping every other package: see
    /// [`resolve::rebuild_dir`] for what stays as it was.
    pub fn rebuild_dir(
        &mut self,
        dir: &Path,
        files: &[PathBuf],
        modules: &[Module],
        read: &(dyn Fn(&Path) -> Option<Vec<u8>> + Sync),
    ) {
        resolve::rebuild_dir(self, dir, files, modules, read);
    }

    /// Build from the discovered files and their modules' context files (see
    /// [`crate::discover::Discovery::context`]).
    pub fn from_discovery(discovery: &crate::discover::Discovery, threads: usize) -> ProjectFacts {
        ProjectFacts::build(&discovery.facts_files(), &discovery.modules, threads)
    }

    pub fn stats(&self) -> &BuildStats {
        &self.stats
    }

    /// A rough count of the heap bytes the facts hold (declarations, summaries, interned
    /// texts counted once, and indexes), for keeping the pre-pass's memory measured.
    pub fn estimated_heap_bytes(&self) -> usize {
        use std::mem::size_of;
        #[derive(Default)]
        struct Count {
            seen: crate::hash::HashSet<usize>,
            bytes: usize,
        }
        impl Count {
            fn text(&mut self, text: &Text) {
                // The Arc header (two counts) plus the bytes, once per distinct allocation.
                if self.seen.insert(text.as_ptr() as usize) {
                    self.bytes += 2 * size_of::<usize>() + text.len();
                }
            }
            fn params(&mut self, params: &[Param]) {
                self.bytes += std::mem::size_of_val(params);
                for param in params {
                    if let Some(name) = &param.name {
                        self.text(name);
                    }
                    self.text(&param.ty);
                }
            }
            fn signature(&mut self, signature: &Signature) {
                self.params(&signature.params);
                self.params(&signature.results);
            }
            fn fields(&mut self, fields: &[Field]) {
                self.bytes += std::mem::size_of_val(fields);
                for field in fields {
                    self.text(&field.name);
                    self.text(&field.ty);
                    if let Some(inline) = &field.inline_struct {
                        self.fields(inline);
                    }
                }
            }
        }
        let mut count = Count::default();
        count.bytes += self.packages.capacity() * size_of::<Package>();
        for package in &self.packages {
            count.bytes += package.dir.as_os_str().len() + package.name.len() + package.import_path.len();
            count.bytes +=
                package.files.iter().map(|file| size_of::<PathBuf>() + file.as_os_str().len()).sum::<usize>();
            count.bytes +=
                package.funcs.len() * size_of::<Func>() + package.func_hashes.len() * size_of::<(u64, u32)>();
            for func in package.funcs.iter() {
                count.text(&func.name);
                if let Some(receiver) = &func.receiver {
                    count.text(&receiver.type_name);
                }
                count.bytes += func.type_params.len() * size_of::<Text>();
                func.type_params.iter().for_each(|name| count.text(name));
                if let Some(signature) = &func.signature {
                    count.signature(signature);
                }
                if let Some(BlockReason { cause: BlockCause::ContextCall(callee), .. }) = &func.summary.block {
                    count.text(callee);
                }
            }
            count.bytes += (package.types.len() + package.type_variants.len()) * size_of::<TypeDecl>();
            for decl in package.types.iter().chain(package.type_variants.iter()) {
                count.text(&decl.name);
                match &decl.kind {
                    TypeKind::Struct(struct_type) => {
                        count.fields(&struct_type.fields);
                        if let Some(lock) = &struct_type.lock {
                            count.text(&lock.field_path);
                        }
                    }
                    TypeKind::Interface(interface) => {
                        count.bytes += interface.methods.len() * size_of::<InterfaceMethod>();
                        for method in interface.methods.iter() {
                            count.text(&method.name);
                            count.signature(&method.signature);
                        }
                        count.bytes += interface.embeds.len() * size_of::<Text>();
                        interface.embeds.iter().for_each(|embed| count.text(embed));
                    }
                    TypeKind::Named { underlying, .. } => count.text(underlying),
                }
            }
            count.bytes += package.values.len() * size_of::<Value>();
            count.bytes += package.imports.len() * size_of::<Text>();
            for value in package.values.iter() {
                count.text(&value.name);
                if let Some(ty) = &value.ty {
                    count.text(ty);
                }
            }
        }
        // The three maps: a key, a value and about one word of overhead per entry.
        let entry = size_of::<PathBuf>() + size_of::<usize>() * 2;
        count.bytes +=
            self.by_file.len() * entry + self.by_file.keys().map(|path| path.as_os_str().len()).sum::<usize>();
        count.bytes += self.by_dir.len() * (entry + size_of::<Vec<PackageId>>());
        count.bytes += self.by_import_path.len() * entry;
        count.bytes
    }

    pub fn packages(&self) -> &[Package] {
        // Every package reached goes through here or `package`: the result cache records it.
        crate::cache::observe::all_packages();
        &self.packages
    }

    /// The packages of the module `package` belongs to (itself included; only itself when it
    /// is in no module).
    pub fn module_packages<'p>(&'p self, package: &'p Package) -> impl Iterator<Item = &'p Package> + 'p {
        let module = package.module_path();
        self.packages.iter().filter(move |other| match module {
            Some(module) => other.module_path() == Some(module),
            None => other.id == package.id,
        })
    }

    pub fn package(&self, id: PackageId) -> Option<&Package> {
        crate::cache::observe::package(id);
        self.packages.get(id as usize)
    }

    /// The package of the directory: the one most of its files declare (not the `_test`
    /// package). `dir` may be relative to the current directory.
    pub fn package_of(&self, dir: &Path) -> Option<&Package> {
        let ids = self.by_dir.get(&normalize(dir))?;
        self.package(*ids.first()?)
    }

    /// All packages of a directory (the main one first, then e.g. `x_test`).
    pub fn packages_in(&self, dir: &Path) -> impl Iterator<Item = &Package> {
        self.by_dir.get(&normalize(dir)).into_iter().flatten().filter_map(|&id| self.package(id))
    }

    /// The package a scanned file belongs to.
    pub fn package_of_file(&self, file: &Path) -> Option<&Package> {
        self.package(*self.by_file.get(&normalize(file))?)
    }

    /// The package whose own types are qualified by `type_path` in type text: an import path,
    /// an external test package's `<path>_test`, or the pseudo path of a directory outside any
    /// module.
    pub fn package_by_type_path(&self, type_path: &str) -> Option<&Package> {
        self.package(*self.by_import_path.get(type_path)?)
    }

    /// The package a Go import path names (not an external `_test` package, not a directory
    /// outside any module).
    pub fn package_by_import_path(&self, import_path: &str) -> Option<&Package> {
        let package = self.package(*self.by_import_path.get(import_path)?)?;
        (package.in_module && !package.is_external_test()).then_some(package)
    }

    pub fn func(&self, func: FuncRef) -> Option<&Func> {
        self.package(func.package)?.funcs.get(func.index as usize)
    }

    /// The function or method behind `func` and its package.
    pub fn func_with_package(&self, func: FuncRef) -> Option<(&Package, &Func)> {
        let package = self.package(func.package)?;
        Some((package, package.funcs.get(func.index as usize)?))
    }

    /// A method of `type_name` in `package`, or one promoted from a struct it embeds (by value
    /// or pointer, in this project; up to a few levels deep).
    pub fn find_method<'f>(
        &'f self,
        package: &'f Package,
        type_name: &str,
        method: &str,
    ) -> Option<(&'f Package, &'f Func)> {
        resolve::find_method(self, package, type_name, method, &mut resolve::Budget::default())
    }

    /// A field of `type_name` in `package`, or one promoted from an embedded struct of the
    /// project; with the package that declares the owning struct.
    pub fn find_field<'f>(
        &'f self,
        package: &'f Package,
        type_name: &str,
        field: &str,
    ) -> Option<(&'f Package, &'f Field)> {
        resolve::find_field(self, package, type_name, field, &mut resolve::Budget::default())
    }

    /// The declaration of a named type given in type text (`example.com/app.Store`,
    /// `example.com/app.Set[int]`), with its package. A pointer type is not a named type: strip
    /// the `*` first if that is meant.
    pub fn type_of_text(&self, ty: &str) -> Option<(&Package, &TypeDecl)> {
        if ty.starts_with('*') {
            return None;
        }
        let (path, name) = scan::named_type(ty)?;
        let package = self.package_by_type_path(path)?;
        Some((package, package.type_decl(name)?))
    }

    /// The package-level function `name` of the package with path `pkg_path` (as in type text).
    pub fn function_at(&self, pkg_path: &str, name: &str) -> Option<(&Package, &Func)> {
        let package = self.package_by_type_path(pkg_path)?;
        Some((package, package.function(name)?))
    }

    /// A method of the type `ty` (type text, with or without `*`: `*example.com/app.Store`),
    /// including methods promoted from embedded project structs.
    pub fn method_of_type(&self, ty: &str, name: &str) -> Option<(&Package, &Func)> {
        let (path, type_name) = scan::named_type(ty)?;
        let package = self.package_by_type_path(path)?;
        self.find_method(package, type_name, name)
    }

    /// The `sync` lock a value of type `ty` (type text) holds by value: `sync.Mutex` itself
    /// (with an empty field path), an array of locks, or a project struct or named type that
    /// [contains one](StructType::contains_lock). `None` for pointers, slices, maps, channels,
    /// interfaces and types the facts do not know.
    pub fn lock_held_by_value(&self, ty: &str) -> Option<LockInfo> {
        let mut ty = ty;
        for _ in 0..8 {
            while let Some(rest) = ty.strip_prefix('[') {
                if rest.starts_with(']') {
                    return None;
                }
                ty = &rest[resolve::matching_bracket(rest)? + 1..];
            }
            if ty.starts_with('*') {
                return None;
            }
            let (path, name) = scan::named_type(ty)?;
            if path == "sync" {
                return LockKind::from_sync_name(name).map(|kind| LockInfo { field_path: "".into(), kind });
            }
            let package = self.package_by_type_path(path)?;
            match &package.type_decl(name)?.kind {
                TypeKind::Struct(struct_type) => return struct_type.lock.clone(),
                // A defined type with build-tag variants: which one applies is unknown.
                TypeKind::Named { .. } if !package.type_variants_of(name).is_empty() => return None,
                TypeKind::Named { underlying, .. } => ty = underlying,
                TypeKind::Interface(_) => return None,
            }
        }
        None
    }

    /// "calls (*Store).flush, which calls os.WriteFile": the reason and the chain of callees
    /// behind it, naming functions of other packages than `from` with their package name.
    pub fn describe_block(&self, reason: &BlockReason, from: Option<PackageId>) -> String {
        const MAX_HOPS: usize = 4;
        let mut out = String::new();
        let mut current = reason;
        for hop in 0..=MAX_HOPS {
            if hop > 0 {
                out.push_str(", which ");
            }
            match &current.cause {
                BlockCause::Stdlib(call) => {
                    let _ = write!(out, "calls {call}");
                    return out;
                }
                BlockCause::Send => return out + "sends on a channel",
                BlockCause::Receive => return out + "receives from a channel",
                BlockCause::RangeOverChannel => return out + "ranges over a channel",
                BlockCause::Select => return out + "waits in a select with no default case",
                BlockCause::ContextCall(callee) => {
                    let _ = write!(out, "calls {callee} with a context");
                    return out;
                }
                BlockCause::Calls(callee) => {
                    let Some((package, func)) = self.func_with_package(*callee) else {
                        return out + "calls a function";
                    };
                    let _ = write!(out, "calls {}", func.display_name(package, from));
                    match func.summary.block.as_ref() {
                        Some(next) if hop < MAX_HOPS => current = next,
                        Some(_) => return out + ", which may block",
                        None => return out,
                    }
                }
            }
        }
        out
    }
}

/// The receiver type name `Package::funcs` is sorted by: "" for a function.
fn func_receiver_name(func: &Func) -> &str {
    func.receiver.as_ref().map_or("", |receiver| &receiver.type_name)
}

/// The hash [`Package::func_hashes`] is sorted by.
fn func_key_hash(receiver: &str, name: &str) -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut hasher = foldhash::fast::FixedState::with_seed(0).build_hasher();
    hasher.write(receiver.as_bytes());
    hasher.write_u8(0xff);
    hasher.write(name.as_bytes());
    hasher.finish()
}

/// [`Package::func_hashes`] for `funcs`.
pub(crate) fn func_hashes(funcs: &[Func]) -> Box<[(u64, u32)]> {
    let mut hashes: Vec<(u64, u32)> = funcs
        .iter()
        .enumerate()
        .map(|(index, func)| (func_key_hash(func_receiver_name(func), &func.name), index as u32))
        .collect();
    hashes.sort_unstable();
    hashes.into()
}

impl Package {
    pub fn id(&self) -> PackageId {
        self.id
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The package clause name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The import path, when the package is inside a module (`None` for a directory outside
    /// any module, whose types use a pseudo path; see [`Package::type_path`]).
    /// True when a non-test file of the package imports `path`.
    pub fn imports(&self, path: &str) -> bool {
        self.imports.binary_search_by(|import| (**import).cmp(path)).is_ok()
    }

    /// Import paths named by the package's non-test files, sorted.
    pub fn import_paths(&self) -> impl Iterator<Item = &str> {
        self.imports.iter().map(|import| &**import)
    }

    /// True when a non-test file of the package calls a method named `Shutdown` or
    /// `GracefulStop` (how servers stop gracefully), whatever its receiver.
    pub fn calls_shutdown(&self) -> bool {
        self.calls_shutdown
    }

    /// The `module` path of the package's go.mod, when it is in a module that has one.
    pub fn module_path(&self) -> Option<&str> {
        (!self.module_path.is_empty()).then_some(&*self.module_path)
    }

    pub fn import_path(&self) -> Option<&str> {
        self.in_module.then_some(&*self.import_path)
    }

    /// The path that qualifies this package's own named types in type text: the import path,
    /// or `_/<dir>` outside a module.
    pub fn type_path(&self) -> &str {
        &self.import_path
    }

    pub fn is_external_test(&self) -> bool {
        self.name.ends_with("_test")
    }

    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// The file a declaration's `file_index()` names.
    pub fn file(&self, index: u32) -> Option<&Path> {
        self.files.get(index as usize).map(PathBuf::as_path)
    }

    /// Some file was not scanned to its end, so a missing declaration may exist after all.
    pub fn is_incomplete(&self) -> bool {
        self.incomplete
    }

    /// Functions and methods, sorted by (receiver type, name); functions come first.
    pub fn funcs(&self) -> &[Func] {
        &self.funcs
    }

    pub fn types(&self) -> &[TypeDecl] {
        &self.types
    }

    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Type resolution asks this for nearly every call of the module's own functions: a search
    /// among integer hashes, not string pairs (whose comparisons were 1.2% of a check's time on
    /// prometheus), then one comparison of the strings. Equal hashes of different keys fall
    /// back to the search by strings.
    fn func_index(&self, receiver: &str, name: &str) -> Option<usize> {
        let hash = func_key_hash(receiver, name);
        let at = self.func_hashes.partition_point(|&(probe, _)| probe < hash);
        let mut equal = self.func_hashes.get(at..).unwrap_or_default().iter().take_while(|(probe, _)| *probe == hash);
        match (equal.next(), equal.next()) {
            (None, _) => None,
            (Some(&(_, index)), None) => {
                let func = self.funcs.get(index as usize)?;
                (func_receiver_name(func) == receiver && &*func.name == name).then_some(index as usize)
            }
            (Some(_), Some(_)) => self.func_index_by_strings(receiver, name),
        }
    }

    fn func_index_by_strings(&self, receiver: &str, name: &str) -> Option<usize> {
        self.funcs.binary_search_by(|func| (func_receiver_name(func), &*func.name).cmp(&(receiver, name))).ok()
    }

    /// A package-level function.
    pub fn function(&self, name: &str) -> Option<&Func> {
        self.funcs.get(self.func_index("", name)?)
    }

    /// A method declared on `receiver` (the type name without `*` or type arguments). Methods
    /// promoted from embedded fields: [`ProjectFacts::find_method`].
    pub fn method(&self, receiver: &str, name: &str) -> Option<&Func> {
        if receiver.is_empty() {
            return None;
        }
        self.funcs.get(self.func_index(receiver, name)?)
    }

    pub fn func_ref(&self, func: &Func) -> Option<FuncRef> {
        let receiver = func.receiver.as_ref().map_or("", |receiver| &receiver.type_name);
        let index = self.func_index(receiver, &func.name)?;
        Some(FuncRef { package: self.id, index: index as u32 })
    }

    /// Every method named `name`, on any type of the package.
    pub fn methods_named<'p>(&'p self, name: &'p str) -> impl Iterator<Item = &'p Func> + 'p {
        self.funcs.iter().filter(move |func| func.receiver.is_some() && &*func.name == name)
    }

    /// The method `x.name(...)` must be when the receiver's type is unknown: an unexported name
    /// declared exactly once in the package, with no struct field of that name (it could be a
    /// func-typed field), in a package whose files were all read.
    pub fn unique_unexported_method<'p>(&'p self, name: &'p str) -> Option<&'p Func> {
        if !name.starts_with(|c: char| c.is_ascii_lowercase()) || self.is_incomplete() {
            return None;
        }
        let mut methods = self.methods_named(name);
        let method = methods.next()?;
        if methods.next().is_some() {
            return None;
        }
        let field_named = self.types().iter().any(|decl| match decl.kind() {
            TypeKind::Struct(fields) => fields.field(name).is_some(),
            _ => false,
        });
        (!field_named).then_some(method)
    }

    /// The other declarations of `name` when build-tag variants declare it in several files
    /// ([`Package::type_decl`] gives the first); empty otherwise.
    pub fn type_variants_of(&self, name: &str) -> &[TypeDecl] {
        let start = self.type_variants.partition_point(|decl| &*decl.name < name);
        let end = start + self.type_variants[start..].partition_point(|decl| &*decl.name == name);
        &self.type_variants[start..end]
    }

    pub fn type_decl(&self, name: &str) -> Option<&TypeDecl> {
        self.types.binary_search_by(|decl| (*decl.name).cmp(name)).ok().map(|index| &self.types[index])
    }

    pub fn struct_type(&self, name: &str) -> Option<&StructType> {
        match &self.type_decl(name)?.kind {
            TypeKind::Struct(struct_type) => Some(struct_type),
            _ => None,
        }
    }

    pub fn interface_type(&self, name: &str) -> Option<&InterfaceType> {
        match &self.type_decl(name)?.kind {
            TypeKind::Interface(interface) => Some(interface),
            _ => None,
        }
    }

    /// A package-level variable or constant.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.values.binary_search_by(|value| (*value.name).cmp(name)).ok().map(|index| &self.values[index])
    }

    /// A package-level variable declared `error` or initialised with `errors.New`/`fmt.Errorf`,
    /// another sentinel error, or a call whose only result is `error`.
    pub fn is_sentinel_error(&self, name: &str) -> bool {
        self.value(name).is_some_and(|value| value.sentinel_error)
    }

    pub fn sentinel_errors(&self) -> impl Iterator<Item = &Value> {
        self.values.iter().filter(|value| value.sentinel_error)
    }
}

impl Func {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn receiver(&self) -> Option<&Receiver> {
        self.receiver.as_ref()
    }

    pub fn type_params(&self) -> &[Text] {
        &self.type_params
    }

    /// `None` when the function's build-tag variants declare different signatures.
    pub fn signature(&self) -> Option<&Signature> {
        self.signature.as_ref()
    }

    /// Result types, e.g. `["*os.File", "error"]`.
    pub fn result_types(&self) -> Option<impl Iterator<Item = &str>> {
        Some(self.signature.as_ref()?.results.iter().map(|result| &*result.ty))
    }

    /// The last result is `error`.
    pub fn returns_error(&self) -> Option<bool> {
        Some(self.signature.as_ref()?.results.last().is_some_and(|result| &*result.ty == "error"))
    }

    pub fn file_index(&self) -> u32 {
        self.file
    }

    pub fn line(&self) -> u32 {
        self.line
    }

    /// False for a declaration without a body (implemented in assembly); its summary knows
    /// nothing.
    pub fn has_body(&self) -> bool {
        self.has_body
    }

    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Shorthand for `summary().may_block()`.
    pub fn may_block(&self) -> Option<&BlockReason> {
        self.summary.may_block()
    }

    /// `F`, `(*Store).flush`, or `store.F` / `(*store.Store).flush` seen from another package.
    pub fn display_name(&self, package: &Package, from: Option<PackageId>) -> String {
        let qualifier = if from == Some(package.id) { String::new() } else { format!("{}.", package.name) };
        match &self.receiver {
            None => format!("{qualifier}{}", self.name),
            Some(receiver) => {
                let star = if receiver.pointer { "*" } else { "" };
                format!("({star}{qualifier}{}).{}", receiver.type_name, self.name)
            }
        }
    }
}

impl Summary {
    /// Why the function may block, when something in it (or in what it calls) is known to.
    pub fn may_block(&self) -> Option<&BlockReason> {
        self.block.as_ref()
    }

    /// The function closes its channel parameter `index` (receiver not counted).
    pub fn closes_param(&self, index: usize) -> bool {
        index < 64 && self.closes & (1 << index) != 0
    }

    /// Indexes of the channel parameters the function closes.
    pub fn closed_params(&self) -> impl Iterator<Item = usize> + '_ {
        (0..64).filter(|&index| self.closes_param(index))
    }

    /// The channel parameter `index` (receiver not counted) goes nowhere the facts cannot see:
    /// the function and its project callees only send on it, receive from it, range over it,
    /// compare it, or take its `len`/`cap`. Together with `!closes_param(index)` this means the
    /// call never closes the channel.
    pub fn keeps_param(&self, index: usize) -> bool {
        index < 64 && self.keeps & (1 << index) != 0
    }

    /// Indexes of the channel parameters the function keeps.
    pub fn kept_params(&self) -> impl Iterator<Item = usize> + '_ {
        (0..64).filter(|&index| self.keeps_param(index))
    }
}

impl TypeDecl {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn type_params(&self) -> &[Text] {
        &self.type_params
    }

    pub fn kind(&self) -> &TypeKind {
        &self.kind
    }

    pub fn file_index(&self) -> u32 {
        self.file
    }

    pub fn line(&self) -> u32 {
        self.line
    }
}

impl StructType {
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|field| &*field.name == name)
    }

    /// A `sync.Mutex`/`RWMutex`/`WaitGroup`/`Once`/`Cond`/`Map`/`Pool` held by value: a field or
    /// embedded field of that type, an array of them, or a by-value field (or array element) of
    /// a project struct or named type that contains one, transitively (across the project's
    /// packages). Pointers, slices, maps and channels do not count; nor do generic instances or
    /// standard-library structs (their unexported fields are unknown).
    pub fn contains_lock(&self) -> Option<&LockInfo> {
        self.lock.as_ref()
    }
}

impl InterfaceType {
    pub fn methods(&self) -> &[InterfaceMethod] {
        &self.methods
    }

    pub fn method(&self, name: &str) -> Option<&InterfaceMethod> {
        self.methods.iter().find(|method| &*method.name == name)
    }

    pub fn embeds(&self) -> &[Text] {
        &self.embeds
    }
}

impl Value {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn is_const(&self) -> bool {
        self.is_const
    }

    pub fn ty(&self) -> Option<&str> {
        self.ty.as_deref()
    }

    pub fn is_sentinel_error(&self) -> bool {
        self.sentinel_error
    }

    pub fn file_index(&self) -> u32 {
        self.file
    }

    pub fn line(&self) -> u32 {
        self.line
    }
}

/// An absolute, `.`/`..`-free form of `path`, so relative and absolute spellings of a file
/// find the same package.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    crate::discover::absolute_normalized(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_of(package: &Package, receiver: &str, name: &str) -> u32 {
        let position =
            package.funcs.iter().position(|func| func_receiver_name(func) == receiver && func.name() == name);
        position.expect("declared") as u32
    }

    /// A hash shared by several keys is told apart by the strings, and a hash found for another
    /// key is not taken for this one.
    #[test]
    fn function_lookups_check_the_strings_behind_a_hash() {
        let text = "package p\n\ntype T struct{}\n\nfunc A() {}\nfunc B() {}\nfunc (T) A() {}\n";
        let mut facts = ProjectFacts::from_sources(&[(PathBuf::from("/m/p/a.go"), text.to_string())], &[]);
        let package = &mut facts.packages[0];
        assert_eq!(package.func_hashes.len(), 3);
        let a_hash = func_key_hash("", "A");
        let (a, b, t_a) = (index_of(package, "", "A"), index_of(package, "", "B"), index_of(package, "T", "A"));

        // `A`'s hash held by `A` and by `(T).A` too: the search by strings finds the function.
        package.func_hashes = vec![(a_hash, a), (a_hash, t_a)].into();
        assert!(package.function("A").is_some_and(|func| func.name() == "A" && func.receiver().is_none()));

        // `A`'s hash held by `B` alone: not `A`.
        package.func_hashes = vec![(a_hash, b)].into();
        assert!(package.function("A").is_none());
    }
}
