//! Why a line cannot be read by vocabulary.

use bcgw_sdk::schema::Category;

/// Why a line cannot be read by vocabulary. The reasons never quote the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unreadable {
    /// Too many words to read (bounded work).
    TooLong(&'static str),
    /// No time of day.
    NoTime,
    /// Nothing is left for the premises.
    NoPremises,
    /// The words left for the premises are in two or more places.
    Scattered,
    /// Words beside neither the known premises nor another part.
    Unplaced,
    /// Colour words on both sides of where the premises would end.
    Boundary,
    /// Offence phrases of two categories.
    Offences(Category, Category),
    /// Two genders or two ages: more than one person.
    People(&'static str),
    /// No offence phrase, and the built-in pattern does not read the last word as one.
    NoOffence,
    /// The built-in pattern of this name reads the line otherwise, plausibly.
    TwoWays(String),
}

impl Unreadable {
    /// The reason, for the reject.
    pub fn reason(&self) -> String {
        match self {
            Unreadable::TooLong(why) => (*why).into(),
            Unreadable::NoTime => "no time of day (e.g. 14:03) in it".into(),
            Unreadable::NoPremises => "no words are left for the premises".into(),
            Unreadable::Scattered => "the words left for the premises are in more than one place (add the premises to known_premises, or write a pattern)".into(),
            Unreadable::Boundary => "it is unclear where the premises ends and the description begins (add the premises to known_premises)".into(),
            Unreadable::Unplaced => "some words are neither the known premises nor offence, description or movement".into(),
            Unreadable::Offences(a, b) => format!("it names offences of two categories ({a} and {b})"),
            Unreadable::People(what) => format!("it describes more than one person (two {what})"),
            Unreadable::NoOffence => "no offence word it knows (add it to offences, or write a pattern)".into(),
            Unreadable::TwoWays(name) => format!("it reads two ways (the built-in pattern {name} places premises, offence or person otherwise); add known_premises or write a pattern"),
        }
    }
}
