//! Reads a listing request: which status ("what's left?" → pending, "what have I finished?" →
//! completed), which priority ("what's urgent?"), which due dates ("what's due today?",
//! "anything overdue?", "tasks without a date"), and which search words ("tasks about
//! groceries", "find milk").

use chrono::{Datelike, Days};
use common::dates::{DateContext, DueView, extract_due};

use super::intent::{Due, ListFilter, Status};
use super::priority::{Mode, extract_priority};
use super::tags::{take_hash_tags, take_named_tag};
use super::words::{Sentence, WordList, clean_edges, count, trim_edges};

/// Done and open tasks alike: "show everything including done ones".
const ALL: &[&[&str]] = &[
    &["including", "done"],
    &["including", "completed"],
    &["including", "finished"],
    &["including", "the", "done"],
    &["including", "the", "completed"],
    &["incl", "done"],
    &["even", "done"],
    &["even", "the", "done"],
    &["even", "completed"],
    &["done", "and", "undone"],
    &["done", "and", "not", "done"],
    &["done", "or", "not"],
    &["with", "done", "ones"],
    &["with", "the", "done", "ones"],
    &["as", "well", "as", "done"],
];

/// Open tasks. Negations come before the words they negate.
const PENDING: &[&[&str]] = &[
    &["need", "to", "get", "done"],
    &["to", "get", "done"],
    &["get", "done"],
    &["need", "to", "do"],
    &["not", "done", "yet"],
    &["not", "done"],
    &["not", "finished"],
    &["not", "completed"],
    &["left", "to", "do"],
    &["still", "to", "do"],
    &["to", "do"],
    &["still", "open"],
    &["left"],
    &["remaining"],
    &["outstanding"],
    &["open"],
    &["pending"],
    &["incomplete"],
    &["unfinished"],
    &["undone"],
    &["uncompleted"],
    &["active"],
    &["upcoming"],
    &["due"],
    &["still"],
];

/// Done tasks.
const COMPLETED: &[&[&str]] = &[
    &["checked", "off"],
    &["ticked", "off"],
    &["completed"],
    &["complete"],
    &["finished"],
    &["done"],
    &["accomplished"],
    &["achieved"],
    &["closed"],
    &["ticked"],
];

/// Due-date views by their everyday names. Longer phrases first.
const DUE_VIEWS: &[(&[&str], DueView)] = &[
    (&["dont", "have", "a", "due", "date"], DueView::NoDate),
    (&["dont", "have", "due", "dates"], DueView::NoDate),
    (&["dont", "have", "a", "date"], DueView::NoDate),
    (&["dont", "have", "dates"], DueView::NoDate),
    (&["dont", "have", "a", "deadline"], DueView::NoDate),
    (&["dont", "have", "deadlines"], DueView::NoDate),
    (&["doesnt", "have", "a", "due", "date"], DueView::NoDate),
    (&["doesnt", "have", "a", "date"], DueView::NoDate),
    (&["have", "no", "due", "date"], DueView::NoDate),
    (&["has", "no", "due", "date"], DueView::NoDate),
    (&["without", "any", "due", "date"], DueView::NoDate),
    (&["without", "any", "date"], DueView::NoDate),
    (&["without", "a", "due", "date"], DueView::NoDate),
    (&["without", "due", "dates"], DueView::NoDate),
    (&["without", "a", "date"], DueView::NoDate),
    (&["without", "dates"], DueView::NoDate),
    (&["without", "a", "deadline"], DueView::NoDate),
    (&["with", "no", "due", "date"], DueView::NoDate),
    (&["with", "no", "date"], DueView::NoDate),
    (&["with", "no", "deadline"], DueView::NoDate),
    (&["without", "deadlines"], DueView::NoDate),
    (&["no", "deadline"], DueView::NoDate),
    (&["no", "due", "date"], DueView::NoDate),
    (&["no", "date"], DueView::NoDate),
    (&["undated"], DueView::NoDate),
    (&["past", "due"], DueView::Overdue),
    (&["overdue"], DueView::Overdue),
    (&["late"], DueView::Overdue),
    (&["next", "7", "days"], DueView::Next7Days),
    (&["next", "seven", "days"], DueView::Next7Days),
    (&["coming", "week"], DueView::Next7Days),
    (&["the", "rest", "of", "the", "week"], DueView::ThisWeek),
    (&["rest", "of", "the", "week"], DueView::ThisWeek),
    (&["this", "week"], DueView::ThisWeek),
    (&["for", "the", "week"], DueView::ThisWeek),
    (&["today"], DueView::Today),
    (&["tonight"], DueView::Today),
    (&["tomorrow"], DueView::Tomorrow),
];

/// Words that introduce search words: "tasks about groceries".
const QUERY_MARKERS: &[&[&str]] = &[
    &["related", "to"],
    &["that", "mention"],
    &["that", "mentions"],
    &["which", "mention"],
    &["about"],
    &["with"],
    &["containing"],
    &["mentioning"],
    &["matching"],
    &["regarding"],
    &["called"],
    &["named"],
    &["titled"],
];

/// Words that say nothing about which tasks to list.
const FILLER: WordList = WordList(
    "what whats which do does i have has got is are there theres any anything everything \
     all my the a an on in for of to me show list tasks task todos todo to-dos items item \
     stuff things ones plate agenda now currently right please so far yet how many much \
     need should at moment again still entire whole full every single one priority level \
     word words coming up get quick overview rundown summary",
);

/// Words showing a question is about the task list ("what's left?" yes, "what's up?" no).
const HINTS: WordList = WordList(
    "task tasks list todo todos to-dos left open pending remaining outstanding done \
     finished completed complete urgent important priority due plate agenda have got need \
     everything anything still overdue late undated deadline deadlines coming upcoming",
);

/// Reads the filter from the free tokens of `s`. `search` is true after "find"/"search for",
/// where the remaining words are the search even without "about"/"with".
pub(super) fn parse(s: &mut Sentence, search: bool, ctx: &DateContext) -> ListFilter {
    // Priority first ("tasks with high priority" is not a search for "high priority"), then
    // the due dates ("tasks with no date" is not a search either), the marked search words
    // ("tasks about the open house" is not a status), then the status; after "find", what
    // is left is the search.
    let hashed = take_hash_tags(s).into_iter().next();
    let priority = extract_priority(s, Mode::Edit);
    let view = take_due_view(s, ctx).or_else(|| take_next_days(s, ctx));
    let marked = take_marked_query(s);
    let all = take_phrase(s, ALL);
    let status = if all { None } else { take_status(s) };
    let due = view.or_else(|| take_due_day(s, ctx));
    let tag = hashed.or_else(|| take_named_tag(s));
    let query = marked.or_else(|| if search { take_query(s, 0) } else { None });
    ListFilter {
        status,
        priority,
        query,
        due,
        tag,
    }
}

/// A due-date view asked about by name ("overdue", "without a date"), or "next week".
fn take_due_view(s: &mut Sentence, ctx: &DateContext) -> Option<Due> {
    // Before "tomorrow" is read as a view of its own.
    if s.find(&["day", "after", "tomorrow"]).is_some() {
        return take_due_day(s, ctx);
    }
    for (phrase, view) in DUE_VIEWS {
        if let Some(i) = s.find(phrase) {
            s.take(i, i + phrase.len());
            s.take_before(i, &["for", "by"]);
            return Some(Due::View(*view));
        }
    }
    if let Some(i) = s.find(&["next", "week"]) {
        s.take(i, i + 2);
        let today = ctx.today();
        let to_monday = 7 - u64::from(today.weekday().num_days_from_monday());
        let monday = today.checked_add_days(Days::new(to_monday))?;
        return Some(Due::Days(monday, monday.checked_add_days(Days::new(7))?));
    }
    None
}

/// A due-date view named right at `at` ("… due tomorrow back by 2 days"), taken.
pub(super) fn take_due_at(s: &mut Sentence, at: usize, ctx: &DateContext) -> Option<Due> {
    if let Some((phrase, view)) = DUE_VIEWS.iter().find(|(p, _)| s.matches(at, p)) {
        s.take(at, at + phrase.len());
        return Some(Due::View(*view));
    }
    let mut day = Sentence::new(&s.text(&[at]));
    let due = take_due_day(&mut day, ctx)?;
    s.take(at, at + 1);
    Some(due)
}

/// "in the next 3 days": today and the days after it, as the tools' "next 7 days" counts.
fn take_next_days(s: &mut Sentence, ctx: &DateContext) -> Option<Due> {
    let at = (0..s.len()).find(|&i| {
        s.matches(i, &["next"])
            && count(s.word(i + 1)).is_some()
            && s.is_free(i + 1)
            && matches!(s.word(i + 2), "days" | "day")
            && s.is_free(i + 2)
    })?;
    let n = u64::try_from(count(s.word(at + 1))?).ok()?;
    s.take(at, at + 3);
    s.take_before(at, &["in", "the", "within", "for", "over", "during"]);
    let today = ctx.today();
    Some(Due::Days(
        today,
        today.checked_add_days(Days::new(n.max(1)))?,
    ))
}

fn take_phrase(s: &mut Sentence, phrases: &[&[&str]]) -> bool {
    for phrase in phrases {
        if let Some(i) = s.find(phrase) {
            s.take(i, i + phrase.len());
            return true;
        }
    }
    false
}

/// Completed tasks, for clearing them.
pub(super) fn completed() -> ListFilter {
    ListFilter {
        status: Some(Status::Completed),
        ..ListFilter::default()
    }
}

/// A day asked about: "on Friday", "due Dec 24".
fn take_due_day(s: &mut Sentence, ctx: &DateContext) -> Option<Due> {
    let day = extract_due(s, ctx, &[])?;
    let day = ctx.zone.local(day).date_naive();
    Some(Due::Days(day, day.succ_opt()?))
}

/// Like [`parse`], but only when nothing else is left over: "high priority tasks" is a
/// listing, "buy milk for the shopping list" is not.
pub(super) fn parse_strict(s: &mut Sentence, ctx: &DateContext) -> Option<ListFilter> {
    if !s.has_any(&HINTS) {
        return None;
    }
    let filter = parse(s, false, ctx);
    trim_edges(s, &s.free(), &FILLER, &FILLER)
        .is_empty()
        .then_some(filter)
}

/// The listing a question asks for: one about the task list ("what's left?"), or one that
/// names only dates and filler ("what's on for the day after tomorrow?"). "What's the weather
/// like tomorrow?" is neither.
pub(super) fn parse_question(s: &mut Sentence, ctx: &DateContext) -> Option<ListFilter> {
    let about_tasks = s.has_any(&HINTS);
    let filter = parse(s, false, ctx);
    let left = trim_edges(s, &s.free(), &FILLER, &FILLER);
    (about_tasks || (filter != ListFilter::default() && left.is_empty())).then_some(filter)
}

/// True when a question mentions the task list at all.
pub(super) fn is_about_tasks(s: &Sentence) -> bool {
    s.has_any(&HINTS)
}

fn take_status(s: &mut Sentence) -> Option<Status> {
    let groups = [(PENDING, Status::Pending), (COMPLETED, Status::Completed)];
    for (phrases, status) in groups {
        for phrase in phrases {
            if let Some(i) = s.find(phrase) {
                s.take(i, i + phrase.len());
                return Some(status);
            }
        }
    }
    None
}

fn take_marked_query(s: &mut Sentence) -> Option<String> {
    let (i, len) = QUERY_MARKERS
        .iter()
        .filter_map(|phrase| s.find(phrase).map(|i| (i, phrase.len())))
        .min()?;
    s.take(i, i + len);
    take_query(s, i + len)
}

/// Takes the free words from `from` on as search words.
fn take_query(s: &mut Sentence, from: usize) -> Option<String> {
    let rest: Vec<usize> = s.free().into_iter().filter(|&i| i >= from).collect();
    let words = trim_edges(s, &rest, &FILLER, &FILLER);
    let query = clean_edges(&s.text(&words));
    s.take(from, s.len());
    (!query.is_empty()).then_some(query)
}
