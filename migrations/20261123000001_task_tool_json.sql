-- A task as the chat tools show it to the model, and as the tool-call ledger records it.
-- Built in SQL so that a tool call's effect and its ledger entry are one statement (one
-- round trip, one commit) instead of BEGIN, effect, record, COMMIT: the statement returns
-- the task as this JSON and records the same value. Times are UTC to the second
-- ("2026-11-27T17:00:00Z"), as the ledger has always held them.
create function tool_time(t timestamptz) returns text
    language sql stable parallel safe
    as $$ select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

-- `list_tasks` shows each task so.
create function task_tool_json(t tasks) returns jsonb
    language sql stable parallel safe
    as $$
        select jsonb_build_object(
            'id', t.id,
            'title', t.title,
            'description', t.description,
            'completed', t.completed,
            'priority', t.priority,
            'due_date', tool_time(t.due_date),
            'created_at', tool_time(t.created_at),
            'updated_at', tool_time(t.updated_at))
    $$;

-- The other tools report what they did to a task: its fields, `task_id` and `status`.
create function task_tool_action_json(t tasks, status text) returns jsonb
    language sql stable parallel safe
    as $$ select (task_tool_json(t) - 'id') || jsonb_build_object('task_id', t.id, 'status', status) $$;
