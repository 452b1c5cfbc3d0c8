//! Reading the fixed H2 sections of a rule's `docs.md`.

/// The body of the `## <name>` section, trimmed, or `None` when the section is absent.
pub fn section<'a>(docs: &'a str, name: &str) -> Option<&'a str> {
    let heading = format!("## {name}");
    let mut offset = 0;
    for line in docs.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if line.trim_end() == heading {
            let rest = &docs[offset..];
            let end = find_next_heading(rest).unwrap_or(rest.len());
            let _ = start;
            return Some(rest[..end].trim());
        }
    }
    None
}

fn find_next_heading(text: &str) -> Option<usize> {
    let mut offset = 0;
    let mut in_code = false;
    for line in text.split_inclusive('\n') {
        if line.starts_with("```") {
            in_code = !in_code;
        }
        if !in_code && line.starts_with("## ") {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// Fenced code blocks with their info string, e.g. `("go bad", "package p ...")`.
pub fn code_blocks(docs: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in docs.lines() {
        if let Some(info) = line.strip_prefix("```") {
            match current.take() {
                Some(block) => blocks.push(block),
                None => current = Some((info.trim().to_string(), String::new())),
            }
        } else if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    blocks
}
