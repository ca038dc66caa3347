//! The desktop UI's TypeScript types, generated from the Rust types here so they are never
//! written twice. `ui/src/bindings.ts` is committed; the test below fails when it is stale and
//! rewrites it when run with `LATCHKEY_UPDATE_BINDINGS=1`.

use ts_rs::{Config, TS};

use super::config_findings::{ConfigFinding, FindingKind, Fix};
use super::detail::{GrantDetail, HistoryEntry, ServerDetail};
use super::needs_you::NeedsYou;
use super::problem::Problem;
use super::setup::{ClientFound, FileChange, FileDone, SetupDone, SetupView, SignInToDo};
use super::{AccountView, Overview, ScopeAccess, ScopeChip, ServerView, Status};
use crate::ErrorKind;
use crate::app_actions::{AdoptPlan, ConnectStep, ConnectUpdate, DeviceCodeShown, RevokePlan};
use crate::checkup::{Check, Checkup, Verdict};
use crate::disconnect::Revoked;
use crate::import::offer::ImportDone;

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

#[cfg(test)]
mod tests {
    #[test]
    fn ui_bindings_are_current() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings.ts");
        let want = super::typescript();
        if std::env::var_os("LATCHKEY_UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is stale: run `LATCHKEY_UPDATE_BINDINGS=1 cargo test -p latchkey-core bindings`",
            path.display()
        );
    }
}
