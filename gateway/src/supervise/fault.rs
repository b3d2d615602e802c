//! Debug builds only: makes a named stage panic at its Nth progress, so the
//! tests can prove what a panic releases and that the stage comes back.
//! `BCGW_TEST_PANIC="sink:niche@3,link@2"`: each named stage panics once, at
//! that progress report; `link@2+` panics at every report from the second on.
//! Release builds (the packages) have none of this.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// The variable naming the stages to fail.
pub const VARIABLE: &str = "BCGW_TEST_PANIC";

/// Per stage: the progress report to panic at, whether it panics again after,
/// and whether it has.
type Plan = HashMap<String, (u64, bool, bool)>;

static PLAN: OnceLock<Mutex<Plan>> = OnceLock::new();

fn plan() -> &'static Mutex<Plan> {
    PLAN.get_or_init(|| {
        let text = std::env::var(VARIABLE).unwrap_or_default();
        let plan = text
            .split(',')
            .filter_map(|item| {
                let (stage, at) = item.trim().rsplit_once('@')?;
                let (at, again) = match at.strip_suffix('+') {
                    Some(at) => (at, true),
                    None => (at, false),
                };
                Some((stage.to_string(), (at.parse().ok()?, again, false)))
            })
            .collect();
        Mutex::new(plan)
    })
}

/// Panics if `stage` is planned to fail at its `count`th progress report and
/// has not yet.
pub(super) fn at_progress(stage: &str, count: u64) {
    let fire = {
        let mut plan = plan().lock().unwrap_or_else(|p| p.into_inner());
        match plan.get_mut(stage) {
            Some((at, again, done)) if (*again || !*done) && count >= *at => {
                *done = true;
                true
            }
            _ => false,
        }
    };
    if fire {
        panic!("{VARIABLE}: {stage} fails at progress {count}");
    }
}
