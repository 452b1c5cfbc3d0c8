//! Arbitrary bytes through the whole pipeline: parse, every rule, suppressions, fixes and every
//! reporter. Nothing may panic or hang, and the same input must give the same output twice.

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
        let settings = Settings::default();
        let engine = Engine::new(&settings.enabled_rules()).expect("queries compile");
        (settings, engine)
    })
}

fuzz_target!(|data: &[u8]| {
    // Non-UTF-8 input is rejected before parsing (tests/cli.rs covers that path).
    let Ok(text) = std::str::from_utf8(data) else { return };
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
