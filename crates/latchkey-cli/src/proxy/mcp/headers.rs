//! The HTTP headers MCP 2026-07-28 puts on every request POST (SEP-2243): `Mcp-Method`,
//! `Mcp-Name` (the tool or prompt name, the resource URI), and `Mcp-Param-<Name>` for each tool
//! argument whose schema property carries `x-mcp-header: "<Name>"`. Values that are not plain
//! header text travel as `=?base64?<standard base64 with padding of the UTF-8>?=`.
//!
//! Also here: the rules that make an `x-mcp-header` annotation invalid. A tool with an invalid
//! one must be left out of the `tools/list` an HTTP client uses.

use base64::Engine;
use serde_json::Value;

/// The methods whose `Mcp-Name` header names what they act on, and where the name is.
pub fn name_of(method: &str, params: Option<&Value>) -> Option<String> {
    let key = match method {
        "tools/call" | "prompts/get" => "name",
        "resources/read" => "uri",
        _ => return None,
    };
    params?.get(key)?.as_str().map(str::to_string)
}

/// A header value for `text`: as it is when it is plain printable ASCII with no space at either
/// end (and does not look like an encoded value), else the base64 form.
pub fn header_value(text: &str) -> String {
    let plain = text.bytes().all(|b| (0x20..=0x7e).contains(&b))
        && text.trim() == text
        && !(text.starts_with("=?base64?") && text.ends_with("?="));
    if plain {
        text.to_string()
    } else {
        format!(
            "=?base64?{}?=",
            base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
        )
    }
}

/// One `x-mcp-header` annotation of a tool: the header name and the path of properties that
/// leads to the argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamHeader {
    pub name: String,
    pub path: Vec<String>,
}

/// The tool's `Mcp-Param-*` annotations, or why the tool must be left out (the spec's rules:
/// a non-empty RFC 9110 token, unique without regard to case, on a `string`, `integer` or
/// `boolean` property reachable through `properties` alone).
pub fn param_headers(input_schema: &Value) -> Result<Vec<ParamHeader>, String> {
    let mut found = Vec::new();
    collect(input_schema, &mut Vec::new(), true, &mut found)?;
    let mut seen = std::collections::HashSet::new();
    for h in &found {
        if !seen.insert(h.name.to_ascii_lowercase()) {
            return Err(format!("x-mcp-header \"{}\" is used twice", h.name));
        }
    }
    Ok(found)
}

fn collect(
    schema: &Value,
    path: &mut Vec<String>,
    root: bool,
    out: &mut Vec<ParamHeader>,
) -> Result<(), String> {
    let Some(obj) = schema.as_object() else {
        return Ok(());
    };
    if let Some(annotation) = obj.get("x-mcp-header") {
        if root {
            return Err("x-mcp-header on the input schema itself".into());
        }
        let name = annotation
            .as_str()
            .ok_or_else(|| "an x-mcp-header value that is not a string".to_string())?;
        if name.is_empty() {
            return Err("an empty x-mcp-header".into());
        }
        if !name.bytes().all(is_tchar) {
            return Err(format!(
                "x-mcp-header \"{}\" is not a header name",
                name.escape_default()
            ));
        }
        match obj.get("type").and_then(Value::as_str) {
            Some("string" | "integer" | "boolean") => {}
            other => {
                return Err(format!(
                    "x-mcp-header \"{name}\" is on a property of type {}; only string, integer and boolean can be headers",
                    other.unwrap_or("(none)")
                ));
            }
        }
        out.push(ParamHeader {
            name: name.to_string(),
            path: path.clone(),
        });
    }
    // Annotations are honoured only along `properties`; anywhere else they make the tool
    // invalid (their value cannot be found statically).
    for (key, value) in obj {
        match key.as_str() {
            "properties" => {
                if let Some(props) = value.as_object() {
                    for (prop, sub) in props {
                        path.push(prop.clone());
                        collect(sub, path, false, out)?;
                        path.pop();
                    }
                }
            }
            "x-mcp-header" => {}
            _ => {
                if contains_annotation(value) {
                    return Err(format!(
                        "an x-mcp-header inside \"{key}\", which is not reachable through properties"
                    ));
                }
            }
        }
    }
    Ok(())
}

fn contains_annotation(v: &Value) -> bool {
    match v {
        Value::Object(o) => o
            .iter()
            .any(|(k, v)| k == "x-mcp-header" || contains_annotation(v)),
        Value::Array(a) => a.iter().any(contains_annotation),
        _ => false,
    }
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The `Mcp-Param-*` headers for a call with `arguments`: absent and null arguments send none.
pub fn param_values(headers: &[ParamHeader], arguments: Option<&Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for h in headers {
        let mut v = arguments;
        for key in &h.path {
            v = v.and_then(|x| x.get(key));
        }
        let text = match v {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) => s.clone(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::Number(n)) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => i.to_string(),
                (_, Some(u), _) => u.to_string(),
                (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 => {
                    (f as i64).to_string()
                }
                _ => continue,
            },
            Some(_) => continue,
        };
        out.push((format!("Mcp-Param-{}", h.name), header_value(&text)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_plain_or_base64_as_the_spec_says() {
        let rows = [
            ("us-west1", "us-west1"),
            ("us west 1", "us west 1"),
            ("", ""),
            ("Hello, 世界", "=?base64?SGVsbG8sIOS4lueVjA==?="),
            (" padded ", "=?base64?IHBhZGRlZCA=?="),
            ("line1\nline2", "=?base64?bGluZTEKbGluZTI=?="),
            ("=?base64?literal?=", "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="),
            ("\tindented", "=?base64?CWluZGVudGVk?="),
            ("line1\r\nline2", "=?base64?bGluZTENCmxpbmUy?="),
        ];
        for (text, want) in rows {
            assert_eq!(header_value(text), want, "{text:?}");
        }
    }

    #[test]
    fn invalid_annotations_are_named() {
        let tool = |prop: Value| json!({"type": "object", "properties": {"p": prop}});
        let rows = [
            (
                "valid string",
                tool(json!({"type": "string", "x-mcp-header": "Region"})),
                None,
            ),
            (
                "empty",
                tool(json!({"type": "string", "x-mcp-header": ""})),
                Some("empty"),
            ),
            (
                "object",
                tool(json!({"type": "object", "x-mcp-header": "O"})),
                Some("type object"),
            ),
            (
                "array",
                tool(json!({"type": "array", "x-mcp-header": "A"})),
                Some("type array"),
            ),
            (
                "null",
                tool(json!({"type": "null", "x-mcp-header": "N"})),
                Some("type null"),
            ),
            (
                "number",
                tool(json!({"type": "number", "x-mcp-header": "F"})),
                Some("type number"),
            ),
            (
                "space",
                tool(json!({"type": "string", "x-mcp-header": "My Region"})),
                Some("not a header name"),
            ),
            (
                "colon",
                tool(json!({"type": "string", "x-mcp-header": "a:b"})),
                Some("not a header name"),
            ),
            (
                "non-ascii",
                tool(json!({"type": "string", "x-mcp-header": "Région"})),
                Some("not a header name"),
            ),
            (
                "control",
                tool(json!({"type": "string", "x-mcp-header": "Region\t1"})),
                Some("not a header name"),
            ),
            (
                "in items",
                tool(json!({"type": "array", "items": {"type": "string", "x-mcp-header": "I"}})),
                Some("inside \"items\""),
            ),
            (
                "in oneOf",
                json!({"type": "object", "oneOf": [{"properties": {"a": {"type": "string", "x-mcp-header": "A"}}}]}),
                Some("inside \"oneOf\""),
            ),
        ];
        for (name, schema, want) in rows {
            match (param_headers(&schema), want) {
                (Ok(_), None) => {}
                (Err(e), Some(w)) => assert!(e.contains(w), "{name}: {e}"),
                (got, want) => panic!("{name}: {got:?} vs {want:?}"),
            }
        }
        let dup = json!({"type": "object", "properties": {
            "a": {"type": "string", "x-mcp-header": "MyField"},
            "b": {"type": "string", "x-mcp-header": "myfield"}}});
        assert!(param_headers(&dup).unwrap_err().contains("twice"));
    }

    #[test]
    fn arguments_become_headers_and_nulls_none() {
        let schema = json!({"type": "object", "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "priority": {"type": "integer", "x-mcp-header": "Priority"},
            "verbose": {"type": "boolean", "x-mcp-header": "Verbose"},
            "nested": {"type": "object", "properties": {"deep": {"type": "string", "x-mcp-header": "Deep"}}},
            "query": {"type": "string"}}});
        let headers = param_headers(&schema).unwrap();
        let got = param_values(
            &headers,
            Some(
                &json!({"region": " eu ", "priority": 42, "verbose": null, "nested": {"deep": "x"}, "query": "q"}),
            ),
        );
        let mut got: Vec<_> = got.into_iter().collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                ("Mcp-Param-Deep".to_string(), "x".to_string()),
                ("Mcp-Param-Priority".to_string(), "42".to_string()),
                (
                    "Mcp-Param-Region".to_string(),
                    "=?base64?IGV1IA==?=".to_string()
                ),
            ]
        );
        assert_eq!(
            name_of("tools/call", Some(&json!({"name": "t"}))).as_deref(),
            Some("t")
        );
        assert_eq!(
            name_of("resources/read", Some(&json!({"uri": "file:///a b"}))).as_deref(),
            Some("file:///a b")
        );
        assert_eq!(name_of("tools/list", None), None);
    }
}
