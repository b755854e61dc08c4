//! A ten-turn conversation with the builtin model, as a newcomer would hold it: adding,
//! listing, completing, updating and deleting tasks in everyday English.

use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{names, spawn_app};

fn tools(reply: &Value) -> Vec<String> {
    reply["tool_calls"]
        .as_array()
        .expect("tool_calls")
        .iter()
        .map(|c| c["tool"].as_str().expect("tool").to_owned())
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_ten_turn_conversation_manages_the_task_list(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();

    // 1. Add, streamed.
    let events = app
        .chat_stream("alice", json!({"message": "add a task to buy groceries"}))
        .await;
    assert_eq!(names(&events).last(), Some(&"done"));
    let conversation = events[0].data["conversation_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let c = Some(conversation.as_str());

    // 2. Add with a due date and a priority word.
    let reply = app
        .say(
            "alice",
            c,
            "remind me to write the quarterly report by friday, it's important",
        )
        .await;
    assert_eq!(tools(&reply), ["add_task"], "{reply}");
    let (tasks, _) = app.list_tasks("alice", "q=report").await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["priority"], "high");
    assert!(
        tasks[0]["due_date"].is_string(),
        "due date set: {}",
        tasks[0]
    );

    // 3. A third task, low priority.
    app.say("alice", c, "add call the bank, no rush").await;

    // 4. What's still open?
    let reply = app.say("alice", c, "what's still open?").await;
    assert_eq!(tools(&reply), ["list_tasks"]);
    let text = reply["response"].as_str().expect("text").to_lowercase();
    for word in ["groceries", "report", "bank"] {
        assert!(text.contains(word), "{word} listed: {text}");
    }

    // 5. Complete by title words.
    let reply = app.say("alice", c, "mark the groceries one as done").await;
    assert_eq!(tools(&reply), ["list_tasks", "complete_task"], "{reply}");
    let (done, _) = app.list_tasks("alice", "status=completed").await;
    assert_eq!(done.len(), 1);
    assert!(
        done[0]["title"]
            .as_str()
            .expect("title")
            .to_lowercase()
            .contains("groceries")
    );

    // 6. Update by title: a new date and urgency.
    let reply = app
        .say("alice", c, "push the report to monday and make it urgent")
        .await;
    assert_eq!(tools(&reply), ["list_tasks", "update_task"], "{reply}");
    let (report, _) = app.list_tasks("alice", "q=report").await;
    assert_eq!(report[0]["priority"], "high");
    let due = chrono::DateTime::parse_from_rfc3339(report[0]["due_date"].as_str().expect("due"))
        .expect("rfc3339");
    assert_eq!(due.format("%A").to_string(), "Monday");

    // 7. What's left?
    let reply = app.say("alice", c, "what's left?").await;
    let text = reply["response"].as_str().expect("text").to_lowercase();
    assert!(
        !text.contains("groceries"),
        "done tasks are not left: {text}"
    );

    // 8. Delete everything finished.
    let reply = app.say("alice", c, "delete everything I finished").await;
    assert!(tools(&reply).contains(&"delete_task".to_owned()), "{reply}");
    let (all, total) = app.list_tasks("alice", "").await;
    assert_eq!(total, 2, "{all:?}");

    // 9. Delete by number.
    let bank = app.list_tasks("alice", "q=bank").await.0[0]["id"]
        .as_i64()
        .expect("id");
    let reply = app.say("alice", c, &format!("delete task #{bank}")).await;
    assert_eq!(tools(&reply), ["delete_task"]);
    assert_eq!(app.list_tasks("alice", "").await.1, 1);

    // 10. Small talk: no tool, a friendly answer.
    let reply = app.say("alice", c, "thanks!").await;
    assert!(tools(&reply).is_empty(), "{reply}");
    assert!(!reply["response"].as_str().expect("text").is_empty());

    // The whole dialogue is one conversation of ten turns.
    let messages: Value = app
        .get_json(
            "alice",
            &format!("/api/alice/conversations/{conversation}/messages"),
        )
        .await;
    assert_eq!(messages.as_array().map(Vec::len), Some(20));
}
