//! Reading a config file safely, whatever its format, into one JSON-shaped value.
//!
//! Guards for hostile or broken files: a size cap (checked before reading), a nesting-depth
//! cap (checked before parsing, so deep nesting cannot overflow the stack), YAML alias budgets
//! (serde-saphyr's defaults stop "billion laughs"), and XML without DTD or entity expansion.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use super::model::Format;

/// Config files are small; anything larger is refused unread.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// No real config nests this deep.
pub const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub value: Value,
    /// Set when a strict-JSON file only parses leniently: the client itself will reject it.
    pub strict_violation: Option<String>,
}

/// Read `path`. `Ok(None)` when it does not exist; `Err` with a one-line reason otherwise.
pub fn read(path: &Path) -> Result<Option<String>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(describe_io(&e)),
    };
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{} MiB is too large for a config file; not read",
            meta.len() / (1024 * 1024)
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| describe_io(&e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err("grew too large while being read; not read".into());
    }
    let text = String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
    Ok(Some(
        text.strip_prefix('\u{feff}')
            .map(str::to_string)
            .unwrap_or(text),
    ))
}

fn describe_io(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(40) => "a symbolic link loop".into(), // ELOOP
        _ => match e.kind() {
            std::io::ErrorKind::PermissionDenied => "permission denied".into(),
            _ => e.to_string(),
        },
    }
}

pub fn parse(text: &str, format: Format) -> Result<Parsed, String> {
    match format {
        Format::Json | Format::Jsonc => {
            check_depth(text)?;
            parse_json(text, format == Format::Json)
        }
        Format::Toml => {
            check_depth(text)?;
            toml_edit::de::from_str::<Value>(text)
                .map(plain)
                .map_err(|e| format!("invalid TOML: {}", first_line(&e.to_string())))
        }
        Format::Yaml => serde_saphyr::from_str::<Value>(text)
            .map(plain)
            .map_err(|e| format!("invalid YAML: {}", first_line(&e.to_string()))),
        Format::Xml => super::jetbrains_xml::read(text, MAX_DEPTH).map(plain),
    }
}

fn plain(value: Value) -> Parsed {
    Parsed {
        value,
        strict_violation: None,
    }
}

fn parse_json(text: &str, strict: bool) -> Result<Parsed, String> {
    if text.trim().is_empty() {
        return Ok(plain(Value::Object(Default::default())));
    }
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return Ok(plain(v));
    }
    let lenient = jsonc_parser::ParseOptions::default();
    match jsonc_parser::parse_to_serde_value::<Value>(text, &lenient) {
        Ok(value) if strict => Ok(Parsed {
            value,
            strict_violation: Some("it has comments or trailing commas, which this client's strict JSON parser rejects".into()),
        }),
        Ok(value) => Ok(plain(value)),
        Err(e) => Err(format!("invalid JSON: {}", first_line(&e.to_string()))),
    }
}

/// Refuse nesting deeper than [`MAX_DEPTH`] before a recursive parser sees it.
fn check_depth(text: &str) -> Result<(), String> {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, None::<u8>, false);
    for &b in text.as_bytes() {
        if let Some(quote) = in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == quote {
                in_string = None;
            }
            continue;
        }
        match b {
            b'"' | b'\'' => in_string = Some(b),
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if max > MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} levels; not parsed"));
        }
    }
    Ok(())
}

fn first_line(s: &str) -> String {
    latchkey_base::text::sanitize_server_text(s.lines().next().unwrap_or(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_rows() {
        let rows: [(&str, &str, Format, bool, Option<bool>); 9] = [
            (
                "strict json",
                r#"{"a": 1}"#,
                Format::Json,
                true,
                Some(false),
            ),
            (
                "trailing comma in strict json",
                "{\"a\": 1,}",
                Format::Json,
                true,
                Some(true),
            ),
            (
                "comment in jsonc",
                "{ // hi\n \"a\": 1, }",
                Format::Jsonc,
                true,
                Some(false),
            ),
            ("broken json", "{\"a\": ", Format::Json, false, None),
            ("empty file", "  ", Format::Json, true, Some(false)),
            (
                "toml",
                "[mcp_servers.x]\ncommand = \"y\"",
                Format::Toml,
                true,
                Some(false),
            ),
            ("bad toml", "[mcp_servers.x\n", Format::Toml, false, None),
            (
                "yaml",
                "mcpServers:\n  - name: x\n    command: y\n",
                Format::Yaml,
                true,
                Some(false),
            ),
            ("bad yaml", "a: [1, 2\n", Format::Yaml, false, None),
        ];
        for (name, text, format, ok, violation) in rows {
            let got = parse(text, format);
            assert_eq!(got.is_ok(), ok, "{name}: {got:?}");
            if let (Ok(p), Some(v)) = (got, violation) {
                assert_eq!(p.strict_violation.is_some(), v, "{name}");
            }
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = parse(&deep, Format::Json).unwrap_err();
        assert!(err.contains("nested deeper"), "{err}");
        // Brackets inside strings do not count.
        assert!(
            parse(
                &format!("{{\"a\": \"{}\"}}", "[".repeat(1000)),
                Format::Json
            )
            .is_ok()
        );
    }

    #[test]
    fn yaml_billion_laughs_is_stopped() {
        let mut y = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for (i, c) in ('b'..='j').enumerate() {
            let prev = (b'a' + i as u8) as char;
            y.push_str(&format!("{c}: &{c} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
        }
        let started = std::time::Instant::now();
        let got = parse(&y, Format::Yaml);
        assert!(got.is_err(), "a billion laughs must not expand");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn read_refuses_large_files_and_reports_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(&dir.path().join("nope.json")), Ok(None));
        let big = dir.path().join("big.json");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap();
        assert!(read(&big).unwrap_err().contains("too large"));
        assert!(read(dir.path()).unwrap_err().contains("not a regular file"));
        #[cfg(unix)]
        {
            let a = dir.path().join("a");
            let b = dir.path().join("b");
            std::os::unix::fs::symlink(&b, &a).unwrap();
            std::os::unix::fs::symlink(&a, &b).unwrap();
            assert_eq!(read(&a).unwrap_err(), "a symbolic link loop");
        }
    }
}
