//! The window's commands: each a thin call into `latchkey_core::actions` or the overview.
//! Errors reach the window as a [`Problem`] (plain words plus the technical detail). No command
//! returns a token: the types sent are metadata only.

use latchkey_core::actions::{self, AdoptPlan, ConnectStep, ConnectUpdate, RevokePlan};
use latchkey_core::checkup::Checkup;
use latchkey_core::disconnect::Revoked;
use latchkey_core::import::offer::ImportDone;
use latchkey_core::overview::config_findings::Fix;
use latchkey_core::overview::detail::{self, ServerDetail};
use latchkey_core::overview::problem::Problem;
use latchkey_core::overview::setup::{SetupDone, SetupView};
use latchkey_core::overview::{Overview, ServerView};
use latchkey_core::{Error, url_policy};
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::AppState;
use crate::live;

type CmdResult<T> = Result<T, Problem>;

fn problem(e: Error) -> Problem {
    Problem::from(&e)
}

/// The URL as the store keys it; a URL typed by hand may differ in case or trailing slash.
fn canonical(url: &str) -> CmdResult<String> {
    url_policy::canonical_resource(url.trim()).map_err(|e| problem(e.into()))
}

#[tauri::command]
pub fn overview(state: State<'_, AppState>) -> CmdResult<Overview> {
    state.follow.overview().map_err(problem)
}

#[tauri::command]
pub fn server_detail(
    state: State<'_, AppState>,
    url: String,
    grant_id: Option<i64>,
) -> CmdResult<ServerDetail> {
    let url = canonical(&url)?;
    let view = state
        .follow
        .overview()
        .map_err(problem)?
        .servers
        .into_iter()
        .find(|s| s.url == url)
        .ok_or_else(|| problem(Error::InvalidInput(format!("no server {url} is listed"))))?;
    detail::build(state.lk(), view, grant_id, 100).map_err(problem)
}

#[tauri::command]
pub async fn add_server<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    url: String,
) -> CmdResult<ServerView> {
    let mut view = actions::add_server(state.lk(), &url)
        .await
        .map_err(problem)?;
    view.clients = state.follow.clients_using(&view.url);
    live::changed(&app);
    Ok(view)
}

/// Runs the whole sign-in; the steps go to the window as `connect-progress` events and the
/// final one is also the result.
#[tauri::command]
pub async fn connect<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    url: String,
    another_account: Option<bool>,
) -> CmdResult<ConnectUpdate> {
    let key = canonical(&url)?;
    let Some(session) = state.begin_session(&key) else {
        return Err(problem(Error::InvalidInput(
            "a sign-in to this server is already in progress: finish it in the browser, or cancel it".into(),
        )));
    };
    let emitter = app.clone();
    let emit = move |u: ConnectUpdate| {
        let _ = emitter.emit("connect-progress", u);
    };
    let last = actions::connect(
        state.lk(),
        &url,
        another_account.unwrap_or(false),
        &session,
        &emit,
    )
    .await;
    state.end_session(&key);
    if last.step != ConnectStep::Failed {
        live::changed(&app);
    }
    Ok(last)
}

/// A Connect the person asked for outside the window (a notification's Connect button), for
/// the window to start as if its own button had been clicked; `None` when there is none.
#[tauri::command]
pub fn take_connect_request(state: State<'_, AppState>) -> Option<String> {
    state.take_connect_request()
}

#[tauri::command]
pub fn open_again(state: State<'_, AppState>, url: String) -> CmdResult<()> {
    let key = canonical(&url)?;
    match state.session(&key) {
        Some(s) => s.open_again().map_err(problem),
        None => Err(problem(Error::InvalidInput(
            "no sign-in to this server is in progress".into(),
        ))),
    }
}

#[tauri::command]
pub fn cancel_connect(state: State<'_, AppState>, url: String) -> CmdResult<()> {
    let key = canonical(&url)?;
    if let Some(s) = state.session(&key) {
        s.cancel();
    }
    Ok(())
}

/// "Use a code instead": the Connect in progress leaves the browser and shows a code to enter
/// on another device (RFC 8628).
#[tauri::command]
pub fn connect_with_code(state: State<'_, AppState>, url: String) -> CmdResult<()> {
    let key = canonical(&url)?;
    if let Some(s) = state.session(&key) {
        s.use_code();
    }
    Ok(())
}

#[tauri::command]
pub fn revoke_plan(
    state: State<'_, AppState>,
    url: String,
    grant_id: Option<i64>,
) -> CmdResult<RevokePlan> {
    actions::revoke_plan(state.lk(), &url, grant_id).map_err(problem)
}

#[tauri::command]
pub async fn revoke<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    url: String,
    grant_id: Option<i64>,
) -> CmdResult<Revoked> {
    let outcome = actions::revoke(state.lk(), &url, grant_id)
        .await
        .map_err(problem)?;
    live::changed(&app);
    Ok(outcome)
}

#[tauri::command]
pub async fn refresh_all(state: State<'_, AppState>) -> CmdResult<()> {
    state.follow.refresh_all().await
}

#[tauri::command]
pub fn set_default_account<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    url: String,
    grant_id: i64,
) -> CmdResult<()> {
    actions::set_default_account(state.lk(), &url, grant_id).map_err(problem)?;
    live::changed(&app);
    Ok(())
}

#[tauri::command]
pub fn forget_server<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    url: String,
) -> CmdResult<()> {
    actions::forget_server(state.lk(), &url).map_err(problem)?;
    live::changed(&app);
    Ok(())
}

/// The scan the window's findings came from: a fix only ever touches a file in it.
fn scan(state: &AppState) -> CmdResult<std::sync::Arc<latchkey_core::clients::scan::Scan>> {
    state.follow.scan().ok_or_else(|| {
        problem(Error::InvalidInput(
            "the MCP clients' config files have not been read yet; try again in a moment".into(),
        ))
    })
}

#[tauri::command]
pub async fn adopt_plan(
    state: State<'_, AppState>,
    file: String,
    entry: String,
    fix: Fix,
) -> CmdResult<AdoptPlan> {
    let scan = scan(&state)?;
    actions::adopt_plan(state.lk(), &scan, &file, &entry, fix)
        .await
        .map_err(problem)
}

/// Make the fix the person confirmed: the backup's id.
#[tauri::command]
pub async fn adopt<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    file: String,
    entry: String,
    fix: Fix,
) -> CmdResult<i64> {
    let scan = scan(&state)?;
    let id = actions::adopt(state.lk(), &scan, &file, &entry, fix)
        .await
        .map_err(problem)?;
    live::rescan_now(&app);
    Ok(id)
}

/// Import the sign-ins of the token cache at `file` (or revoke them), as `latchkey import`
/// does: the outcome's words and the backups its Undo puts back (with `undo_setup`).
#[tauri::command]
pub async fn import_tokens<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    file: String,
    revoke_instead: bool,
) -> CmdResult<ImportDone> {
    let scan = scan(&state)?;
    let done = latchkey_core::import::offer::run(state.lk(), &scan, &file, revoke_instead)
        .await
        .map_err(problem);
    live::rescan_now(&app);
    live::changed(&app);
    done
}

/// The checkup of a server's sign-in (`latchkey doctor <url>`), for its Details when it does
/// not connect: one line per check with the spec section it rests on.
#[tauri::command]
pub async fn checkup(state: State<'_, AppState>, url: String) -> CmdResult<Checkup> {
    latchkey_core::checkup::run_for(state.lk(), &url)
        .await
        .map_err(problem)
}

/// Undo a fix from the window ("Undo" on its outcome): the id of the backup of what it replaced.
#[tauri::command]
pub async fn undo_adopt<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: i64,
) -> CmdResult<i64> {
    let undo = actions::undo_adopt(state.lk(), id).await.map_err(problem)?;
    live::rescan_now(&app);
    Ok(undo)
}

/// The first-run pass as the setup view shows it: nothing is written.
#[tauri::command]
pub async fn setup_plan(state: State<'_, AppState>) -> CmdResult<SetupView> {
    let scan = scan(&state)?;
    let (view, _) = actions::setup_plan(state.lk(), &scan)
        .await
        .map_err(problem)?;
    Ok(view)
}

/// Make the changes the person saw (`fingerprint` says which), file by file.
#[tauri::command]
pub async fn setup_apply<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    fingerprint: String,
) -> CmdResult<SetupDone> {
    let scan = scan(&state)?;
    let done = actions::setup_apply(state.lk(), &scan, &fingerprint)
        .await
        .map_err(problem)?;
    live::rescan_now(&app);
    Ok(done)
}

/// Undo the whole pass: every backup it made put back.
#[tauri::command]
pub async fn undo_setup<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    backups: Vec<i64>,
) -> CmdResult<Vec<i64>> {
    let undone = actions::undo_setup(state.lk(), &backups)
        .await
        .map_err(problem);
    live::rescan_now(&app);
    undone
}

/// Whether the person said "Not now" to the setup view.
#[tauri::command]
pub fn setup_dismissed(state: State<'_, AppState>) -> CmdResult<bool> {
    state.lk().store().setup_dismissed().map_err(problem)
}

#[tauri::command]
pub fn set_setup_dismissed(state: State<'_, AppState>, dismissed: bool) -> CmdResult<()> {
    state
        .lk()
        .store()
        .set_setup_dismissed(dismissed)
        .map_err(problem)
}

#[tauri::command]
pub fn get_autostart<R: Runtime>(app: AppHandle<R>) -> CmdResult<bool> {
    crate::autostart::enabled(&app).map_err(problem)
}

#[tauri::command]
pub fn set_autostart<R: Runtime>(app: AppHandle<R>, enabled: bool) -> CmdResult<()> {
    crate::autostart::set(&app, enabled).map_err(problem)
}
