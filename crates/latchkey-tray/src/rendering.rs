//! How the window process draws when the machine has no GPU.
//!
//! Without a DRM render node (a virtual machine, a remote desktop, Xvfb) Mesa's only driver is
//! llvmpipe, which runs OpenGL on the CPU and compiles every shader with LLVM, so GL costs more
//! than it gives: GTK loads Mesa and libLLVM only to probe it, and WebKit's accelerated
//! compositing then draws every layer through it. Without a GPU the window process therefore
//! runs GTK without GL (`GDK_GL=disable`: WebKit draws without accelerated compositing, as it
//! did for years, logging "Disabled hardware acceleration because GTK failed to initialize GL")
//! and Skia paints on the CPU. On a 2-core machine under Xvfb a window process was painted
//! 624 → 490 and 674 → 446 ms after it started (CPU painting alone, then without GL too;
//! medians of two runs, benches/app/README.md). With a GPU nothing changes. A setting the
//! person made in their environment always wins.
//!
//! (WebKitGTK's WebDriver "Take Screenshot" never returns in the mode without accelerated
//! compositing (2.50.6), so the app's tests read their screenshots from the X server:
//! tests/support/window_shot.py.)

use std::path::Path;

/// WebKitGTK's switch for Skia's CPU painter (any value but "0" turns it on).
pub const CPU_RENDERING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// GDK's list of GL features; "disable" keeps GTK from GL, and so WebKit from accelerated
/// compositing (WebKit still opens an EGL display of its own: without one it aborts).
pub const GTK_GL: &str = "GDK_GL";

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

/// What to set: nothing with a GPU; without one, GTK without GL and Skia painting on the CPU,
/// each unless `is_set` says the person chose it already.
pub fn settings(
    render_node: bool,
    is_set: impl Fn(&str) -> bool,
) -> Vec<(&'static str, &'static str)> {
    if render_node {
        return Vec::new();
    }
    [(GTK_GL, "disable"), (CPU_RENDERING, "1")]
        .into_iter()
        .filter(|(name, _)| !is_set(name))
        .collect()
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
    fn without_a_gpu_gtk_leaves_gl_alone_and_webkit_paints_on_the_cpu() {
        assert_eq!(
            settings(false, |_| false),
            vec![
                ("GDK_GL", "disable"),
                ("WEBKIT_SKIA_ENABLE_CPU_RENDERING", "1")
            ]
        );
        assert_eq!(
            settings(false, |name| name == "WEBKIT_DISABLE_DMABUF_RENDERER"),
            vec![(GTK_GL, "disable"), (CPU_RENDERING, "1")],
            "whatever else is set"
        );
    }

    #[test]
    fn a_setting_the_person_made_is_never_overridden() {
        // `WEBKIT_SKIA_ENABLE_CPU_RENDERING=0` in their environment keeps the GPU painter;
        // `GDK_GL=gles` (or any value) keeps their choice of GL.
        assert_eq!(
            settings(false, |name| name == CPU_RENDERING),
            vec![(GTK_GL, "disable")]
        );
        assert_eq!(
            settings(false, |name| name == GTK_GL),
            vec![(CPU_RENDERING, "1")]
        );
        assert!(settings(false, |_| true).is_empty());
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
