//! The runbooks' ```console blocks: parsing them into commands with their
//! expected output, and matching what a command printed against it.
//!
//! The format (docs/src/runbooks/index.md, "How to read and practise a
//! runbook"): a line `$ command` starts a command; a line ending in `\`
//! continues it, and a here-document (`<<'EOF'` … `EOF`) is part of it;
//! every other line until the next `$ ` is expected output (stdout and
//! stderr as the terminal shows them). In expected output `[..]` matches
//! any text within one line, a line `...` matches any number of lines,
//! and a last line `[exit N]` is the exit status (0 when absent).

/// One command of a runbook and what it must print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Command {
    /// The 1-based line of its `$ ` in the markdown file.
    pub(crate) line: usize,
    /// The command as bash reads it (continuation lines and here-documents
    /// included, newlines kept).
    pub(crate) text: String,
    /// The expected output lines, `[exit N]` included.
    pub(crate) expected: Vec<String>,
}

/// Every command of every ```console block of `markdown`, in order.
/// Other fences (```bash, ```text, ...) are not run.
pub(crate) fn commands(markdown: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut lines = markdown.lines().enumerate().peekable();
    while let Some((_, line)) = lines.next() {
        let indent = line.len() - line.trim_start().len();
        let Some(info) = line.trim_start().strip_prefix("```") else { continue };
        let run = info.split([',', ' ']).next() == Some("console");
        // The block's lines, with the fence's indentation removed (a block
        // inside a numbered step is indented like the step's text).
        let mut block = Vec::new();
        for (n, line) in lines.by_ref() {
            if line.trim() == "```" {
                break;
            }
            let cut = line.len() - line.trim_start().len();
            block.push((n + 1, line.get(cut.min(indent)..).unwrap_or_default()));
        }
        if run {
            out.extend(block_commands(&block));
        }
    }
    out
}

/// The commands of one block's lines (line number, text).
fn block_commands(block: &[(usize, &str)]) -> Vec<Command> {
    let mut out: Vec<Command> = Vec::new();
    let mut rest = block.iter();
    while let Some(&(n, line)) = rest.next() {
        let Some(first) = line.strip_prefix("$ ").or_else(|| (line == "$").then_some("")) else {
            if let Some(last) = out.last_mut() {
                last.expected.push(line.to_owned());
            }
            continue;
        };
        let mut text = first.to_owned();
        while text.ends_with('\\') {
            let Some(&(_, next)) = rest.next() else { break };
            text.push('\n');
            text.push_str(next);
        }
        for word in heredoc_words(&text) {
            for &(_, next) in rest.by_ref() {
                text.push('\n');
                text.push_str(next);
                if next.trim_start_matches('\t') == word {
                    break;
                }
            }
        }
        out.push(Command { line: n, text, expected: Vec::new() });
    }
    for command in &mut out {
        while command.expected.last().is_some_and(|l| l.trim().is_empty()) {
            command.expected.pop();
        }
    }
    out
}

/// The terminators of the here-documents `text` opens (`<<EOF`,
/// `<<-EOF`, `<<'EOF'`, `<<"EOF"`), in order; `<<<` is a here-string.
fn heredoc_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("<<") {
        let after = rest.get(at + 2..).unwrap_or_default();
        if let Some(string) = after.strip_prefix('<') {
            rest = string;
            continue;
        }
        let after = after.strip_prefix('-').unwrap_or(after).trim_start();
        let word: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || "_'\"".contains(*c))
            .filter(|c| !"'\"".contains(*c))
            .collect();
        if !word.is_empty() {
            words.push(word);
        }
        rest = after;
    }
    words
}

/// The exit status `expected` asks for (`[exit N]` as its last line, else
/// 0) and the output lines before it.
pub(crate) fn expected_exit(expected: &[String]) -> (i32, &[String]) {
    if let Some((last, lines)) = expected.split_last()
        && let Some(code) = last.strip_prefix("[exit ").and_then(|r| r.strip_suffix(']'))
        && let Ok(code) = code.trim().parse()
    {
        return (code, lines);
    }
    (0, expected)
}

/// Whether `actual` output with exit status `code` is what `expected`
/// describes. Trailing whitespace of each line and trailing blank lines
/// are ignored.
pub(crate) fn output_matches(expected: &[String], actual: &str, code: i32) -> bool {
    let (want_code, lines) = expected_exit(expected);
    let mut got: Vec<&str> = actual.lines().map(str::trim_end).collect();
    while got.last().is_some_and(|l| l.is_empty()) {
        got.pop();
    }
    let want: Vec<&str> = lines.iter().map(|l| l.trim_end()).collect();
    want_code == code && lines_match(&want, &got)
}

/// `expected` against `actual`, line by line; a line `...` matches any
/// number of lines (none too).
fn lines_match(expected: &[&str], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((&"...", rest)) => {
            (0..=actual.len()).any(|skip| lines_match(rest, actual.get(skip..).unwrap_or_default()))
        }
        Some((pattern, rest)) => {
            actual.split_first().is_some_and(|(line, more)| line_matches(pattern, line) && lines_match(rest, more))
        }
    }
}

/// One line against a pattern where each `[..]` matches any text.
pub(crate) fn line_matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split("[..]").collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == line;
    };
    let Some(mut rest) = line.strip_prefix(first) else { return false };
    for part in middle {
        let Some(at) = rest.find(part) else { return false };
        rest = rest.get(at + part.len()..).unwrap_or_default();
    }
    rest.ends_with(last)
}
