//! The command words an utterance can start with, and which kind of request each begins.
//! Longer phrases come before shorter ones that share their first word.

use super::words::Sentence;
use Kind::{
    Add, Complete, Delete, DidI, List, Mark, Question, Redo, Reopen, Search, StatusWord, Undo,
    Update, When,
};

/// The command an utterance starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Add,
    List,
    /// "find", "search for": the rest is the search.
    Search,
    /// "what …", "which …": a listing if it is about tasks.
    Question,
    Complete,
    Reopen,
    Delete,
    Update,
    /// "mark", "set", "make": complete, reopen or update depending on the rest.
    Mark,
    /// "completed", "finished", "done" first: a listing ("done tasks") or a completion
    /// ("done 3", "finished the report").
    StatusWord,
    /// "undo that", "put it back" (the last turn's changes reverted), "undo 3" (reopen).
    Undo,
    /// "redo", "undo the undo": the last undo reverted.
    Redo,
    /// "when is the dentist due?"
    When,
    /// "did I already add …?", "did I finish …?"
    DidI,
}

const VERBS: &[(&[&str], Kind)] = &[
    // Adding.
    (&["remind", "me", "to"], Add),
    (&["remind", "me", "about"], Add),
    (&["remind", "me"], Add),
    (&["dont", "let", "me", "forget", "to"], Add),
    (&["dont", "forget", "to"], Add),
    (&["remember", "to"], Add),
    (&["i", "need", "to"], Add),
    (&["i", "have", "to"], Add),
    (&["i", "must"], Add),
    (&["i", "should"], Add),
    (&["i", "gotta"], Add),
    (&["ive", "got", "to"], Add),
    (&["i", "got", "to"], Add),
    (&["need", "to"], Add),
    (&["have", "to"], Add),
    (&["gotta"], Add),
    (&["note", "to", "self"], Add),
    (&["jot", "down"], Add),
    (&["write", "down"], Add),
    (&["make", "a", "new", "task"], Add),
    (&["make", "a", "task"], Add),
    (&["make", "a", "todo"], Add),
    (&["make", "a", "reminder"], Add),
    (&["set", "a", "reminder", "to"], Add),
    (&["set", "a", "reminder", "for"], Add),
    (&["set", "a", "reminder"], Add),
    // Undoing ("put it back" before "put").
    (&["undo", "the", "undo"], Redo),
    (&["undo", "that", "undo"], Redo),
    (&["undo", "your", "undo"], Redo),
    (&["redo"], Redo),
    (&["put", "it", "back"], Undo),
    (&["put", "them", "back"], Undo),
    (&["put", "that", "back"], Undo),
    (&["put", "those", "back"], Undo),
    (&["bring", "it", "back"], Undo),
    (&["bring", "them", "back"], Undo),
    (&["revert", "that"], Undo),
    (&["revert", "it"], Undo),
    (&["revert"], Undo),
    (&["add"], Add),
    (&["create"], Add),
    (&["new"], Add),
    (&["insert"], Add),
    (&["put"], Add),
    (&["schedule"], Add),
    (&["stick"], Add),
    (&["pop"], Add),
    // Reopening.
    (&["i", "didnt", "finish"], Reopen),
    (&["i", "havent", "finished"], Reopen),
    (&["i", "didnt", "do"], Reopen),
    (&["reopen"], Reopen),
    (&["re-open"], Reopen),
    (&["uncomplete"], Reopen),
    (&["unmark"], Reopen),
    (&["uncheck"], Reopen),
    (&["untick"], Reopen),
    (&["undo"], Undo),
    // Completing.
    (&["i", "finished"], Complete),
    (&["i", "completed"], Complete),
    (&["i", "did"], Complete),
    (&["i", "have", "done"], Complete),
    (&["i", "have", "finished"], Complete),
    (&["i", "have", "completed"], Complete),
    (&["ive", "done"], Complete),
    (&["ive", "finished"], Complete),
    (&["ive", "completed"], Complete),
    (&["i", "am", "done", "with"], Complete),
    (&["im", "done", "with"], Complete),
    (&["im", "finished", "with"], Complete),
    (&["just", "finished"], Complete),
    (&["just", "did"], Complete),
    (&["finished", "with"], Complete),
    (&["done", "with"], Complete),
    (&["tick", "off"], Complete),
    (&["check", "off"], Complete),
    (&["cross", "off"], Complete),
    (&["cross", "out"], Complete),
    (&["knock", "off"], Complete),
    (&["tick"], Complete),
    (&["complete"], Complete),
    (&["finish"], Complete),
    (&["close"], Complete),
    (&["completed"], StatusWord),
    (&["finished"], StatusWord),
    (&["done"], StatusWord),
    (&["mark"], Mark),
    (&["flag"], Mark),
    (&["set"], Mark),
    (&["make"], Mark),
    // Deleting.
    (&["i", "dont", "need", "to"], Delete),
    (&["i", "no", "longer", "need", "to"], Delete),
    (&["no", "need", "to"], Delete),
    (&["get", "rid", "of"], Delete),
    (&["throw", "away"], Delete),
    (&["throw", "out"], Delete),
    (&["clean", "up"], Delete),
    (&["clean", "out"], Delete),
    (&["clear", "out"], Delete),
    (&["forget", "about"], Delete),
    (&["delete"], Delete),
    (&["del"], Delete),
    (&["remove"], Delete),
    (&["rm"], Delete),
    (&["drop"], Delete),
    (&["erase"], Delete),
    (&["cancel"], Delete),
    (&["trash"], Delete),
    (&["scrap"], Delete),
    (&["discard"], Delete),
    (&["ditch"], Delete),
    (&["clear"], Delete),
    (&["purge"], Delete),
    (&["wipe"], Delete),
    (&["forget"], Delete),
    (&["bin"], Delete),
    (&["scratch"], Delete),
    (&["nuke"], Delete),
    (&["axe"], Delete),
    // Updating.
    (&["push", "back"], Update),
    (&["bring", "forward"], Update),
    (&["rename"], Update),
    (&["tag"], Update),
    (&["label"], Update),
    (&["untag"], Update),
    (&["stop", "repeating"], Update),
    (&["skip"], Update),
    (&["repeat"], Update),
    (&["change"], Update),
    (&["update"], Update),
    (&["edit"], Update),
    (&["modify"], Update),
    (&["move"], Update),
    (&["push"], Update),
    (&["postpone"], Update),
    (&["reschedule"], Update),
    (&["delay"], Update),
    (&["defer"], Update),
    (&["bump"], Update),
    (&["snooze"], Update),
    (&["prioritize"], Update),
    (&["prioritise"], Update),
    (&["deprioritize"], Update),
    (&["deprioritise"], Update),
    (&["extend"], Update),
    (&["raise"], Update),
    (&["increase"], Update),
    (&["lower"], Update),
    (&["decrease"], Update),
    (&["reduce"], Update),
    (&["shift"], Update),
    (&["adjust"], Update),
    // Questions about one task.
    (&["whens"], When),
    (&["when"], When),
    (&["did", "i"], DidI),
    (&["have", "i", "already"], DidI),
    // Listing.
    (&["how", "many"], List),
    (&["do", "i", "have"], List),
    (&["have", "i"], List),
    (&["is", "there"], List),
    (&["are", "there"], List),
    (&["give", "me"], List),
    (&["pull", "up"], List),
    (&["bring", "up"], List),
    (&["open", "my"], List),
    (&["tell", "me"], List),
    (&["check", "my"], List),
    (&["get", "my"], List),
    (&["look", "for"], Search),
    (&["look", "up"], Search),
    (&["search", "for"], Search),
    (&["search"], Search),
    (&["find"], Search),
    (&["show"], List),
    (&["list"], List),
    (&["display"], List),
    (&["view"], List),
    (&["see"], List),
    (&["print"], List),
    (&["any"], List),
    (&["anything"], List),
    (&["whats"], Question),
    (&["what"], Question),
    (&["which"], Question),
];

/// Verbs whose meaning comes with a word later in the clause: "check it off", "cross 'call
/// mom' off", "take that off my list" (only "off my list" makes "take" a deletion), "bring
/// the meeting forward".
pub(super) fn particle(s: &Sentence, start: usize) -> Option<Kind> {
    let (kind, particle) = match s.word(start) {
        "check" | "tick" | "cross" | "knock" | "mark" => (Complete, "off"),
        "take" => (Delete, "off"),
        "bring" | "pull" => (Update, "forward"),
        _ => return None,
    };
    let at = (start + 1..s.len())
        .take_while(|&i| !s.ends_clause(i - 1))
        .find(|&i| s.word(i) == particle)?;
    let listed = matches!(s.word(at + 1), "my" | "the" | "list" | "of");
    (kind != Delete || listed).then_some(kind)
}

/// The kind of request the free tokens at `start` begin, and the length of its command words.
pub(super) fn leading(s: &Sentence, start: usize) -> Option<(Kind, usize)> {
    VERBS
        .iter()
        .find(|(phrase, _)| s.matches(start, phrase))
        .map(|(phrase, kind)| (*kind, phrase.len()))
}
