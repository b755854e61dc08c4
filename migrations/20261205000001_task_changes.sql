-- Every change of a task, with the row before and after it and what made it: the history of
-- a task, and what an undo puts back. A trigger writes it in the statement that makes the
-- change, so a change and its record commit together (a tool call's, with its ledger entry:
-- exactly once under redelivery), whatever path made it.
--
-- What made a change is the statement's origin, which it declares with taskwire_origin():
-- {"source": "rest" | "chat" | "mcp", "job_id", "call_id", "undo_of", "undo_kind"}. A change without one
-- (a hand-written SQL statement) is recorded with the source "database".
create table task_changes (
    id        bigint generated always as identity primary key,
    user_id   text        not null,
    task_id   bigint      not null,
    at        timestamptz not null default now(),
    operation text        not null,  -- insert | update | delete
    source    text        not null,  -- rest | chat | mcp | database
    job_id    uuid,                  -- the chat turn that made it
    call_id   text,                  -- that turn's tool call
    undo_of   uuid,                  -- the job whose changes this change reverts
    undo_kind text,                  -- undo | redo (an undo of an undo), with undo_of
    before    jsonb,                 -- the row before (null for an insert)
    after     jsonb,                 -- the row after (null for a delete)
    undone_by uuid,                  -- the undo that reverted it
    left_by   uuid,                  -- the undo that left it alone (the task changed since)
    constraint task_changes_operation_valid check (operation in ('insert', 'update', 'delete')),
    constraint task_changes_undo_kind_valid check (undo_kind in ('undo', 'redo'))
);
create index task_changes_by_task on task_changes (user_id, task_id, id);
create index task_changes_by_job on task_changes (job_id, id) where job_id is not null;

-- Declares the origin of the statement's changes (for the rest of the transaction). Called in
-- a statement's WHERE, it is evaluated before the rows it qualifies are changed, and the
-- trigger below fires after them.
create function taskwire_origin(origin jsonb) returns boolean
language sql volatile as $$
    select set_config('taskwire.origin', origin::text, true) is not null
$$;

create function taskwire_record_task_change() returns trigger
language plpgsql as $$
declare
    origin jsonb := nullif(current_setting('taskwire.origin', true), '')::jsonb;
begin
    -- An update that changes nothing but updated_at changes nothing a person sees.
    if tg_op = 'UPDATE' and to_jsonb(old) - 'updated_at' = to_jsonb(new) - 'updated_at' then
        return null;
    end if;
    insert into task_changes (user_id, task_id, operation, source, job_id, call_id, undo_of,
                              undo_kind, before, after)
    values (
        coalesce(new.user_id, old.user_id),
        coalesce(new.id, old.id),
        lower(tg_op),
        coalesce(origin ->> 'source', 'database'),
        (origin ->> 'job_id')::uuid,
        origin ->> 'call_id',
        (origin ->> 'undo_of')::uuid,
        origin ->> 'undo_kind',
        case when tg_op <> 'INSERT' then to_jsonb(old) end,
        case when tg_op <> 'DELETE' then to_jsonb(new) end
    );
    return null;
end
$$;

create trigger tasks_record_changes
    after insert or update or delete on tasks
    for each row execute function taskwire_record_task_change();

-- What a change did, in a person's words: created, deleted, completed or reopened (only the
-- completion changed), or updated.
create function task_change_action(before jsonb, after jsonb) returns text
language sql immutable parallel safe as $$
    select case
        when before is null then 'created'
        when after is null then 'deleted'
        when before - 'completed' - 'updated_at' = after - 'completed' - 'updated_at'
             and (before -> 'completed') <> (after -> 'completed')
            then case when (after ->> 'completed')::boolean then 'completed' else 'reopened' end
        else 'updated'
    end
$$;
