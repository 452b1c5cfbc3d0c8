//! TODO(reporters)
use super::ReportInput;

pub fn render(_input: &ReportInput<'_>) -> String {
    String::new()
}
