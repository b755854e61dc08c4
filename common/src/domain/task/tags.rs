//! Tags: free-form labels on a task ("#work", "health"). A tag is compared without case, so
//! it is kept lowercased and without its '#'; a task's tags are distinct and sorted.

use crate::Error;

/// Longest tag, in characters as sent (a '#' and surrounding whitespace count), so that it is
/// the `maxLength` the OpenAPI document declares.
pub const TAG_MAX_CHARS: usize = 32;
/// The most tags one task may have.
pub const MAX_TAGS_PER_TASK: usize = 10;

/// One tag: letters and digits of any script, `-` and `_`; at most 32 characters as sent.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag(String);

impl Tag {
    /// Reads `#Work`, `work` or ` WORK ` as the tag `work`; `field` names the input in errors.
    pub fn parse(raw: &str, field: &'static str) -> Result<Self, Error> {
        let name = raw.trim();
        let name = name.strip_prefix('#').unwrap_or(name).to_lowercase();
        if name.is_empty() {
            return Err(Error::validation(field, "a tag must not be empty"));
        }
        if raw.chars().count() > TAG_MAX_CHARS {
            return Err(Error::validation(
                field,
                format!("a tag must be at most {TAG_MAX_CHARS} characters"),
            ));
        }
        let word = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
        if !name.chars().all(word) {
            return Err(Error::validation(
                field,
                format!("{raw:?} is not a tag: use letters, digits, '-' or '_' (no spaces)"),
            ));
        }
        Ok(Self(name))
    }

    /// The tag as stored, without '#'.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A set of tags: distinct, sorted, at most [`MAX_TAGS_PER_TASK`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tags(Vec<Tag>);

impl Tags {
    /// Parses each of `raw`, at most [`MAX_TAGS_PER_TASK`] of them; duplicates (in any case)
    /// are kept once.
    pub fn parse<S: AsRef<str>>(raw: &[S], field: &'static str) -> Result<Self, Error> {
        if raw.len() > MAX_TAGS_PER_TASK {
            return Err(Error::validation(
                field,
                format!("a task holds at most {MAX_TAGS_PER_TASK} tags"),
            ));
        }
        let mut tags = raw
            .iter()
            .map(|tag| Tag::parse(tag.as_ref(), field))
            .collect::<Result<Vec<_>, _>>()?;
        tags.sort();
        tags.dedup();
        Ok(Self(tags))
    }

    /// The tags as stored.
    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(|tag| tag.0.clone()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Tag> {
        self.0.iter()
    }
}

/// How an update changes a task's tags: all of them replaced, or some added and some removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagsEdit {
    Replace(Tags),
    Edit { add: Tags, remove: Tags },
}

impl TagsEdit {
    /// The edit an update asks for: `all` replaces the tags, `add` and `remove` edit them;
    /// not both. `Ok(None)`: no change of tags.
    pub fn from_parts(
        all: Option<Tags>,
        add: Option<Tags>,
        remove: Option<Tags>,
    ) -> Result<Option<Self>, Error> {
        match (all, add, remove) {
            (Some(all), None, None) => Ok(Some(Self::Replace(all))),
            (Some(_), _, _) => Err(Error::validation(
                "tags",
                "give either tags (all of them) or add_tags/remove_tags, not both",
            )),
            (None, None, None) => Ok(None),
            (None, add, remove) => Ok(Some(Self::Edit {
                add: add.unwrap_or_default(),
                remove: remove.unwrap_or_default(),
            })),
        }
    }

    /// The edit's three arrays, as `taskwire_edit_tags` takes them: replacement (or none),
    /// added, removed.
    pub fn sql_arrays(&self) -> (Option<Vec<String>>, Vec<String>, Vec<String>) {
        match self {
            Self::Replace(tags) => (Some(tags.names()), Vec::new(), Vec::new()),
            Self::Edit { add, remove } => (None, add.names(), remove.names()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_lowercased_without_the_hash() {
        assert_eq!(
            Tag::parse(" #Work ", "tags").expect("valid").as_str(),
            "work"
        );
        assert_eq!(
            Tag::parse("GESUNDHEIT", "tags").expect("valid").as_str(),
            "gesundheit"
        );
        assert_eq!(
            Tag::parse("Ärzte", "tags").expect("valid").as_str(),
            "ärzte"
        );
        assert_eq!(Tag::parse("日本", "tags").expect("valid").as_str(), "日本");
        assert_eq!(
            Tag::parse("follow-up_2", "tags").expect("valid").as_str(),
            "follow-up_2"
        );
    }

    #[test]
    fn bad_tags_are_refused() {
        for bad in [
            "",
            "#",
            "two words",
            "a,b",
            "semi;colon",
            "\u{200b}",
            "x\ny",
        ] {
            assert!(Tag::parse(bad, "tags").is_err(), "{bad:?}");
        }
        assert!(Tag::parse(&"a".repeat(32), "tags").is_ok());
        assert!(Tag::parse(&"a".repeat(33), "tags").is_err());
        assert!(
            Tag::parse(&format!("#{}", "a".repeat(32)), "tags").is_err(),
            "as sent"
        );
    }

    #[test]
    fn a_set_is_distinct_sorted_and_bounded() {
        let tags = Tags::parse(&["home", "#Work", "work", "Errands"], "tags").expect("valid");
        assert_eq!(tags.names(), ["errands", "home", "work"]);
        let many: Vec<String> = (0..11).map(|n| format!("t{n}")).collect();
        assert!(Tags::parse(&many, "tags").is_err());
        assert!(Tags::parse(&many[..10], "tags").is_ok());
    }
}
