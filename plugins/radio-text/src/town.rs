//! The town from an MQTT topic: `shopnet/{town}/alerts` against `shopnet/bristol/alerts`.

/// One level of a topic template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Level {
    /// Must equal the topic's level.
    Literal(String),
    /// `+`: any one level.
    Any,
    /// `{town}`: any one non-empty level, which is the town.
    Town,
    /// `#` (last only): any number of remaining levels, including none.
    Rest,
}

/// A checked `town_from_topic` template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicTemplate {
    levels: Vec<Level>,
}

impl TopicTemplate {
    /// Parses a template; the reason says what is wrong with it.
    pub fn parse(template: &str) -> Result<TopicTemplate, String> {
        let parts: Vec<&str> = template.split('/').collect();
        let mut levels = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            levels.push(match *part {
                "+" => Level::Any,
                "{town}" => Level::Town,
                "#" if i + 1 == parts.len() => Level::Rest,
                p if p.contains(['+', '#', '{', '}']) => {
                    return Err(format!(
                        "level '{p}' mixes wildcards with text; a level is text, +, # (last) or {{town}}"
                    ));
                }
                p => Level::Literal(p.to_string()),
            });
        }
        if levels.iter().filter(|l| **l == Level::Town).count() != 1 {
            return Err("must contain the level {town} exactly once".into());
        }
        Ok(TopicTemplate { levels })
    }

    /// The town level of `topic`, if the topic matches the template.
    pub fn town<'t>(&self, topic: &'t str) -> Option<&'t str> {
        let parts: Vec<&str> = topic.split('/').collect();
        let mut town = None;
        for (i, level) in self.levels.iter().enumerate() {
            if *level == Level::Rest {
                return town;
            }
            let part = parts.get(i)?;
            match level {
                Level::Literal(l) if l != part => return None,
                Level::Town if part.trim().is_empty() => return None,
                Level::Town => town = Some(part.trim()),
                _ => {}
            }
        }
        (parts.len() == self.levels.len()).then_some(town).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::TopicTemplate;

    #[test]
    fn the_town_level_is_read_and_wildcards_match() {
        let t = TopicTemplate::parse("shopnet/{town}/alerts").unwrap();
        assert_eq!(t.town("shopnet/bristol/alerts"), Some("bristol"));
        assert_eq!(t.town("shopnet/bristol/acks"), None);
        assert_eq!(t.town("shopnet/bristol/alerts/x"), None);
        assert_eq!(t.town("shopnet//alerts"), None);
        let t = TopicTemplate::parse("+/{town}/#").unwrap();
        assert_eq!(t.town("radio/bath/alerts/raw"), Some("bath"));
        assert_eq!(t.town("radio/bath"), Some("bath"));
        assert_eq!(t.town("radio"), None);
    }

    #[test]
    fn bad_templates_are_refused() {
        assert!(TopicTemplate::parse("shopnet/alerts").is_err());
        assert!(TopicTemplate::parse("{town}/{town}").is_err());
        assert!(TopicTemplate::parse("shop+/{town}").is_err());
        assert!(TopicTemplate::parse("#/{town}").is_err());
    }
}
