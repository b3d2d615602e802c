//! Topic names and filters: checked in config, matched for templates.

/// Why a topic filter is not valid, if it is not (MQTT 3.1.1 §4.7).
pub fn filter_problem(filter: &str) -> Option<&'static str> {
    if filter.is_empty() {
        return Some("empty");
    }
    if filter.contains('\0') {
        return Some("contains a NUL character");
    }
    let levels: Vec<&str> = filter.split('/').collect();
    for (i, level) in levels.iter().enumerate() {
        if level.contains('#') && (*level != "#" || i + 1 != levels.len()) {
            return Some("'#' must be a whole level and the last one");
        }
        if level.contains('+') && *level != "+" {
            return Some("'+' must be a whole level");
        }
    }
    None
}

/// Why a topic name (for publishing) is not valid, if it is not.
pub fn name_problem(topic: &str) -> Option<&'static str> {
    if topic.is_empty() {
        return Some("empty");
    }
    if topic.contains(['+', '#', '\0']) {
        return Some("a topic to publish to cannot contain '+', '#' or NUL");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        for ok in ["a/b", "shopnet/+/alerts", "#", "a/#", "+", "+/+/x"] {
            assert_eq!(filter_problem(ok), None, "{ok}");
        }
        for bad in ["", "a/#/b", "a#", "a/b+", "x/+y/z"] {
            assert!(filter_problem(bad).is_some(), "{bad}");
        }
        assert!(name_problem("shopnet/bristol/acks").is_none());
        assert!(name_problem("shopnet/+/acks").is_some());
    }
}
