//! Problems found in a config: each with its dotted key and what to do. Parsing,
//! the generic checks and every source and sink kind add to one list, which
//! `bcgw check-config` prints and `bcgw run` refuses to start with.

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The gateway will not start (or will lose data) with this.
    Error,
    /// Works, but probably not what was meant.
    Warning,
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// How bad.
    pub level: Level,
    /// Dotted key path, e.g. `sources.northgate.plugin_sha256`.
    pub key: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        write!(f, "{level}: {}: {}", self.key, self.message)
    }
}

/// The problems found so far.
#[derive(Debug, Clone, Default)]
pub struct Problems(Vec<Problem>);

impl Problems {
    /// Adds an error: the gateway will not start with it.
    pub fn error(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            level: Level::Error,
            key: key.into(),
            message: message.into(),
        });
    }

    /// Adds a warning: it works, but probably not as meant.
    pub fn warn(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            level: Level::Warning,
            key: key.into(),
            message: message.into(),
        });
    }

    /// Errors found so far.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter().filter(|p| p.level == Level::Error)
    }

    /// True when nothing stops the gateway from starting.
    pub fn is_ok(&self) -> bool {
        self.errors().next().is_none()
    }

    /// Every problem, in the order found.
    pub fn into_vec(self) -> Vec<Problem> {
        self.0
    }

    /// Every problem, in the order found.
    pub fn as_slice(&self) -> &[Problem] {
        &self.0
    }
}
