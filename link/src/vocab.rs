//! Interned words: each distinct word is stored once and compared as a number,
//! which keeps a million reports' features small and comparisons fast.

use bcgw_sdk::schema::{Category, classify_offence};
use rustc_hash::FxHashMap;

/// Most offence wordings remembered ([`Vocab::offence_category`]): sources use a
/// few dozen, so this bounds memory without costing hits.
const MAX_REMEMBERED_WORDINGS: usize = 4096;

/// Most premises names remembered ([`Vocab::premises_name`]): a town's shops are
/// named a few ways each; the bound keeps a long-running linker's memory flat.
const MAX_REMEMBERED_NAMES: usize = 65_536;

/// A premises name as word ids: the chain, and the other words in order.
pub type PremisesIds = (Option<WordId>, Vec<WordId>);

/// A word's id.
pub type WordId = u32;

/// Per word, the answers comparisons need for every pair (so they are not
/// found again by string matching pair after pair).
#[derive(Debug, Clone, Copy)]
struct WordFlags {
    /// A store-format word.
    format: bool,
    /// A description trait naming a colour and an item.
    paired: bool,
}

impl WordFlags {
    fn of(word: &str) -> WordFlags {
        WordFlags {
            format: crate::normalize::premises::FORMAT_WORDS.contains(&word),
            paired: word.contains('-'),
        }
    }
}

/// The words seen so far, and in how many reports each premises word occurs (for
/// weighting rare words above common ones).
#[derive(Debug, Default, Clone)]
pub struct Vocab {
    ids: FxHashMap<String, WordId>,
    words: Vec<String>,
    /// What comparisons ask of each word, worked out once when it is first seen.
    flags: Vec<WordFlags>,
    premises_df: Vec<u32>,
    premises_docs: u32,
    /// Weights computed once the batch is complete ([`Vocab::freeze`]).
    frozen: Vec<f64>,
    /// Offence wordings already classified: every report carries one, and
    /// matching it against the keyword lists costs more than the rest of the row.
    categories: FxHashMap<String, Option<Category>>,
    /// Premises names already normalised: the same shop's name recurs in report
    /// after report, and recognising its chain is the costliest step of a row.
    premises_names: FxHashMap<String, PremisesIds>,
}

impl Vocab {
    /// The id of `word`, adding it if new.
    pub fn id(&mut self, word: &str) -> WordId {
        if let Some(&id) = self.ids.get(word) {
            return id;
        }
        let id = self.words.len() as WordId;
        self.words.push(word.to_string());
        self.flags.push(WordFlags::of(word));
        self.premises_df.push(0);
        self.ids.insert(word.to_string(), id);
        id
    }

    /// A raw premises name normalised ([`crate::normalize::premises::normalise`])
    /// to word ids, remembered (the same text always gets the same answer).
    pub fn premises_name(&mut self, raw: &str) -> PremisesIds {
        if let Some(known) = self.premises_names.get(raw) {
            return known.clone();
        }
        let name = crate::normalize::premises::normalise(raw);
        let ids = (
            name.chain.map(|c| self.id(c)),
            name.words.iter().map(|w| self.id(w)).collect(),
        );
        if self.premises_names.len() < MAX_REMEMBERED_NAMES {
            self.premises_names.insert(raw.to_string(), ids.clone());
        }
        ids
    }

    /// [`classify_offence`] of a short offence wording, remembered (the same
    /// text always gets the same answer).
    pub fn offence_category(&mut self, text: &str) -> Option<Category> {
        if let Some(&c) = self.categories.get(text) {
            return c;
        }
        let c = classify_offence(text);
        if self.categories.len() < MAX_REMEMBERED_WORDINGS {
            self.categories.insert(text.to_string(), c);
        }
        c
    }

    /// Whether `id` is a store-format word ("express", "metro": see
    /// [`crate::normalize::premises::FORMAT_WORDS`]).
    pub fn is_format_word(&self, id: WordId) -> bool {
        self.flags.get(id as usize).is_some_and(|f| f.format)
    }

    /// Whether `id` is a colour+item description trait ("blue-hoodie").
    pub fn is_paired_trait(&self, id: WordId) -> bool {
        self.flags.get(id as usize).is_some_and(|f| f.paired)
    }

    /// The word of an id.
    pub fn word(&self, id: WordId) -> &str {
        self.words.get(id as usize).map_or("", String::as_str)
    }

    /// Computes every premises weight once, for a batch whose counts will not change
    /// any more (comparisons then look weights up instead of computing logarithms).
    pub fn freeze(&mut self) {
        self.frozen = (0..self.words.len() as WordId)
            .map(|w| self.compute_weight(w))
            .collect();
    }

    /// Forgets every premises word count (the words themselves stay): the
    /// caller counts again over the reports it keeps.
    pub fn reset_premises_counts(&mut self) {
        self.frozen.clear();
        self.premises_docs = 0;
        self.premises_df.iter_mut().for_each(|df| *df = 0);
    }

    /// Counts one premises name's words for the rarity weights.
    pub fn count_premises(&mut self, words: &[WordId]) {
        self.frozen.clear();
        self.premises_docs += 1;
        for &w in words {
            if let Some(df) = self.premises_df.get_mut(w as usize) {
                *df += 1;
            }
        }
    }

    /// How much a premises word says: ln(1 + N / df), so a word on every other
    /// name ("bristol") weighs little and a branch name ("broadmead") a lot.
    pub fn premises_weight(&self, w: WordId) -> f64 {
        match self.frozen.get(w as usize) {
            Some(&weight) => weight,
            None => self.compute_weight(w),
        }
    }

    /// How many premises names have been counted.
    pub fn premises_names_counted(&self) -> u32 {
        self.premises_docs
    }

    /// The share of premises names containing `w` (0..1).
    pub fn premises_share(&self, w: WordId) -> f64 {
        let df = self.premises_df.get(w as usize).copied().unwrap_or(0) as f64;
        df / f64::from(self.premises_docs.max(1))
    }

    fn compute_weight(&self, w: WordId) -> f64 {
        let df = self
            .premises_df
            .get(w as usize)
            .copied()
            .unwrap_or(0)
            .max(1) as f64;
        (1.0 + f64::from(self.premises_docs.max(1)) / df).ln()
    }
}
