//! The HTML matrix laid out by headless Chromium at 900 and 1400 px: no
//! decider, service or layer name breaks across lines, a matrix wider than
//! the window scrolls inside its box (not the page), and every cell's
//! failing subjects are listed with links to rows that exist. Screenshots
//! are kept in the temporary folder (ONUS_KEEP_SCREENSHOTS=DIR copies them
//! there) for a person to look at.

use super::{check, root, run};
use libtest_mimic::Failed;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const PROBE: &str = include_str!("matrix_probe.js");

/// Four more services than the platform policy has: wider than 900 px.
const WIDE: &str = "use std\n\
service customer_analytics_warehouse: managed_database {}\n\
service partner_file_exchange: object_storage {}\n\
service batch_reporting_vms: iaas {}\n\
service event_ingest_functions: serverless {}\n";

pub fn matrix_layout(browser: &Path) -> Result<(), Failed> {
    let dir = std::env::temp_dir().join(format!("onus-layout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let wide = dir.join("wide.onus");
    std::fs::write(&wide, WIDE).map_err(|e| e.to_string())?;
    let platform = "tests/cases/matrix/lib/platform.onus";
    let pages = [
        ("platform", vec![platform.to_string()]),
        (
            "wide",
            vec![platform.to_string(), wide.display().to_string()],
        ),
    ];
    for (name, policies) in pages {
        let page = run(
            Command::new(env!("CARGO_BIN_EXE_onus"))
                .arg("matrix")
                .args(&policies)
                .args(["--facts", "tests/cases/matrix/lib/platform.json"])
                .args(["--now", "2026-11-22", "--format", "html"])
                .current_dir(root()),
            Duration::from_secs(60),
        )?;
        let html = String::from_utf8_lossy(&page.stdout).into_owned();
        check(
            !html.contains("<script"),
            format!("{name}: the page has no script"),
        )?;
        // Opened details, so the screenshots and the probe see the lists.
        let opened = html.replace(
            "<details class=\"subjects\">",
            "<details class=\"subjects\" open>",
        );
        let probed = opened.replace("<footer>", &format!("<script>{PROBE}</script>\n<footer>"));
        let shown = dir.join(format!("{name}.html"));
        let measured = dir.join(format!("{name}-probe.html"));
        std::fs::write(&shown, &opened).map_err(|e| e.to_string())?;
        std::fs::write(&measured, &probed).map_err(|e| e.to_string())?;
        for width in [900, 1400] {
            let png = dir.join(format!("{name}-{width}.png"));
            chromium(
                browser,
                &dir,
                width,
                &format!("--screenshot={}", png.display()),
                &shown,
            )?;
            let image = std::fs::read(&png).map_err(|e| format!("{name}: no screenshot: {e}"))?;
            check(
                image.starts_with(b"\x89PNG\r\n\x1a\n") && image.len() > 10_000,
                format!("{name} at {width} px: a real PNG"),
            )?;
            let dom = chromium(browser, &dir, width, "--dump-dom", &measured)?;
            let dom = String::from_utf8_lossy(&dom.stdout);
            let layout: Value = dom
                .split("<pre id=\"layout\">")
                .nth(1)
                .and_then(|rest| rest.split("</pre>").next())
                .and_then(|json| serde_json::from_str(&json.replace("&quot;", "\"")).ok())
                .ok_or_else(|| format!("{name} at {width} px: the probe did not run"))?;
            let at = format!("{name} at {width} px: {layout}");
            check(layout["width"] == width, format!("{at}: window width"))?;
            check(
                layout["broken"].as_array().is_some_and(Vec::is_empty),
                format!("{at}: a name breaks across lines"),
            )?;
            check(
                layout["page_scrolls"] == false,
                format!("{at}: the page scrolls sideways"),
            )?;
            // The platform's three failing or erring subjects, in cells.
            check(
                layout["subjects"] == 3,
                format!("{at}: failing subjects listed"),
            )?;
            check(
                layout["links"] == 3 && layout["dangling"] == 0,
                format!("{at}: links to control rows"),
            )?;
            let must_scroll = name == "wide" && width == 900;
            if must_scroll || width == 1400 && name == "platform" {
                check(
                    layout["matrix_scrolls"] == must_scroll,
                    format!("{at}: the matrix box scrolls only when it must"),
                )?;
            }
        }
    }
    if let Some(keep) = std::env::var_os("ONUS_KEEP_SCREENSHOTS") {
        let keep = Path::new(&keep);
        std::fs::create_dir_all(keep).map_err(|e| e.to_string())?;
        for entry in std::fs::read_dir(&dir)
            .map_err(|e| e.to_string())?
            .flatten()
        {
            if entry.path().extension().is_some_and(|e| e == "png") {
                let _ = std::fs::copy(entry.path(), keep.join(entry.file_name()));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Headless Chromium on one file at one window width.
fn chromium(
    browser: &Path,
    dir: &Path,
    width: u32,
    action: &str,
    page: &Path,
) -> Result<std::process::Output, Failed> {
    run(
        Command::new(browser)
            .args(["--headless", "--no-sandbox", "--disable-gpu"])
            .args([
                "--disable-background-networking",
                "--disable-component-update",
            ])
            .args(["--disable-sync", "--no-first-run"])
            .arg(format!("--window-size={width},1200"))
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .arg(action)
            .arg(format!("file://{}", page.display())),
        Duration::from_secs(90),
    )
}
