// The desktop app's entry point; everything is in the library so tests can build the app with
// `tauri::test::mock_builder()`.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    latchkey_app::run();
}
