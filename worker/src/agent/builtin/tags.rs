//! Tags in what people say: "#work" anywhere in a message, "what's on my work list?",
//! "tasks tagged health", and "tag the report as work".

use common::domain::Tag;

use super::words::Sentence;

/// Words that name the whole list, not a tag: "my to do list", "my whole list".
const NOT_TAGS: &[&str] = &[
    "todo", "to-do", "do", "task", "tasks", "whole", "full", "entire", "own", "complete",
    "current", "the", "a", "this", "that",
];

/// The tag a word names, as stored (lowercased, without '#'); not a task number ("#3").
fn tag_of(word: &str) -> Option<String> {
    let name = word.strip_prefix('#').unwrap_or(word);
    if name.is_empty() || name.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Tag::parse(name, "tags")
        .ok()
        .map(|tag| tag.as_str().to_owned())
}

/// Takes every free "#word" (not "#3") and returns their tags, in order, once each.
pub(super) fn take_hash_tags(s: &mut Sentence) -> Vec<String> {
    let mut tags = Vec::new();
    for i in s.free() {
        if !s.word(i).starts_with('#') {
            continue;
        }
        if let Some(tag) = tag_of(s.word(i)) {
            s.take(i, i + 1);
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
    }
    tags
}

/// The tag a listing names in words: "my work list", "my work tasks", "tagged work", "with
/// the tag work". Read after the status, priority and due-date words ("my completed tasks"
/// names no tag). Takes its words.
pub(super) fn take_named_tag(s: &mut Sentence) -> Option<String> {
    for marker in [
        &["tagged", "with"][..],
        &["tagged"],
        &["with", "the", "tag"],
        &["with", "tag"],
    ] {
        if let Some(i) = s.find(marker) {
            let at = i + marker.len();
            if let Some(tag) = s.is_free(at).then(|| tag_of(s.word(at))).flatten() {
                s.take(i, at + 1);
                return Some(tag);
            }
        }
    }
    let i = s.find(&["my"])?;
    let (word, noun) = (s.word(i + 1), s.word(i + 2));
    let named = matches!(noun, "list" | "tasks" | "todos" | "stuff") && s.is_free(i + 2);
    if !named || NOT_TAGS.contains(&word) || !s.is_free(i + 1) {
        return None;
    }
    let tag = tag_of(word)?;
    s.take(i, i + 3);
    Some(tag)
}

/// The tags a tagging command names: "#work" anywhere, or the words after its last "as",
/// "with" or "from" ("tag the report as work and urgent", "untag task 3 from home").
/// Takes them with their marker.
pub(super) fn take_command_tags(s: &mut Sentence) -> Vec<String> {
    let hashed = take_hash_tags(s);
    if !hashed.is_empty() {
        return hashed;
    }
    let free = s.free();
    let Some(&at) = free
        .iter()
        .rev()
        .find(|&&i| matches!(s.word(i), "as" | "with" | "from"))
    else {
        return Vec::new();
    };
    let names: Vec<usize> = free.into_iter().filter(|&i| i > at).collect();
    let tags: Vec<String> = names
        .iter()
        .filter(|&&i| !matches!(s.word(i), "and" | "tag" | "tags" | "the" | "a"))
        .filter_map(|&i| tag_of(s.word(i)))
        .collect();
    if !tags.is_empty() {
        s.take(at, at + 1);
        for i in names {
            s.take(i, i + 1);
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list_tag(text: &str) -> Option<String> {
        let mut s = Sentence::new(text);
        take_hash_tags(&mut s)
            .into_iter()
            .next()
            .or_else(|| take_named_tag(&mut s))
    }

    #[test]
    fn hash_words_are_tags_but_numbers_are_ids() {
        let mut s = Sentence::new("buy vitamins #Health #3 #health #errands");
        assert_eq!(take_hash_tags(&mut s), ["health", "errands"]);
        assert_eq!(s.text(&s.free()), "buy vitamins #3");
    }

    #[test]
    fn a_tagging_command_names_its_tags_last() {
        let mut s = Sentence::new("the report as work and urgent");
        assert_eq!(take_command_tags(&mut s), ["work", "urgent"]);
        assert_eq!(s.text(&s.free()), "the report");
        let mut s = Sentence::new("task 3 #home");
        assert_eq!(take_command_tags(&mut s), ["home"]);
        let mut s = Sentence::new("task 3 from errands");
        assert_eq!(take_command_tags(&mut s), ["errands"]);
    }

    #[test]
    fn a_listing_names_its_tag_in_several_ways() {
        assert_eq!(list_tag("what's on my work list?").as_deref(), Some("work"));
        assert_eq!(list_tag("show my #health tasks").as_deref(), Some("health"));
        assert_eq!(list_tag("tasks tagged Home").as_deref(), Some("home"));
        assert_eq!(
            list_tag("anything with the tag urgent").as_deref(),
            Some("urgent")
        );
        assert_eq!(list_tag("what's on my to do list?"), None);
        assert_eq!(list_tag("show my whole list"), None);
        assert_eq!(list_tag("show my list"), None);
    }
}
