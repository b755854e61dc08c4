-- Reminders of tasks, and the notifications they send (issue 19, part 2).
--
-- Postgres holds the schedule: a reminder is armed (remind_at set, sent_at null) until a
-- worker claims it (`for update skip locked`) and, in the same transaction, writes its
-- notification (the publish record) and marks it sent. A reminder is either relative to its
-- task's due date (before_minutes; 0 = at the due time), following the due date when it
-- moves, or at an absolute instant (at).
create table reminders (
    id             bigint generated always as identity primary key,
    user_id        text        not null,                 -- owner: the task's owner
    task_id        bigint      not null references tasks (id) on delete cascade,
    before_minutes integer,                              -- relative: minutes before the due date
    at             timestamptz,                          -- absolute: this instant
    remind_at      timestamptz,                          -- when it is due; null while a relative
                                                         -- reminder's task has no due date
    sent_at        timestamptz,                          -- when it was handled; null while armed
    skipped        boolean     not null default false,   -- handled without sending (task completed,
                                                         -- or its time moved into the past)
    arming         integer     not null default 1,       -- bumped each time it is armed again
    created_at     timestamptz not null default now(),
    constraint reminders_one_kind check ((before_minutes is null) <> (at is null)),
    constraint reminders_before_range check (before_minutes between 0 and 40320), -- up to 4 weeks
    constraint reminders_absolute_due check (at is null or remind_at = at)
);
create unique index reminders_task_before on reminders (task_id, before_minutes)
    where before_minutes is not null;
create unique index reminders_task_at on reminders (task_id, at) where at is not null;
-- What the workers claim: the armed reminders, soonest first.
create index reminders_armed on reminders (remind_at) where sent_at is null and remind_at is not null;

-- Tasks whose owner removed all their reminders: the default one is not given back to them.
create table reminder_defaults_off (
    task_id    bigint      primary key references tasks (id) on delete cascade,
    user_id    text        not null,
    created_at timestamptz not null default now()
);

-- One row per sent reminder arming: the outbox of notifications. Its id is the SSE event id.
-- Rows are inserted in id order one transaction at a time (the claim holds an advisory lock),
-- so a reader that has seen id n has seen every id below it: `id > Last-Event-ID` misses none.
create table notifications (
    id              bigint generated always as identity primary key,
    user_id         text             not null,
    reminder_id     bigint           not null,           -- the reminder (may be deleted since)
    arming          integer          not null,           -- which arming of it
    task_id         bigint           not null,           -- the task (may be deleted since)
    title           text             not null,           -- the task's title when sent
    due_at          timestamptz,                         -- the task's due date when sent
    remind_at       timestamptz      not null,           -- when it was due
    created_at      timestamptz      not null default now(), -- when it was sent
    late_by_seconds double precision not null,           -- created_at - remind_at
    late            boolean          not null,           -- late by more than the worker's threshold
    published_at    timestamptz,                         -- when JetStream acknowledged it
    constraint notifications_once unique (reminder_id, arming)
);
create index notifications_by_user on notifications (user_id, id);
create index notifications_unpublished on notifications (id) where published_at is null;

-- A webhook per user: notifications are POSTed there, signed with the secret.
create table webhooks (
    user_id    text        primary key,
    url        text        not null,
    secret     text        not null,                     -- HMAC-SHA256 key, shown once
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint webhooks_url_length check (char_length(url) between 1 and 2000)
);

-- The outcome of each notification's webhook delivery, written before its message is acked.
create table webhook_deliveries (
    notification_id bigint      primary key references notifications (id) on delete cascade,
    user_id         text        not null,
    url             text        not null,
    status          text        not null,                -- ok | failed
    attempts        integer     not null,
    response_status integer,                             -- the last HTTP status, if any
    error           text,                                -- the last failure, if any
    created_at      timestamptz not null default now(),
    constraint webhook_deliveries_status_valid check (status in ('ok', 'failed'))
);

-- The time a relative reminder of a task due `due` is due.
create function taskwire_reminder_time(due timestamptz, before_minutes integer)
returns timestamptz language sql immutable parallel safe as $$
    select due - make_interval(mins => before_minutes)
$$;

-- Wakes the workers when a reminder is armed (they sleep until the earliest armed one).
create function taskwire_reminder_armed() returns trigger
language plpgsql as $$
begin
    if new.sent_at is null and new.remind_at is not null then
        perform pg_notify('taskwire_reminders', new.remind_at::text);
    end if;
    return null;
end
$$;

create trigger reminders_wake_workers
    after insert or update of remind_at, sent_at on reminders
    for each row execute function taskwire_reminder_armed();

-- Keeps relative reminders in step with the task's due date, and gives a task due in the
-- future the default reminder (at the due time) unless it has reminders or its owner removed
-- them. A reminder moved into the future is armed again (sent again at its new time); one
-- moved into the past is not sent.
create function taskwire_task_reminders() returns trigger
language plpgsql as $$
begin
    if tg_op = 'UPDATE' and new.due_date is not distinct from old.due_date then
        return null;
    end if;
    update reminders r
    set remind_at = taskwire_reminder_time(new.due_date, r.before_minutes),
        arming = r.arming + 1,
        sent_at = case
            when taskwire_reminder_time(new.due_date, r.before_minutes) > now() then null
            when r.sent_at is null and new.due_date is not null then now()
            else r.sent_at
        end,
        skipped = case
            when taskwire_reminder_time(new.due_date, r.before_minutes) > now() then false
            when r.sent_at is null and new.due_date is not null then true
            else r.skipped
        end
    where r.task_id = new.id and r.before_minutes is not null;
    if new.due_date > now()
       and not exists (select 1 from reminders where task_id = new.id)
       and not exists (select 1 from reminder_defaults_off where task_id = new.id) then
        insert into reminders (user_id, task_id, before_minutes, remind_at)
        values (new.user_id, new.id, 0, new.due_date);
    end if;
    return null;
end
$$;

create trigger tasks_keep_reminders
    after insert or update of due_date on tasks
    for each row execute function taskwire_task_reminders();

-- Adds a reminder to a user's task, in a statement of the caller's (the chat tools call it
-- in theirs): p_before minutes before the due date, or at p_at. Errors (SQLSTATE):
-- TWR01 no such task for the user, TWR02 relative but the task has no due date, TWR03 the time
-- has passed, TWR04 the task has p_max reminders already, TWR05 the same reminder exists.
create function taskwire_add_reminder(
    p_user text, p_task bigint, p_before integer, p_at timestamptz, p_max integer
) returns reminders
language plpgsql volatile as $$
declare
    t tasks;
    due timestamptz;
    added reminders;
begin
    select * into t from tasks where id = p_task and user_id = p_user for update;
    if not found then
        raise exception 'task not found' using errcode = 'TWR01';
    end if;
    if p_before is not null and t.due_date is null then
        raise exception 'the task has no due date' using errcode = 'TWR02';
    end if;
    due := coalesce(p_at, taskwire_reminder_time(t.due_date, p_before));
    if due <= now() then
        raise exception 'that time has passed' using errcode = 'TWR03';
    end if;
    if (select count(*) from reminders where task_id = p_task) >= p_max then
        raise exception 'too many reminders' using errcode = 'TWR04';
    end if;
    insert into reminders (user_id, task_id, before_minutes, at, remind_at)
    values (p_user, p_task, p_before, p_at, due)
    on conflict do nothing
    returning * into added;
    if added.id is null then
        raise exception 'the task has that reminder already' using errcode = 'TWR05';
    end if;
    return added;
end
$$;

-- Removes a reminder of a user's task; true if it existed. A task left without reminders is
-- not given the default one again.
create function taskwire_remove_reminder(p_user text, p_task bigint, p_reminder bigint)
returns boolean
language plpgsql volatile as $$
begin
    delete from reminders where id = p_reminder and task_id = p_task and user_id = p_user;
    if not found then
        return false;
    end if;
    if not exists (select 1 from reminders where task_id = p_task) then
        insert into reminder_defaults_off (task_id, user_id) values (p_task, p_user)
        on conflict do nothing;
    end if;
    return true;
end
$$;

-- Gives task p_to (the next occurrence of a repeating task) the relative reminders of p_from,
-- in place of its own relative ones (the default its insert gave it), and p_from's choice to
-- have no default. Only between tasks of one user. Returns the reminders copied.
create function taskwire_copy_reminders(p_from bigint, p_to bigint) returns integer
language plpgsql volatile as $$
declare
    copied integer;
    owner text;
    due timestamptz;
begin
    select t.user_id, t.due_date into owner, due
    from tasks t join tasks f on f.user_id = t.user_id
    where t.id = p_to and f.id = p_from;
    if not found then
        return 0;
    end if;
    delete from reminders where task_id = p_to and before_minutes is not null and sent_at is null;
    delete from reminder_defaults_off where task_id = p_to;
    insert into reminder_defaults_off (task_id, user_id)
    select p_to, owner from reminder_defaults_off where task_id = p_from;
    insert into reminders (user_id, task_id, before_minutes, remind_at, sent_at, skipped)
    select owner, p_to, r.before_minutes, taskwire_reminder_time(due, r.before_minutes),
           case when taskwire_reminder_time(due, r.before_minutes) <= now() then now() end,
           coalesce(taskwire_reminder_time(due, r.before_minutes) <= now(), false)
    from reminders r
    where r.task_id = p_from and r.before_minutes is not null
    on conflict do nothing;
    get diagnostics copied = row_count;
    return copied;
end
$$;
