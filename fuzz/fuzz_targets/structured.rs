//! Structured Go through the whole lint pipeline: deep nesting of every kind, very long lines
//! and many findings, built from a few fuzzer-chosen numbers so mutations stay well-formed Go
//! instead of dying in the lexer. Nothing may panic, overflow the stack or hang; a file past the
//! depth limit must be named, never passed silently. Issue 11's inputs are the regression seeds
//! (fuzz/seeds/structured/).

#![no_main]

use golint_guard::config::Settings;
use golint_guard::engine::{Engine, ModuleFacts, Worker};
use golint_guard::lint::lint_source;
use golint_guard::source::SourceFile;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn setup() -> &'static (Settings, Engine) {
    static SETUP: OnceLock<(Settings, Engine)> = OnceLock::new();
    SETUP.get_or_init(|| {
        // Opt-in rules too: the fuzzer must reach every rule, not only what a default run does.
        let settings = Settings::every_rule();
        let engine = Engine::new(&settings.enabled_rules()).expect("queries compile");
        (settings, engine)
    })
}

/// What wraps the body at each level; the fuzzer picks one per level.
const OPENERS: &[(&str, &str)] = &[
    ("if x > 0 {\n", "}\n"),
    ("for i := 0; i < x; i++ {\n", "}\n"),
    ("func() {\n", "}()\n"),
    ("go func() {\n", "}()\n"),
    ("switch x {\ncase 1:\n", "}\n"),
    ("select {\ncase <-stop:\n", "}\n"),
    ("{\n", "}\n"),
    ("mu.Lock()\nif x > 0 {\n", "}\nmu.Unlock()\n"),
];

/// A statement that some rule flags (or nearly does), placed at each level.
const BODIES: &[&str] = &[
    "",
    "signal.Notify(stop, os.Interrupt)\n",
    "go work()\n",
    "_ = f()()()()\n",
    "ch <- 1\n",
    "defer mu.Unlock()\n",
    "x := \n",
];

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let depth = usize::from(u16::from_le_bytes([data[0], data[1]])) * 2; // up to ~131k levels
    let line = usize::from(data[2]) * 4096; // up to ~1 MB on one line
    let shape = &data[3..];
    let pick = |index: usize| shape.get(index % shape.len().max(1)).copied().unwrap_or(0) as usize;

    let mut text = String::from(
        "package main\n\nimport (\n\t\"os\"\n\t\"os/signal\"\n\t\"sync\"\n)\n\nvar mu sync.Mutex\n\nfunc work() {}\n\nfunc f() func() func() func() int { return nil }\n\nfunc main() {\n\tx := 1\n\tstop := make(chan os.Signal)\n\tch := make(chan int)\n",
    );
    text.push_str("\tvar long = []int{");
    text.push_str(&"1, ".repeat(line / 3));
    text.push_str("}\n\t_ = long\n");
    let mut closers = Vec::with_capacity(depth);
    for level in 0..depth {
        let (open, close) = OPENERS[pick(level) % OPENERS.len()];
        text.push_str(open);
        text.push_str(BODIES[pick(level + 1) % BODIES.len()]);
        closers.push(close);
    }
    for close in closers.into_iter().rev() {
        text.push_str(close);
    }
    text.push_str("_, _, _ = x, ch, stop\n}\n");

    let (settings, engine) = setup();
    let source = SourceFile::new("structured.go".into(), "structured.go".into(), text.as_str());
    let findings = lint_source(engine, &mut Worker::default(), settings, &source, ModuleFacts::default());
    // Past the depth limit the file is named, never passed silently. Bracket nesting bounds the
    // tree's depth from below and costs no parse (parsing tens of thousands of levels takes
    // seconds under the sanitizers); otherwise the tree is measured.
    let limit = golint_guard::engine::MAX_TREE_DEPTH;
    let tree_depth = match golint_guard::syntax::bracket_depth(&text) {
        nesting if nesting > limit => nesting,
        _ => golint_guard::parse::parse(&mut golint_guard::parse::new_parser(), &source)
            .map_or(0, |tree| golint_guard::syntax::max_depth(tree.root_node())),
    };
    if tree_depth > limit {
        assert!(
            findings.iter().any(|finding| finding.rule == "unreadable-file"),
            "a file {tree_depth} levels deep ({depth} nested blocks) was passed without a finding"
        );
    }
});
