//! Finds a priority in an utterance ("it's urgent", "high priority", "no rush") and takes its
//! words.
//!
//! Phrases that name a priority ("high priority", "asap", "no rush") always count. Adjectives
//! ("urgent", "important", "critical") count only where they describe the task rather than a
//! word of its title: at the end of a clause ("call mom, it's urgent"), after "it's"/"make it"
//! ("make it urgent"), or before "task" ("an urgent task to …"). So "send the urgent email" keeps
//! its title. A bare level ("low", "high") counts only when editing or listing ("change the
//! priority of #4 to low").

use super::words::Sentence;

/// A task priority, as the tools spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Priority {
    Low,
    Medium,
    High,
}

impl Priority {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    /// Reads a priority as the tools spell it.
    pub(super) fn parse(text: &str) -> Option<Self> {
        match text {
            "low" => Some(Self::Low),
            "medium" => Some(Self::Medium),
            "high" => Some(Self::High),
            _ => None,
        }
    }
}

/// Where the utterance is being read, which decides whether a bare "low"/"high" is a priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Add,
    Edit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Always a priority.
    Phrase,
    /// A priority where it describes the task (see the module docs).
    Adjective,
    /// A bare level, only in [`Mode::Edit`].
    Level,
}

use Kind::{Adjective, Level, Phrase};
use Priority::{High, Low, Medium};

/// Longer phrases first, negations before what they negate.
const PATTERNS: &[(&[&str], Priority, Kind)] = &[
    (&["as", "soon", "as", "possible"], High, Phrase),
    (&["when", "i", "have", "time"], Low, Phrase),
    (&["whenever", "i", "can"], Low, Phrase),
    (&["whenever", "possible"], Low, Phrase),
    (&["not", "that", "urgent"], Low, Phrase),
    (&["isnt", "that", "urgent"], Low, Phrase),
    (&["isnt", "urgent"], Low, Phrase),
    (&["isnt", "important"], Low, Phrase),
    (&["arent", "urgent"], Low, Phrase),
    (&["no", "longer", "urgent"], Low, Phrase),
    (&["not", "urgent"], Low, Phrase),
    (&["not", "important"], Low, Phrase),
    (&["no", "rush"], Low, Phrase),
    (&["no", "hurry"], Low, Phrase),
    (&["low", "priority"], Low, Phrase),
    (&["lowest", "priority"], Low, Phrase),
    (&["priority", "low"], Low, Phrase),
    (&["low", "prio"], Low, Phrase),
    (&["medium", "priority"], Medium, Phrase),
    (&["normal", "priority"], Medium, Phrase),
    (&["regular", "priority"], Medium, Phrase),
    (&["priority", "medium"], Medium, Phrase),
    (&["priority", "normal"], Medium, Phrase),
    (&["high", "priority"], High, Phrase),
    (&["highest", "priority"], High, Phrase),
    (&["top", "priority"], High, Phrase),
    (&["urgent", "priority"], High, Phrase),
    (&["priority", "high"], High, Phrase),
    (&["high", "prio"], High, Phrase),
    (&["right", "away"], High, Phrase),
    (&["low-priority"], Low, Phrase),
    (&["medium-priority"], Medium, Phrase),
    (&["high-priority"], High, Phrase),
    (&["whenever"], Low, Phrase),
    (&["someday"], Low, Phrase),
    (&["asap"], High, Phrase),
    (&["urgently"], High, Phrase),
    (&["urgent"], High, Adjective),
    (&["important"], High, Adjective),
    (&["critical"], High, Adjective),
    (&["low"], Low, Level),
    (&["medium"], Medium, Level),
    (&["normal"], Medium, Level),
    (&["high"], High, Level),
];

/// Words that lead into a priority and go with it ("make it urgent", "with high priority").
const LEAD_INS: &[&str] = &[
    "its", "it", "is", "this", "thats", "make", "mark", "marked", "set", "as", "with", "a", "an",
    "very", "super", "really", "so", "quite", "and", "priority", "to",
];

/// Words after which an adjective is about the task.
const COPULAS: &[&str] = &[
    "its", "is", "it", "as", "make", "mark", "very", "super", "really", "so", "quite", "an",
];

/// Words before which an adjective is about the task.
const TASK_NOUNS: &[&str] = &[
    "task", "tasks", "todo", "todos", "reminder", "item", "items", "stuff", "things", "ones", "one",
];

/// Words that may follow an adjective at the end of a clause.
const CLAUSE_TAILS: &[&str] = &[
    "and", "please", "by", "on", "due", "before", "today", "tonight", "tomorrow", "priority",
];

/// Finds a priority among the free tokens of `s` and takes its words with their lead-ins.
pub(super) fn extract_priority(s: &mut Sentence, mode: Mode) -> Option<Priority> {
    for i in 0..s.len() {
        let hit = PATTERNS.iter().find(|(phrase, _, kind)| {
            s.matches(i, phrase) && accepts(s, i, phrase.len(), *kind, mode)
        });
        if let Some((phrase, priority, _)) = hit {
            s.take(i, i + phrase.len());
            s.take_before(i, LEAD_INS);
            return Some(*priority);
        }
    }
    None
}

fn accepts(s: &Sentence, i: usize, len: usize, kind: Kind, mode: Mode) -> bool {
    let end = i + len;
    let clause_end =
        end >= s.len() || s.ends_clause(end - 1) || CLAUSE_TAILS.contains(&s.word(end));
    let after_copula = i > 0 && COPULAS.contains(&s.word(i - 1));
    let before_noun = TASK_NOUNS.contains(&s.word(end));
    match kind {
        Phrase => true,
        Adjective => clause_end || after_copula || before_noun,
        Level => {
            mode == Mode::Edit
                && (clause_end
                    || before_noun
                    || (i > 0 && matches!(s.word(i - 1), "to" | "as" | "priority")))
        }
    }
}
