//! The desktop UI's TypeScript types, generated from the Rust types here so they are never
//! written twice. `ui/src/bindings.ts` is committed; the test below fails when it is stale and
//! rewrites it when run with `LATCHKEY_UPDATE_BINDINGS=1`.

use ts_rs::{Config, TS};

use crate::ErrorKind;
use crate::actions::{AdoptPlan, ConnectStep, ConnectUpdate, DeviceCodeShown, RevokePlan};
use crate::checkup::{Check, Checkup, Verdict};
use crate::disconnect::Revoked;
use crate::import::offer::ImportDone;
use crate::overview::config_findings::{ConfigFinding, FindingKind, Fix};
use crate::overview::detail::{GrantDetail, HistoryEntry, ServerDetail};
use crate::overview::needs_you::NeedsYou;
use crate::overview::problem::Problem;
use crate::overview::setup::{ClientFound, FileChange, FileDone, SetupDone, SetupView, SignInToDo};
use crate::overview::{AccountView, Overview, ScopeAccess, ScopeChip, ServerView, Status};

/// Every type the shell sends to the UI, in one file.
pub fn typescript() -> String {
    let cfg = Config::new().with_large_int("number");
    let decls = [
        Overview::decl(&cfg),
        ServerView::decl(&cfg),
        AccountView::decl(&cfg),
        ScopeChip::decl(&cfg),
        ScopeAccess::decl(&cfg),
        Status::decl(&cfg),
        ServerDetail::decl(&cfg),
        GrantDetail::decl(&cfg),
        HistoryEntry::decl(&cfg),
        Problem::decl(&cfg),
        ErrorKind::decl(&cfg),
        ConnectStep::decl(&cfg),
        ConnectUpdate::decl(&cfg),
        DeviceCodeShown::decl(&cfg),
        RevokePlan::decl(&cfg),
        Revoked::decl(&cfg),
        ConfigFinding::decl(&cfg),
        FindingKind::decl(&cfg),
        NeedsYou::decl(&cfg),
        Fix::decl(&cfg),
        AdoptPlan::decl(&cfg),
        ImportDone::decl(&cfg),
        Checkup::decl(&cfg),
        Check::decl(&cfg),
        Verdict::decl(&cfg),
        SetupView::decl(&cfg),
        ClientFound::decl(&cfg),
        FileChange::decl(&cfg),
        SignInToDo::decl(&cfg),
        SetupDone::decl(&cfg),
        FileDone::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from crates/latchkey-core/src/overview (ts-rs). Do not edit: run\n\
         // `LATCHKEY_UPDATE_BINDINGS=1 cargo test -p latchkey-core bindings` after changing them.\n",
    );
    for d in decls {
        out.push('\n');
        out.push_str("export ");
        out.push_str(d.trim());
        out.push('\n');
    }
    out
}

/// The status words the window's pill and `latchkey list` share: each status at several
/// distances in time, with [`Status::sentence`]'s words. `ui/src/lib/status-words.json` holds
/// them and the UI's test checks its `pillText` says the same (under a minute the window says
/// "in under a minute", as it re-renders once a minute; these cases start at a minute).
pub fn status_words() -> String {
    let at = 1_800_000_000;
    let mut cases = Vec::new();
    for delta in [90, 42 * 60, 2 * 3600 + 5 * 60, 3 * 86_400, -180, -86_400] {
        for refreshes_automatically in [true, false] {
            cases.push(Status::Connected {
                expires_at: Some(at + delta),
                refreshes_automatically,
            });
        }
    }
    cases.extend([
        Status::Connected {
            expires_at: None,
            refreshes_automatically: true,
        },
        Status::Expired,
        Status::NeedsReconnect {
            reason: Some("invalid_grant".into()),
        },
        Status::NotConnected,
        Status::Refreshing,
        Status::NoSignInNeeded,
    ]);
    let rows: Vec<serde_json::Value> = cases
        .iter()
        .map(|s| serde_json::json!({ "status": s, "now": at, "words": s.sentence(at) }))
        .collect();
    let mut out = serde_json::to_string_pretty(&rows).expect("serialises");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    /// `ui/src/lib/<file>` holds `want`; rewritten with `LATCHKEY_UPDATE_BINDINGS=1`.
    fn ui_file_is_current(file: &str, want: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../ui/src")
            .join(file);
        if std::env::var_os("LATCHKEY_UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is stale: run `LATCHKEY_UPDATE_BINDINGS=1 cargo test -p latchkey-core bindings`",
            path.display()
        );
    }

    #[test]
    fn ui_bindings_are_current() {
        ui_file_is_current("bindings.ts", &super::typescript());
    }

    #[test]
    fn ui_status_words_are_current() {
        ui_file_is_current("lib/status-words.json", &super::status_words());
    }
}
