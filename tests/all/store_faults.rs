//! A store that cannot be written: the gateway says so clearly and does not
//! acknowledge the source (the file stays in the drop folder); once the store can
//! be written again, everything flows, once.

use crate::gateway::{Gateway, csv_rows, record_id_of_row};
use crate::helpers::wait_for;
use crate::niche::NicheSim;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A small tmpfs, for a real "disk full" and a real read-only file system.
/// `None` where mounting is not permitted.
struct Tmpfs {
    path: PathBuf,
}

impl Tmpfs {
    fn mount(path: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(path).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!(
                "cannot mount a tmpfs here: the real-file-system variant of this test is skipped"
            );
        }
        ok.then(|| Tmpfs {
            path: path.to_owned(),
        })
    }

    fn remount(&self, options: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.path)
            .status();
        assert!(ok.is_ok_and(|s| s.success()), "remount {options}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

fn assert_all_once(sim: &NicheSim, rows: usize) {
    let keys = sim.keys();
    let unique: HashSet<_> = keys.iter().cloned().collect();
    let expected: HashSet<_> = (0..rows).map(record_id_of_row).collect();
    assert_eq!(keys.len(), unique.len(), "an occurrence was created twice");
    assert!(unique == expected, "held {} of {} rows", unique.len(), rows);
}

#[test]
fn a_read_only_store_stops_start_up_with_a_clear_error_and_acknowledges_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let fs = Tmpfs::mount(&dir.path().join("ro"), "4m");
    let store = match &fs {
        Some(fs) => {
            fs.remount("ro");
            fs.path.join("bcgw.sqlite")
        }
        // Without mount: a store directory that cannot be created (its parent is a file).
        None => {
            std::fs::write(dir.path().join("not-a-dir"), "").unwrap();
            dir.path().join("not-a-dir/data/bcgw.sqlite")
        }
    };
    let mut gw = Gateway::new(dir.path(), &sim.url(), Some(&store), "");
    gw.drop_file("export.csv", &csv_rows(0, 10));
    let (status, _) = gw.run_until_idle(Duration::from_secs(60));
    assert_eq!(status.code(), Some(2));
    let logs = gw.logs();
    assert!(logs.contains("cannot open store"), "{logs}");
    assert!(
        logs.contains("not writable") || logs.contains("cannot create directory"),
        "{logs}"
    );
    assert!(
        gw.waiting("export.csv"),
        "the file must stay unacknowledged"
    );
    assert_eq!(sim.occurrences(), 0);
}

#[test]
fn a_full_store_leaves_files_unacknowledged_until_space_is_freed() {
    const ROWS: usize = 4000;
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let Some(fs) = Tmpfs::mount(&dir.path().join("small"), "32m") else {
        return;
    };
    let mut gw = Gateway::new(
        dir.path(),
        &sim.url(),
        Some(&fs.path.join("bcgw.sqlite")),
        "",
    );
    gw.start();
    wait_for("the store to be created", Duration::from_secs(30), || {
        fs.path.join("bcgw.sqlite").exists().then_some(())
    });
    // Fill the file system, leaving a little room: not enough for the export.
    let ballast = fs.path.join("ballast");
    let free = {
        let out = Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(&fs.path)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .parse::<u64>()
            .unwrap()
    };
    // The gateway may take a few pages between the measure and the write: if the
    // ballast then fills the disk to the last byte, it still does its job.
    match std::fs::write(
        &ballast,
        vec![0u8; (free.saturating_sub(96 * 1024)) as usize],
    ) {
        Err(e) if e.kind() != std::io::ErrorKind::StorageFull => panic!("ballast: {e}"),
        _ => {}
    }
    gw.drop_file("export.csv", &csv_rows(0, ROWS));
    gw.wait_for_log("is full", Duration::from_secs(30));
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        gw.waiting("export.csv"),
        "a file must not be acknowledged while the store is full"
    );
    assert!(gw.running(), "a full store must not crash the gateway");
    std::fs::remove_file(&ballast).unwrap();
    gw.wait(
        "the file to be acknowledged once space is freed",
        Duration::from_secs(60),
        || gw.done("export.csv"),
    );
    gw.wait("every row delivered", Duration::from_secs(120), || {
        sim.occurrences() == ROWS as u64
    });
    gw.kill9();
    assert_all_once(&sim, ROWS);
}

#[test]
fn a_store_size_limit_behaves_like_a_full_disk() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let mut gw = Gateway::new(dir.path(), &sim.url(), None, "");
    gw.env.push(("BCGW__STORE__MAX_SIZE_MB".into(), "1".into()));
    gw.drop_file("big.csv", &csv_rows(0, 20_000));
    gw.start();
    gw.wait_for_log("is full", Duration::from_secs(60));
    assert!(gw.waiting("big.csv"), "not acknowledged while full");
    assert!(gw.running());
    gw.kill9();
    // Raise the limit: the same file now goes through, once.
    gw.env.clear();
    let (status, _) = gw.run_until_idle(Duration::from_secs(300));
    assert!(status.success(), "{}", gw.logs());
    assert!(gw.done("big.csv"));
    assert_all_once(&sim, 20_000);
}
