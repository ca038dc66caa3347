//! How the window process draws when the machine has no GPU.
//!
//! Without a DRM render node (a virtual machine, a remote desktop, Xvfb) Mesa's only driver is
//! llvmpipe, which runs OpenGL on the CPU and compiles every shader with LLVM, so WebKit's GPU
//! painter (Skia on GL) costs more than it gives: on a 2-core machine under Xvfb the window was
//! painted 847 and 706 ms after the tray's Open with it (medians of 9, two runs), 563 and 605 ms
//! with Skia painting on the CPU (benches/app/README.md). With a GPU nothing changes. A setting
//! the person made in their environment always wins.
//!
//! (GTK without GL, `GDK_GL=disable`, painted sooner still: in one session a left click's Open
//! 682 → 464 ms, the tray menu's 221 → 99 ms. But WebKit then turns its accelerated
//! compositing off ("Disabled hardware acceleration because GTK failed to initialize GL"), a
//! second rendering path, in which WebDriver's Take Screenshot never returns (WebKitGTK
//! 2.50.6: the real app's tests timed out there), so it is not set. See
//! benches/app/README.md.)

use std::path::Path;

/// WebKitGTK's switch for Skia's CPU painter (any value but "0" turns it on).
pub const CPU_RENDERING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// Where the kernel lists DRM devices; a GPU able to render has a `renderD<n>` node there.
pub const DRI: &str = "/dev/dri";

/// The environment the window process gets on this machine, beyond what it inherits.
pub fn window_env() -> Vec<(&'static str, &'static str)> {
    let env = settings(has_render_node(Path::new(DRI)), |name| {
        std::env::var_os(name).is_some()
    });
    if !env.is_empty() {
        tracing::info!("no GPU render node in {DRI}: the window paints on the CPU");
    }
    env
}

/// What to set: nothing with a GPU; without one, WebKit paints with Skia on the CPU, unless
/// `is_set` says the person chose how already.
pub fn settings(
    render_node: bool,
    is_set: impl Fn(&str) -> bool,
) -> Vec<(&'static str, &'static str)> {
    if render_node || is_set(CPU_RENDERING) {
        return Vec::new();
    }
    vec![(CPU_RENDERING, "1")]
}

/// Whether `dri` holds a render node. A directory that is missing or unreadable has none.
pub fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_a_gpu_the_window_process_inherits_everything_unchanged() {
        assert!(settings(true, |_| false).is_empty());
    }

    #[test]
    fn without_a_gpu_webkit_paints_on_the_cpu() {
        assert_eq!(
            settings(false, |_| false),
            vec![("WEBKIT_SKIA_ENABLE_CPU_RENDERING", "1")]
        );
        assert_eq!(
            settings(false, |name| name == "GDK_GL"),
            vec![(CPU_RENDERING, "1")],
            "whatever else is set"
        );
    }

    #[test]
    fn a_setting_the_person_made_is_never_overridden() {
        // `WEBKIT_SKIA_ENABLE_CPU_RENDERING=0` in their environment keeps the GPU painter.
        assert!(settings(false, |name| name == CPU_RENDERING).is_empty());
    }

    #[test]
    fn only_a_render_node_counts_as_a_gpu() {
        let dri = tempfile::tempdir().unwrap();
        assert!(!has_render_node(&dri.path().join("missing")));
        assert!(!has_render_node(dri.path()), "an empty /dev/dri");
        // A display controller alone (card0, as a virtual GPU without 3D has) renders nothing.
        std::fs::write(dri.path().join("card0"), "").unwrap();
        assert!(!has_render_node(dri.path()));
        std::fs::write(dri.path().join("renderD128"), "").unwrap();
        assert!(has_render_node(dri.path()));
    }
}
