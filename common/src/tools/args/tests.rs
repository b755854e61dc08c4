//! The tools' argument parsing: lenient where models wander, strict where it counts.

use serde_json::json;

use super::*;
use crate::dates::Zone;

/// Sunday 2026-11-22, 10:00 UTC, in `zone`.
fn ctx(zone: &str) -> DateContext {
    let now = DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
        .expect("RFC 3339")
        .to_utc();
    DateContext::new(now, Zone::parse(zone, "time_zone").expect("a zone"))
}

fn utc() -> DateContext {
    ctx("UTC")
}

fn error_message(outcome: ToolOutcome) -> String {
    assert!(!outcome.ok);
    outcome.result["message"]
        .as_str()
        .expect("message")
        .to_owned()
}

#[test]
fn add_accepts_a_full_task_and_a_plain_date() {
    let task = AddArgs::parse(
        json!({"title": " Renew passport ", "priority": "HIGH", "due_date": "2026-11-27", "extra": 1}),
        &utc(),
    )
    .expect("valid");
    assert_eq!(task.title.as_str(), "Renew passport");
    assert_eq!(task.priority, Priority::High);
    assert_eq!(
        task.due_date.map(|d| d.to_rfc3339()),
        Some("2026-11-27T17:00:00+00:00".to_owned())
    );
}

#[test]
fn a_due_date_in_words_or_without_an_offset_is_read_in_the_users_zone() {
    let kolkata = ctx("Asia/Kolkata");
    for (text, expected) in [
        ("next friday 5pm", "2026-11-27T11:30:00+00:00"),
        ("2026-11-27 17:00", "2026-11-27T11:30:00+00:00"),
        ("2026-11-27", "2026-11-27T11:30:00+00:00"),
        ("2026-11-27T17:00:00Z", "2026-11-27T17:00:00+00:00"),
    ] {
        let task = AddArgs::parse(json!({"title": "t", "due_date": text}), &kolkata)
            .unwrap_or_else(|e| panic!("{text}: {}", error_message(e)));
        assert_eq!(
            task.due_date.map(|d| d.to_rfc3339()).as_deref(),
            Some(expected),
            "{text}"
        );
    }
}

#[test]
fn add_explains_bad_arguments() {
    let cases = [
        (json!({}), "title is required"),
        (json!({"title": 5}), "title must be a string"),
        (json!({"title": "x".repeat(201)}), "at most 200"),
        (json!({"title": "ok", "priority": "urgent"}), "priority"),
        (
            json!({"title": "ok", "due_date": "when pigs fly"}),
            "RFC 3339",
        ),
        (json!({"title": "ok", "due_date": "Feb 30"}), "due_date"),
        (json!({"title": "ok", "due_date": "0999-01-01"}), "1900"),
    ];
    for (raw, expected) in cases {
        let message = error_message(AddArgs::parse(raw.clone(), &utc()).expect_err("invalid"));
        assert!(message.contains(expected), "{raw}: {message}");
    }
}

#[test]
fn task_ids_are_parsed_leniently_but_must_be_positive() {
    assert_eq!(TaskIdArgs::parse(json!({"task_id": 3})).ok(), Some(3));
    assert_eq!(TaskIdArgs::parse(json!({"task_id": "#3"})).ok(), Some(3));
    assert_eq!(TaskIdArgs::parse(json!({"task_id": " 12 "})).ok(), Some(12));
    for bad in [
        json!({}),
        json!({"task_id": 0}),
        json!({"task_id": -2}),
        json!({"task_id": 1.5}),
        json!({"task_id": "three"}),
        json!({"task_id": [1]}),
    ] {
        assert!(TaskIdArgs::parse(bad.clone()).is_err(), "{bad}");
    }
}

#[test]
fn update_distinguishes_absent_null_and_values() {
    let (id, patch, _) = UpdateArgs::parse(
        json!({"task_id": 4, "due_date": null, "priority": "low", "completed": false}),
        &utc(),
    )
    .expect("valid");
    assert_eq!(id, 4);
    assert_eq!(patch.due_date, Some(None));
    assert_eq!(patch.priority, Some(Priority::Low));
    assert_eq!(patch.completed, Some(false));
    assert!(patch.title.is_none() && patch.description.is_none());
    assert!(
        UpdateArgs::parse(json!({"task_id": 4}), &utc()).is_err(),
        "nothing to update"
    );
    assert!(UpdateArgs::parse(json!({"task_id": 4, "completed": "yes"}), &utc()).is_err());
}

#[test]
fn list_filters_parse() {
    let f = ListArgs::parse(
        json!({"status": "pending", "priority": "high", "query": "milk"}),
        &utc(),
    )
    .expect("valid");
    assert_eq!(f.status, StatusFilter::Pending);
    assert_eq!(f.priority, Some(Priority::High));
    assert_eq!(f.query.as_deref(), Some("milk"));
    assert!(f.due.is_empty());
    assert_eq!((f.limit, f.offset), (LIST_TOOL_LIMIT, 0));
    assert!(ListArgs::parse(json!({"status": "open"}), &utc()).is_err());
    let page = ListArgs::parse(json!({"limit": "20", "offset": 40}), &utc()).expect("valid");
    assert_eq!((page.limit, page.offset), (20, 40));
    for bad in [
        json!({"limit": 0}),
        json!({"limit": 101}),
        json!({"offset": -1}),
        json!({"limit": "x"}),
    ] {
        assert!(ListArgs::parse(bad.clone(), &utc()).is_err(), "{bad}");
    }
}

#[test]
fn a_due_view_lists_the_users_day_soonest_first() {
    let f = ListArgs::parse(json!({"due": "today"}), &ctx("America/New_York")).expect("valid");
    assert_eq!(
        f.due.after.map(|d| d.to_rfc3339()).as_deref(),
        Some("2026-11-22T05:00:00+00:00")
    );
    assert_eq!(f.sort, TaskSort::DueAsc);
    let explicit =
        ListArgs::parse(json!({"due": "overdue", "sort": "-priority"}), &utc()).expect("valid");
    assert_eq!(explicit.sort, TaskSort::PriorityDesc);
    let message = error_message(
        ListArgs::parse(json!({"due": "someday"}), &utc()).expect_err("unknown view"),
    );
    assert!(message.contains("overdue"), "{message}");
}
