//! Answers to the model's own questions, which redo the earlier request on what the user
//! picked:
//! - after "I found 2 tasks matching “report”: #3 Write report, #4 Report expenses (due …).
//!   Which one?": "3", "#4", "it was 4", "the second one", "the expenses one", "Tom's", "the
//!   one with Sam", "the one due tomorrow";
//! - after "Did you mean “Wash the car” (#7)?": "yes";
//! - after "Want me to add “Book a flight to Lisbon” as a task?": "yes" adds it;
//! - after "That would delete 7 tasks: … Shall I go ahead?": "yes" makes the request again
//!   (the tool lets it through now that the user said yes), "no" leaves the tasks alone.
//!
//! A reply with a command of its own ("delete task 5") is a new request, not an answer.

use common::dates::{DateContext, extract_due};

use crate::agent::rails::confirm::affirms;

use super::bulk;
use super::classify;
use super::intent::{Intent, Target};
use super::matcher::{self, Found, Mode};
use super::request;
use super::results::TaskView;
use super::scope;
use super::turn::{Turn, task_numbers};
use super::words::{Sentence, digits};

/// The words the "Which one?" question ends with (see `phrases::which_one`).
pub(super) const QUESTION: &str = "Which one?";
/// The words of a request for confirmation (see `phrases::did_you_mean`).
pub(super) const DID_YOU_MEAN: &str = "Did you mean";
/// The words of an offer to add a task (see `phrases::elsewhere`).
pub(super) const OFFER: &str = "Want me to add";

/// Short replies that say yes.
const YES: &[&str] = &[
    "yes", "yeah", "yep", "yup", "y", "sure", "ok", "okay", "correct", "right", "please", "do",
    "it", "that", "one", "go", "ahead", "exactly", "indeed", "thats", "the", "thanks", "",
];

/// Words around a due day that picks one of the listed tasks ("the one due tomorrow").
const POINTING: &[&str] = &[
    "the", "one", "thats", "its", "it", "is", "was", "due", "which", "task", "i", "mean", "meant",
    "please", "",
];

/// Words of a reply that picks every listed task ("both", "all of them").
const EVERY: &[&str] = &[
    "both", "all", "of", "them", "the", "ones", "please", "", "each",
];

/// Places in the question's list.
const PLACES: &[(&str, usize)] = &[
    ("first", 0),
    ("1st", 0),
    ("second", 1),
    ("2nd", 1),
    ("third", 2),
    ("3rd", 2),
    ("fourth", 3),
    ("fifth", 4),
];

/// The request `text` makes as an answer to the model's last question, if it is one.
pub(super) fn answer(turn: &Turn<'_>, text: &str, ctx: &DateContext) -> Option<Vec<Intent>> {
    let (reply, request) = turn.last_exchange()?;
    if reply.contains(bulk::CONFIRM) {
        if affirms(text) || says_yes(text) {
            return Some(request::read_text(request, ctx));
        }
        if says_no(text) {
            return Some(vec![Intent::Dismiss]);
        }
    }
    if classify::command_words(text).is_some() {
        return None;
    }
    if reply.contains(OFFER) {
        let task = says_yes(text)
            .then(|| scope::offered(request, ctx))
            .flatten()?;
        return Some(vec![Intent::Add(vec![task])]);
    }
    // The question may follow what was done ("Done! I marked “Buy milk” (#12) as complete.
    // Did you mean “Pay rent” (#11)?"): its task is the one after the question's words.
    let confirming = reply.find(DID_YOU_MEAN).map(|at| &reply[at..]);
    let listed = if let Some(question) = confirming {
        task_numbers(question)
            .first()
            .map(|&id| vec![(id, String::new())])?
    } else if reply.contains(QUESTION) {
        listed(reply)
    } else {
        return None;
    };
    // "both" picks every task listed, so only when none was left out ("… and 3 more").
    let every = !reply.contains(" more. ");
    let target = pick(text, &listed, (confirming.is_some(), every), ctx)?;
    let query = asked_about(reply);
    let mut intents = request::read_text(request, ctx);
    let at = intents
        .iter()
        .position(|i| query.is_some() && target_words(i) == query)
        .or_else(|| about_title(&intents, confirming?))
        .or_else(|| only_targeted(&intents))?;
    let intent = match intents.swap_remove(at) {
        Intent::Act(action, _) => Intent::Act(action, target),
        Intent::Find(_, ask) => Intent::Find(target, ask),
        _ => return None,
    };
    Some(vec![intent])
}

/// The words an earlier request named its task by.
fn target_words(intent: &Intent) -> Option<&str> {
    match intent {
        Intent::Act(_, Target::Title(words) | Target::Mention(words))
        | Intent::Find(Target::Title(words) | Target::Mention(words), _) => Some(words),
        Intent::Act(_, Target::Among(..)) => Some(""),
        _ => None,
    }
}

/// Of several requests of one message, the one whose words are all in the title of the task
/// `question` asks about ("Did you mean “Pay rent” (#11)?" is about "paid the rent").
fn about_title(intents: &[Intent], question: &str) -> Option<usize> {
    let start = question.find('“')? + '“'.len_utf8();
    let end = question[start..].find('”')?;
    let title = question[start..start + end].to_lowercase();
    intents.iter().position(|intent| {
        target_words(intent).is_some_and(|words| {
            !words.is_empty()
                && words
                    .split_whitespace()
                    .all(|word| title.contains(&word.to_lowercase()))
        })
    })
}

/// The one request of a message that names a task, or the first of several that all do the
/// same to their tasks; none when they differ (which one the answer finishes is unknown).
fn only_targeted(intents: &[Intent]) -> Option<usize> {
    let mut targeted = intents
        .iter()
        .enumerate()
        .filter(|(_, intent)| target_words(intent).is_some());
    let (first, intent) = targeted.next()?;
    let same = |other: &Intent| match (intent, other) {
        (Intent::Act(a, _), Intent::Act(b, _)) => a == b,
        _ => false,
    };
    targeted.all(|(_, other)| same(other)).then_some(first)
}

/// The words in “…” a question was about ("matching “report”").
fn asked_about(reply: &str) -> Option<&str> {
    let start = reply.find("matching “")? + "matching “".len();
    let end = reply[start..].find('”')?;
    Some(&reply[start..start + end])
}

/// "no", "nope", "don't", "cancel", "leave them".
fn says_no(text: &str) -> bool {
    let s = Sentence::new(text);
    !s.is_empty()
        && matches!(
            s.word(0),
            "no" | "nope" | "nah" | "dont" | "cancel" | "stop" | "leave" | "keep"
        )
}

fn says_yes(text: &str) -> bool {
    let s = Sentence::new(text);
    !s.is_empty()
        && (0..s.len()).all(|i| YES.contains(&s.word(i)))
        && matches!(
            s.word(0),
            "yes"
                | "yeah"
                | "yep"
                | "yup"
                | "y"
                | "sure"
                | "ok"
                | "okay"
                | "correct"
                | "right"
                | "please"
                | "do"
                | "go"
                | "exactly"
                | "indeed"
                | "thats"
        )
}

/// The tasks a question listed, in order: "#3 Write report, #4 Report expenses (due Friday,
/// December 4). Which one?" gives (3, "Write report") and (4, "Report expenses").
fn listed(question: &str) -> Vec<(i64, String)> {
    let body = question.split(QUESTION).next().unwrap_or_default();
    body.split('#')
        .skip(1)
        .filter_map(|entry| {
            let number: String = entry.chars().take_while(char::is_ascii_digit).collect();
            let rest = &entry[number.len()..];
            let title = rest.split(" (due ").next().unwrap_or(rest);
            let title = title.trim().trim_end_matches([',', '.']);
            Some((number.parse().ok()?, title.to_owned()))
        })
        .collect()
}

/// The task a reply picks: a number, a place ("the second one"), a due day, words found in
/// one listed title, or "yes" to a suggestion.
fn pick(
    reply: &str,
    listed: &[(i64, String)],
    (confirming, every): (bool, bool),
    ctx: &DateContext,
) -> Option<Target> {
    let ids: Vec<i64> = listed.iter().map(|(id, _)| *id).collect();
    if confirming && says_yes(reply) {
        return Some(Target::Ids(vec![*ids.first()?]));
    }
    let s = Sentence::new(reply);
    let numbers: Vec<i64> = (0..s.len())
        .filter_map(|i| digits(s.word(i).trim_start_matches('#')).map(i64::from))
        .collect();
    match numbers.as_slice() {
        [] => {}
        [one] => return Some(Target::Ids(vec![*one])),
        many => {
            let known: Vec<i64> = many.iter().copied().filter(|n| ids.contains(n)).collect();
            return (known.len() == 1).then_some(Target::Ids(known));
        }
    }
    if let Some(at) = (0..s.len()).find_map(|i| PLACES.iter().find(|(w, _)| *w == s.word(i))) {
        return ids.get(at.1).map(|&id| Target::Ids(vec![id]));
    }
    if s.has("last") {
        return ids.last().map(|&id| Target::Ids(vec![id]));
    }
    if every && (0..s.len()).all(|i| EVERY.contains(&s.word(i))) && s.has_any(&["both", "all"]) {
        return Some(Target::Ids(ids));
    }
    let mut dated = s.clone();
    if let Some(when) = extract_due(&mut dated, ctx, &[]) {
        // "the one due tomorrow", not "dentist appointment tomorrow, it's urgent".
        let only_due = dated
            .free()
            .iter()
            .all(|&i| POINTING.contains(&dated.word(i)));
        return only_due.then(|| Target::Among(ids, ctx.zone.local(when).date_naive()));
    }
    by_words(reply, listed)
}

/// The one listed task whose title the reply's words find ("Tom's", "the one with Sam").
fn by_words(reply: &str, listed: &[(i64, String)]) -> Option<Target> {
    let views: Vec<TaskView> = listed
        .iter()
        .map(|(id, title)| TaskView {
            id: *id,
            title: title.clone(),
            description: None,
            completed: false,
            priority: None,
            due: None,
            tags: Vec::new(),
        })
        .collect();
    match matcher::find(reply, Mode::Title, &views, None) {
        Found::Sure(task) | Found::Likely(task) => Some(Target::Ids(vec![task.id])),
        _ => None,
    }
}
