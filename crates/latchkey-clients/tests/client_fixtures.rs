//! The scan against real-world-shaped fixture homes for every client
//! (tests/fixtures/clients, described by its MANIFEST.json): every file Latchkey is expected to
//! read is found, with the servers and findings the manifest lists, the shared remote servers
//! merge, no fake secret's value appears in the output, and every broken or hostile file is a
//! clear finding, never a crash.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use latchkey_clients::paths::{Os, PlatformDirs};
use latchkey_clients::scan::{Scan, scan};
use latchkey_clients::{Finding, Transport};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clients")
}

fn manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("MANIFEST.json")).unwrap())
        .unwrap()
}

/// Copy `src` to `dst`, replacing `@PROJECT@` with `project`.
fn copy_tree(src: &Path, dst: &Path, project: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap().flatten() {
        let (from, to) = (entry.path(), dst.join(entry.file_name()));
        if from.is_dir() {
            copy_tree(&from, &to, project);
        } else {
            let bytes = std::fs::read(&from).unwrap();
            let text = String::from_utf8(bytes.clone())
                .map(|t| t.replace("@PROJECT@", project.to_str().unwrap()));
            std::fs::write(&to, text.map(String::into_bytes).unwrap_or(bytes)).unwrap();
        }
    }
}

fn linux_scan() -> (tempfile::TempDir, Scan) {
    let tmp = tempfile::tempdir().unwrap();
    let (home, project) = (tmp.path().join("home"), tmp.path().join("project"));
    copy_tree(&fixtures().join("linux/home"), &home, &project);
    copy_tree(&fixtures().join("linux/project"), &project, &project);
    let result = scan(&PlatformDirs::for_home(Os::Linux, &home), &[project]);
    (tmp, result)
}

fn transport_name(t: Transport) -> &'static str {
    match t {
        Transport::Stdio => "stdio",
        Transport::StreamableHttp => "http",
        Transport::Sse => "sse",
        Transport::Unknown => "unknown",
    }
}

/// The manifest keeps field names as written (`envs.X`, `http_headers.Y`); the scan names the
/// place the same way for every client (`env.X`, `headers.Y`).
fn normalise_at(at: &str) -> String {
    for (from, to) in [
        ("envs.", "env."),
        ("environment.", "env."),
        ("http_headers.", "headers."),
    ] {
        if let Some(rest) = at.strip_prefix(from) {
            return format!("{to}{rest}");
        }
    }
    at.to_string()
}

#[test]
fn every_expected_linux_file_server_and_finding_is_found() {
    let (tmp, result) = linux_scan();
    let mut problems = Vec::new();
    for file in manifest()["files"].as_array().unwrap() {
        let (os, root) = (file["os"].as_str().unwrap(), file["root"].as_str().unwrap());
        let skip = file.get("optional").and_then(Value::as_bool) == Some(true)
            || file.get("client_reads_file").and_then(Value::as_bool) == Some(false)
            || file.get("requires_env").is_some_and(|v| !v.is_null());
        if os != "linux" || !matches!(root, "home" | "project") || skip {
            continue;
        }
        let path = tmp
            .path()
            .join(root)
            .join(file["rel_path"].as_str().unwrap());
        let Some(report) = result.files.iter().find(|f| f.path == path) else {
            problems.push(format!("not read: {}", file["path"]));
            continue;
        };
        let ours: BTreeSet<(String, String)> = report
            .servers
            .iter()
            .map(|s| (s.name.clone(), transport_name(s.transport).to_string()))
            .collect();
        for s in file["servers"].as_array().unwrap() {
            let want = (
                s["name"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| s["name"].to_string()),
                // No transport (a Zed extension configured only by `settings`): "unknown".
                Some(s["transport"].as_str().unwrap_or_default())
                    .filter(|t| !t.is_empty())
                    .unwrap_or("unknown")
                    .to_string(),
            );
            if !ours.contains(&want) {
                problems.push(format!(
                    "{}: missing server {want:?} (have {ours:?})",
                    file["path"]
                ));
            }
        }
        let mut our_findings: Vec<String> =
            report.findings.iter().map(|f| format!("{f:?}")).collect();
        for s in &report.servers {
            our_findings.extend(s.findings.iter().map(|f| format!("{}: {f:?}", s.name)));
        }
        // No false alarms: every secret reported is one the manifest expects.
        let expected: BTreeSet<(String, String)> = file["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["kind"] == "plaintext_secret")
            .map(|f| {
                (
                    f["server"].as_str().unwrap_or_default().to_string(),
                    normalise_at(f["at"].as_str().unwrap_or_default()),
                )
            })
            .collect();
        for s in &report.servers {
            for x in &s.findings {
                if let Finding::PlaintextSecret { at, looks_like } = x
                    && !expected.contains(&(s.name.clone(), at.clone()))
                {
                    problems.push(format!(
                        "{}: false alarm {}/{at} ({looks_like})",
                        file["path"], s.name
                    ));
                }
            }
        }
        for f in file["findings"].as_array().into_iter().flatten() {
            let server = f["server"].as_str().unwrap_or_default();
            let found = match f["kind"].as_str().unwrap() {
                "plaintext_secret" => {
                    let at = normalise_at(f["at"].as_str().unwrap());
                    report.servers.iter().any(|s| {
                        s.name == server
                            && s.findings.iter().any(
                                |x| matches!(x, Finding::PlaintextSecret { at: a, .. } if *a == at),
                            )
                    })
                }
                "mcp_remote_wrapper" => report.servers.iter().any(|s| {
                    s.name == server
                        && s.findings
                            .iter()
                            .any(|x| matches!(x, Finding::McpRemoteWrapper { .. }))
                }),
                "plain_http" => report.servers.iter().any(|s| {
                    s.name == server
                        && s.findings
                            .iter()
                            .any(|x| matches!(x, Finding::PlainHttp { .. }))
                }),
                "client_will_reject" => report
                    .findings
                    .iter()
                    .any(|x| matches!(x, Finding::ClientWillReject { .. })),
                other => {
                    problems.push(format!("unknown finding kind {other}"));
                    true
                }
            };
            if !found {
                problems.push(format!(
                    "{}: missing finding {f} (have {our_findings:?})",
                    file["path"]
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The macOS and Windows fixture homes, scanned with those OSes' path rules on this machine:
/// every file the manifest marks as read by the client is found, with its servers.
#[test]
fn macos_and_windows_homes_are_found_by_their_path_rules() {
    let m = manifest();
    let mut problems = Vec::new();
    for (os_name, os) in [("macos", Os::Macos), ("windows", Os::Windows)] {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        copy_tree(&fixtures().join(os_name).join("home"), &home, tmp.path());
        let result = scan(&PlatformDirs::for_home(os, &home), &[]);
        for file in m["files"].as_array().unwrap() {
            let skip = file.get("optional").and_then(Value::as_bool) == Some(true)
                || file.get("client_reads_file").and_then(Value::as_bool) == Some(false)
                || file.get("requires_env").is_some_and(|v| !v.is_null());
            if file["os"] != os_name || file["root"] != "home" || skip {
                continue;
            }
            let path = home.join(file["rel_path"].as_str().unwrap());
            match result.files.iter().find(|f| f.path == path) {
                None => problems.push(format!("not read: {}", file["path"])),
                Some(report) => {
                    for s in file["servers"].as_array().unwrap() {
                        let name = s["name"].as_str().unwrap_or_default();
                        if !report.servers.iter().any(|x| x.name == name) {
                            problems.push(format!("{}: missing server {name}", file["path"]));
                        }
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn no_fake_secret_value_appears_in_the_output() {
    let (_tmp, result) = linux_scan();
    let json = serde_json::to_string(&result).unwrap();
    let values = manifest()["fake_secret_values"].clone();
    let values: Vec<String> = match values {
        Value::Object(m) => m
            .values()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Value::Array(a) => a
            .iter()
            .filter_map(|v| {
                v.as_str()
                    .or(v.get("value").and_then(Value::as_str))
                    .map(str::to_string)
            })
            .collect(),
        _ => vec![],
    };
    assert!(!values.is_empty());
    for v in values {
        assert!(
            !json.contains(&v),
            "a fake secret's value reached the output: {}…",
            &v[..8.min(v.len())]
        );
    }
}

#[test]
fn shared_remote_servers_merge_into_one() {
    let (_tmp, result) = linux_scan();
    let m = manifest();
    let unread: BTreeSet<String> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f.get("optional").and_then(Value::as_bool) == Some(true)
                || f.get("requires_env").is_some_and(|v| !v.is_null())
        })
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    for group in m["merge_groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["os"] == "linux")
    {
        let url = group["url"].as_str().unwrap();
        let key = latchkey_base::url_policy::canonical_resource(url).unwrap();
        let Some(server) = result.servers.iter().find(|s| s.key == key) else {
            panic!("no merged server for {url}");
        };
        let ours: BTreeSet<String> = server
            .used_by
            .iter()
            .map(|u| format!("{:?}", u.client).to_lowercase())
            .collect();
        for occurrence in group["occurrences"].as_array().unwrap() {
            let path = occurrence["path"].as_str().unwrap();
            if unread.contains(path) || path.starts_with("linux/system/") {
                continue; // optional, needs an environment variable, or under /etc (not copied)
            }
            let want = occurrence["client"].as_str().unwrap().replace('_', "");
            assert!(ours.contains(&want), "{url}: {want} missing from {ours:?}");
        }
    }
}

#[test]
fn broken_and_hostile_files_are_findings_never_crashes() {
    use latchkey_clients::model::{Format, Layout, Location};
    use latchkey_clients::{ClientId, scan::read_location};
    let dir = fixtures().join("broken");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let tmp = tempfile::tempdir().unwrap();
    // Made at test time: a 50 MB file and a symlink loop.
    let big = tmp.path().join("huge.json");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(50 * 1024 * 1024)
        .unwrap();
    files.push(big);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(tmp.path().join("b.json"), tmp.path().join("a.json")).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("a.json"), tmp.path().join("b.json")).unwrap();
        files.push(tmp.path().join("a.json"));
    }
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (format, layout) = match path.extension().and_then(|e| e.to_str()) {
            Some("toml") => (Format::Toml, Layout::CodexTables),
            Some("yaml" | "yml") => (Format::Yaml, Layout::ContinueList),
            Some("xml") => (Format::Xml, Layout::JetbrainsXml),
            _ => (Format::Json, Layout::McpServers),
        };
        let location = Location {
            client: ClientId::Cursor,
            scope: "user",
            path: path.clone(),
            format,
            layout,
        };
        let started = std::time::Instant::now();
        let reports = read_location(&location);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{name} took too long"
        );
        for r in reports {
            let text = format!("{:?}", r.findings);
            // Either read (possibly with entries of odd types) or one clear reason why not.
            assert!(
                r.findings.iter().all(
                    |f| matches!(f, Finding::Unreadable { reason } if !reason.is_empty())
                        || matches!(f, Finding::ClientWillReject { .. })
                ),
                "{name}: {text}"
            );
            assert!(
                !text.contains("root:x"),
                "{name}: an external entity was expanded"
            );
        }
    }
}

/// Issue 4's rewrite round trips: every finding in the fixture home that Latchkey offers to fix
/// is planned on a fresh copy; read again by the client's own parser, the file has the same
/// servers except that entry, which now starts `latchkey` and has no finding of that kind left.
/// Every format (JSON, JSONC, TOML, YAML, XML) is among them.
#[test]
fn every_fixable_finding_rewrites_only_its_entry_in_every_format() {
    use latchkey_clients::fixes;
    use latchkey_clients::model::Format;
    use latchkey_clients::{parse, schema};

    let (_tmp, result) = linux_scan();
    let mut formats = BTreeSet::new();
    let mut adopted = 0;
    for file in &result.files {
        for server in &file.servers {
            for finding in &server.findings {
                let Some(action) = fixes::action_for(file, server, finding) else {
                    continue;
                };
                let edit = fixes::plan(file, &server.name, action)
                    .unwrap_or_else(|e| panic!("{} / {}: {e}", file.path.display(), server.name));
                let servers_of = |text: &str| {
                    let parsed = parse::parse(text, file.format).unwrap();
                    assert!(
                        parsed.strict_violation.is_none()
                            || parse::parse(&edit.original, file.format)
                                .unwrap()
                                .strict_violation
                                .is_some(),
                        "{}: a strict-JSON file stays strict",
                        file.path.display()
                    );
                    schema::servers(&parsed.value, file.layout).unwrap()
                };
                let (before, after) = (servers_of(&edit.original), servers_of(&edit.new_text));
                assert_eq!(before.len(), after.len(), "{}", file.path.display());
                for (b, a) in before.iter().zip(&after) {
                    if b.name != server.name || b.project != server.project {
                        assert_eq!(
                            b,
                            a,
                            "{}: only {} changes",
                            file.path.display(),
                            server.name
                        );
                        continue;
                    }
                    assert_eq!(a.command.as_deref(), Some("latchkey"), "{}", a.name);
                    assert!(
                        !a.findings.contains(finding),
                        "{} in {}: {finding:?} is gone",
                        a.name,
                        file.path.display()
                    );
                }
                for (_, value) in &edit.secrets {
                    assert!(
                        !edit.new_text.contains(value.expose()),
                        "the value left the file"
                    );
                }
                formats.insert(match file.format {
                    Format::Json => "json",
                    Format::Jsonc => "jsonc",
                    Format::Toml => "toml",
                    Format::Yaml => "yaml",
                    Format::Xml => "xml",
                });
                adopted += 1;
            }
        }
    }
    assert_eq!(
        formats.into_iter().collect::<Vec<_>>(),
        ["json", "jsonc", "toml", "xml", "yaml"],
        "every format is exercised"
    );
    assert!(adopted >= 10, "only {adopted} fixes planned");
}
