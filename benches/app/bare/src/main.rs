// A bare Tauri window: the floor Latchkey's app is compared with (benches/app/README.md).
fn main() {
    let started = std::time::Instant::now();
    tauri::Builder::default()
        .setup(move |_| {
            eprintln!("bare window ready after {} ms", started.elapsed().as_millis());
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("bare tauri window");
}
