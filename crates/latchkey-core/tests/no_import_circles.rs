//! No two modules import each other (issue 14): in every crate of the workspace, for each pair
//! of sibling modules (files or folders under the same parent), at most one names the other.
//! A circle means neither can be read, tested or moved without the other; the fix is to move the
//! shared piece down (a type into `protocol/`, a helper into `latchkey-base`), never to merge.
//!
//! Read from the sources: `crate::a::b`, `crate::{a, ...}` and `super::a` paths in code (not in
//! comments, strings or `#[cfg(test)]` parts), each counted as an edge between the two
//! siblings it crosses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;

type ModPath = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module a file is (`a/b.rs` and `a/b/mod.rs` are both `a::b`; the crate root is none).
fn module_of(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: ModPath = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The code of a file without comments, string contents and its test module.
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    let strings = Regex::new(r#""(?:[^"\\]|\\.)*""#).unwrap();
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| strings.replace_all(l, "\"\"").into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each crate's sibling-module edges: (from, to).
fn edges(src: &Path) -> (BTreeSet<ModPath>, BTreeMap<ModPath, BTreeSet<ModPath>>) {
    let crate_group = Regex::new(r"crate::\{([^}]*)\}").unwrap();
    let crate_path = Regex::new(r"crate::([a-z_][a-z_0-9]*(?:::[a-z_][a-z_0-9]*)*)").unwrap();
    let super_path = Regex::new(r"\bsuper::([a-z_][a-z_0-9]*)").unwrap();
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut known = BTreeSet::new();
    let mut out: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for file in &files {
        let module = module_of(src, file);
        known.insert(module.clone());
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        let mut named: Vec<ModPath> = Vec::new();
        for group in crate_group.captures_iter(&code) {
            for item in group[1].split(',') {
                let item = item.trim();
                if item.starts_with(|c: char| c.is_ascii_lowercase()) {
                    named.push(item.split("::").map(str::to_string).collect());
                }
            }
        }
        for path in crate_path.captures_iter(&code) {
            named.push(path[1].split("::").map(str::to_string).collect());
        }
        // `super` is the module's parent, whether the module is a file or a folder's mod.rs.
        let parent: ModPath = module[..module.len().saturating_sub(1)].to_vec();
        for sup in super_path.captures_iter(&code) {
            let mut p = parent.clone();
            p.push(sup[1].to_string());
            named.push(p);
        }
        for target in named {
            // The first level where the two paths part: those two siblings.
            if let Some(depth) = (0..module.len())
                .find(|&d| target.len() > d && target[..d] == module[..d] && target[d] != module[d])
            {
                out.entry(module[..=depth].to_vec())
                    .or_default()
                    .insert(target[..=depth].to_vec());
            }
        }
    }
    (known, out)
}

#[test]
fn no_two_modules_import_each_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let sources: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .flatten()
        .map(|e| e.path().join("src"))
        .chain([root.join("src-tauri/src")])
        .filter(|p| p.is_dir())
        .collect();
    assert!(sources.len() >= 6, "the workspace's crates: {sources:?}");
    let mut circles = Vec::new();
    let mut edge_count = 0;
    for src in &sources {
        let (known, edges) = edges(src);
        edge_count += edges.values().map(BTreeSet::len).sum::<usize>();
        for (from, tos) in &edges {
            for to in tos {
                if from < to
                    && known.contains(to)
                    && edges.get(to).is_some_and(|b| b.contains(from))
                {
                    circles.push(format!(
                        "{}: {} <-> {}",
                        src.display(),
                        from.join("::"),
                        to.join("::")
                    ));
                }
            }
        }
    }
    assert!(
        edge_count > 100,
        "the reading found the imports ({edge_count} edges)"
    );
    assert!(
        circles.is_empty(),
        "modules that import each other:\n{}",
        circles.join("\n")
    );
}

#[test]
fn a_circle_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("a")).unwrap();
    std::fs::write(src.join("lib.rs"), "pub mod a;\npub mod b;\n").unwrap();
    std::fs::write(src.join("a/mod.rs"), "pub mod x;\n").unwrap();
    std::fs::write(src.join("a/x.rs"), "use crate::{Error, b::Thing};\n").unwrap();
    std::fs::write(
        src.join("b.rs"),
        "// crate::c is a comment\nuse crate::a::x::Other;\n#[cfg(test)]\nmod t { use crate::c; }\n",
    )
    .unwrap();
    let (_, edges) = edges(src);
    let a = vec!["a".to_string()];
    let b = vec!["b".to_string()];
    assert!(
        edges[&a].contains(&b) && edges[&b].contains(&a),
        "{edges:?}"
    );
    assert!(
        !edges[&b].iter().any(|t| t[0] == "c"),
        "comments and tests do not count"
    );
}
