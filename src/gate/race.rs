//! `WARNING: DATA RACE` reports from the race detector, as they appear in test output:
//!
//! ```text
//! ==================
//! WARNING: DATA RACE
//! Write at 0x00c0000181e8 by goroutine 13:
//!   example.com/m/b.TestRace.func1()
//!       /src/m/b/b_test.go:27 +0x33
//!
//! Previous write at 0x00c0000181e8 by goroutine 12:
//!   ...
//! Goroutine 13 (running) created at:
//!   ...
//! ==================
//! ```

/// The most lines kept from one report; a deep recursion can print thousands of frames.
const MAX_REPORT_LINES: usize = 2000;

const SEPARATOR: &str = "==================";
const HEADER: &str = "WARNING: DATA RACE";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RaceReport {
    pub package: String,
    /// The test whose output held the report (none when it came from the package's output).
    pub test: Option<String>,
    /// The whole report: both accesses and where their goroutines were created.
    pub text: String,
    /// The sections of the report, in order: the two conflicting accesses come first.
    pub sections: Vec<Section>,
}

/// One stack in the report, under a header like `Write at 0x… by goroutine 13`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub header: String,
    pub frames: Vec<Frame>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// `example.com/m/b.TestRace.func1`
    pub function: String,
    pub file: String,
    pub line: usize,
}

/// Collects the lines of one report at a time from a stream of output lines.
#[derive(Debug, Default)]
pub struct RaceCapture {
    lines: Option<Vec<String>>,
}

impl RaceCapture {
    pub fn in_report(&self) -> bool {
        self.lines.is_some()
    }

    /// Feed one output line (no newline); returns the report when its closing line arrives.
    pub fn feed(&mut self, line: &str) -> Option<RaceReport> {
        match &mut self.lines {
            None => {
                if line.trim_end() == HEADER {
                    self.lines = Some(vec![line.trim_end().to_string()]);
                }
                None
            }
            Some(lines) => {
                if line.trim_end() == SEPARATOR {
                    let lines = self.lines.take().unwrap_or_default();
                    return Some(parse(&lines));
                }
                if lines.len() < MAX_REPORT_LINES {
                    lines.push(line.trim_end().to_string());
                } else if lines.len() == MAX_REPORT_LINES {
                    lines.push("      … (more frames not kept)".into());
                }
                None
            }
        }
    }
}

/// Parse the lines between the separators (the `WARNING` line first).
pub fn parse(lines: &[String]) -> RaceReport {
    let mut sections: Vec<Section> = Vec::new();
    let mut function: Option<String> = None;
    for line in lines.iter().skip_while(|line| line.trim() == HEADER).filter(|line| line.trim() != HEADER) {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') && !line.starts_with('\t') {
            if let Some(header) = line.trim().strip_suffix(':') {
                sections.push(Section { header: header.to_string(), frames: Vec::new() });
            }
            function = None;
            continue;
        }
        let trimmed = line.trim();
        match (function.take(), frame_location(trimmed)) {
            (Some(name), Some((file, line))) => {
                if let Some(section) = sections.last_mut() {
                    section.frames.push(Frame { function: name, file, line });
                }
            }
            (_, None) => function = Some(trimmed.trim_end_matches("()").to_string()),
            (None, Some(_)) => {}
        }
    }
    let mut text = String::from(SEPARATOR);
    text.push('\n');
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(SEPARATOR);
    RaceReport { package: String::new(), test: None, text, sections }
}

/// `/src/m/b/b_test.go:27 +0x33` → (`/src/m/b/b_test.go`, 27).
fn frame_location(text: &str) -> Option<(String, usize)> {
    let location = text.split(" +0x").next().unwrap_or(text).trim();
    let (file, line) = location.rsplit_once(':')?;
    let line = line.parse().ok()?;
    file.ends_with(".go").then(|| (file.to_string(), line))
}

impl RaceReport {
    /// The two conflicting accesses (`Write at …`, `Previous read at …`).
    pub fn accesses(&self) -> impl Iterator<Item = &Section> {
        self.sections
            .iter()
            .filter(|section| section.header.contains(" at 0x") || section.header.contains(" by "))
            .filter(|section| !section.header.starts_with("Goroutine "))
            .take(2)
    }
}

impl Section {
    /// `Previous write at 0x00c0000181e8 by goroutine 13` → `previous write`.
    pub fn kind(&self) -> String {
        self.header.split(" at 0x").next().unwrap_or(&self.header).to_lowercase()
    }

    /// `… by goroutine 13` → `goroutine 13` (`main goroutine` for the main one).
    pub fn goroutine(&self) -> &str {
        self.header.rsplit(" by ").next().filter(|_| self.header.contains(" by ")).unwrap_or("unknown goroutine")
    }
}

impl Frame {
    /// `example.com/m/b.TestRace.func1` → `TestRace.func1`.
    pub fn short_function(&self) -> &str {
        let last = self.function.rsplit('/').next().unwrap_or(&self.function);
        last.split_once('.').map_or(last, |(_, rest)| rest)
    }

    pub fn file_name(&self) -> &str {
        self.file.rsplit(['/', '\\']).next().unwrap_or(&self.file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "\
==================
WARNING: DATA RACE
Write at 0x00c0000181e8 by goroutine 13:
  example.com/m/b.TestRace.func1()
      /tmp/gx/m/b/b_test.go:27 +0x33

Previous write at 0x00c0000181e8 by goroutine 12:
  example.com/m/b.TestRace()
      /tmp/gx/m/b/b_test.go:28 +0x104
  testing.tRunner()
      /usr/local/go/src/testing/testing.go:2036 +0x21c

Goroutine 13 (running) created at:
  example.com/m/b.TestRace()
      /tmp/gx/m/b/b_test.go:27 +0xf9
  main.main()
      _testmain.go:66 +0x164
==================
    testing.go:1712: race detected during execution of test
";

    fn capture(text: &str) -> Vec<RaceReport> {
        let mut capture = RaceCapture::default();
        text.lines().filter_map(|line| capture.feed(line)).collect()
    }

    #[test]
    fn a_report_with_both_stacks() {
        let reports = capture(REPORT);
        assert_eq!(reports.len(), 1);
        let report = &reports[0];
        assert_eq!(report.sections.len(), 3);
        let accesses: Vec<&Section> = report.accesses().collect();
        assert_eq!(accesses.len(), 2);
        assert_eq!((accesses[0].kind().as_str(), accesses[0].goroutine()), ("write", "goroutine 13"));
        assert_eq!((accesses[1].kind().as_str(), accesses[1].goroutine()), ("previous write", "goroutine 12"));
        let frame = &accesses[0].frames[0];
        assert_eq!((frame.file.as_str(), frame.line), ("/tmp/gx/m/b/b_test.go", 27));
        assert_eq!(frame.short_function(), "TestRace.func1");
        assert_eq!(accesses[1].frames[1].function, "testing.tRunner");
        assert_eq!(report.sections[2].frames[1].file, "_testmain.go");
        assert!(report.text.starts_with("==================\nWARNING: DATA RACE\nWrite at"));
        assert!(report.text.ends_with("_testmain.go:66 +0x164\n=================="));
        assert!(!report.text.contains("race detected during execution"));
    }

    #[test]
    fn two_reports_and_a_truncated_one() {
        let text = format!("{REPORT}{REPORT}==================\nWARNING: DATA RACE\nRead at 0x1 by goroutine 3:\n");
        let mut capture = RaceCapture::default();
        let reports: Vec<RaceReport> = text.lines().filter_map(|line| capture.feed(line)).collect();
        assert_eq!(reports.len(), 2);
        assert!(capture.in_report());
    }
}
