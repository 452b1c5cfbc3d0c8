//! Arbitrary bytes through the whole pipeline: parse, every rule, suppressions, fixes and every
//! reporter. Nothing may panic or hang, and the same input must give the same output twice.
//!
//! Small inputs also grow into large, structured ones (issue 11: the fuzzer never went past
//! ~10 KB, so it could not see report time growing with lines times findings). An input that
//! starts with a shape byte is `shape, count (2 bytes, little-endian), head 0x00 unit 0x00 tail`
//! and becomes `head + unit * count + tail`, up to `MAX_GROWN` bytes (256 KB):
//! - `REPEAT`: the unit as is, so one line with thousands of findings, or thousands of lines;
//! - `NEST`: the unit split at 0x01 into an opening and a closing part, nested `count` deep.

#![no_main]

use golint_guard::config::Settings;
use golint_guard::engine::{Engine, ModuleFacts, Worker};
use golint_guard::fix::fix_source;
use golint_guard::lint::lint_source;
use golint_guard::report::{render, Format, ReportInput};
use golint_guard::source::SourceFile;
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
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

const REPEAT: u8 = 0xB1;
const NEST: u8 = 0xB2;
/// Grown inputs stop at 256 KB: a cost growing with lines times findings (or columns times
/// findings) is then billions of steps and passes the timeout. The linear pipeline under the
/// sanitizers (linted twice, fixed in up to ten rounds, rendered, re-run for leaks) takes up to
/// ~13 s on the seeds on a loaded 2-core machine, hence `-timeout=30` in `.ci/run`.
const MAX_GROWN: usize = 256 << 10;
/// Deeper nesting is the `structured` target's job (it goes past the depth limit); here it
/// would only spend the per-input time budget on one shape.
const MAX_NESTING: usize = 500;

/// The text an input stands for: itself, or what its shape grows into.
fn grow(data: &[u8]) -> Option<String> {
    let (&shape, rest) = data.split_first()?;
    if shape != REPEAT && shape != NEST || rest.len() < 2 {
        return std::str::from_utf8(data).ok().map(str::to_owned);
    }
    let count = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
    let mut parts = std::str::from_utf8(&rest[2..]).ok()?.splitn(3, '\0');
    let (head, unit, tail) = (parts.next()?, parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut text = String::from(head);
    if shape == REPEAT {
        let count = count.min(MAX_GROWN / unit.len().max(1));
        text.push_str(&unit.repeat(count));
    } else {
        let (open, close) = unit.split_once('\u{1}').unwrap_or((unit, ""));
        let count = count.min(MAX_NESTING).min(MAX_GROWN / (open.len() + close.len()).max(1));
        text.push_str(&open.repeat(count));
        text.push_str(&close.repeat(count));
    }
    text.push_str(tail);
    Some(text)
}

fuzz_target!(|data: &[u8]| {
    // Non-UTF-8 input is rejected before parsing (tests/cli.rs covers that path).
    let Some(text) = grow(data) else { return };
    let text = text.as_str();
    let (settings, engine) = setup();
    let source = SourceFile::new("fuzz.go".into(), "fuzz.go".into(), text);
    let mut worker = Worker::default();
    let findings = lint_source(engine, &mut worker, settings, &source, ModuleFacts::default());
    let again = lint_source(engine, &mut worker, settings, &source, ModuleFacts::default());
    assert_eq!(findings, again, "linting is not deterministic");

    let fixed = fix_source(engine, &mut worker, settings, &source, ModuleFacts::default(), true);
    if fixed.text != text {
        let tree = golint_guard::parse::parse(
            &mut worker.parser,
            &SourceFile::new("fuzz.go".into(), "fuzz.go".into(), fixed.text.as_str()),
        );
        assert!(tree.is_some_and(|tree| !tree.root_node().has_error()), "a fix introduced a syntax error");
    }

    let mut sources = BTreeMap::new();
    sources.insert(source.display_path.clone(), source.clone());
    let rules = settings.enabled_rules();
    let input = ReportInput {
        findings: &findings,
        sources: &sources,
        rules: &rules,
        files_checked: 1,
        criteria: None,
        path_prefix: None,
        color: false,
        width: 100,
    };
    for format in [Format::Text, Format::Json, Format::Sarif, Format::Github, Format::Summary] {
        let _ = render(format, &input);
    }
});
