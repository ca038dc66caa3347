// Generates the app's context from ../tauri.conf.json, and one permission per command so the
// window's capability (capabilities/main.json) can allow exactly these and nothing else.
fn main() {
    const COMMANDS: &[&str] = &[
        "overview",
        "server_detail",
        "add_server",
        "connect",
        "open_again",
        "cancel_connect",
        "connect_with_code",
        "revoke_plan",
        "revoke",
        "refresh_all",
        "set_default_account",
        "forget_server",
        "get_autostart",
        "set_autostart",
        "adopt_plan",
        "adopt",
        "undo_adopt",
        "import_tokens",
        "checkup",
        "setup_plan",
        "setup_apply",
        "undo_setup",
        "setup_dismissed",
        "set_setup_dismissed",
        "take_connect_request",
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build");
}
