-- Repeating tasks. A task may carry a recurrence rule, an RRULE (RFC 5545) of the subset the
-- application writes and validates with the `rrule` crate (common::domain::task::repeat):
--   FREQ=DAILY|WEEKLY|MONTHLY|YEARLY, INTERVAL=n, BYDAY=MO,TU,… (daily and weekly),
--   BYMONTHDAY=d (monthly), and BYMONTHDAY=28,29,30,31;BYSETPOS=-1 for "the 31st, or the
--   month's last day" (and the like for the 29th and 30th).
-- Occurrences keep the task's time of day on the user's clock (their profile's zone), across
-- changes of the clocks.
--
-- Completing an occurrence creates the next one (the first occurrence after it that is still
-- to come), in the statement that completes it (a trigger), whatever path completed it (REST,
-- a tool call with its ledger entry, a bulk call, MCP). `previous_id` is unique: an occurrence has at most one successor, so a second
-- completion (reopened and completed again, a redelivered job) creates none.
alter table tasks add column repeat text;
alter table tasks add column previous_id bigint;
alter table tasks add constraint tasks_repeat_length check (char_length(repeat) <= 200);
alter table tasks add constraint tasks_previous_fk foreign key (previous_id)
    references tasks (id) on delete set null;
create unique index tasks_previous_idx on tasks (previous_id);

-- The user's time zone (UTC without a profile).
create function taskwire_zone(p_user text) returns text
language sql stable as $$
    select coalesce((select time_zone from profiles where user_id = p_user), 'UTC')
$$;

-- A part of a rule: `FREQ`, `INTERVAL`, `BYDAY`, … (null when absent).
create function taskwire_rule_part(rule text, part text) returns text
language sql immutable parallel safe as $$
    select substring(';' || rule || ';' from ';' || part || '=([^;]*);')
$$;

-- True when local date `d` is a day the rule's day filters allow (BYDAY, BYMONTHDAY).
create function taskwire_rule_day(rule text, d date) returns boolean
language plpgsql immutable parallel safe as $$
declare
    days text[] := string_to_array(taskwire_rule_part(rule, 'BYDAY'), ',');
    mdays int[] := string_to_array(taskwire_rule_part(rule, 'BYMONTHDAY'), ',')::int[];
    last_day int := extract(day from (date_trunc('month', d) + interval '1 month - 1 day'));
    dow text := (array['MO','TU','WE','TH','FR','SA','SU'])[extract(isodow from d)::int];
begin
    if days is not null and not (dow = any(days)) then
        return false;
    end if;
    if mdays is null then
        return true;
    end if;
    if taskwire_rule_part(rule, 'BYSETPOS') = '-1' then
        -- The last listed day the month has.
        return extract(day from d)::int =
               (select max(m) from unnest(mdays) m where m <= last_day);
    end if;
    return extract(day from d)::int = any(mdays);
end
$$;

-- The local date of the occurrence after local date `d` (which the rule need not allow).
create function taskwire_rule_next_date(rule text, d date) returns date
language plpgsql immutable parallel safe as $$
declare
    freq text := taskwire_rule_part(rule, 'FREQ');
    n int := coalesce(taskwire_rule_part(rule, 'INTERVAL')::int, 1);
    candidate date;
    week_start date := d - (extract(isodow from d)::int - 1);
    month_start date := date_trunc('month', d)::date;
    k int;
begin
    if freq = 'DAILY' then
        for k in 1..7 loop
            candidate := d + k * n;
            if taskwire_rule_day(rule, candidate) then
                return candidate;
            end if;
        end loop;
    elsif freq = 'WEEKLY' then
        if taskwire_rule_part(rule, 'BYDAY') is null then
            return d + 7 * n;
        end if;
        -- A later allowed day of this week, else the first of the week n weeks on.
        for k in 1..13 loop
            candidate := case when k <= 6 then d + k
                              else week_start + 7 * n + (k - 7) end;
            if (k > 6 or candidate < week_start + 7) and taskwire_rule_day(rule, candidate) then
                return candidate;
            end if;
        end loop;
    elsif freq = 'MONTHLY' then
        for k in 0..48 loop
            -- Each allowed day of the month k·n months on, after d; BYMONTHDAY or d's day.
            for candidate in
                select (month_start + make_interval(months => k * n))::date + (m - 1)
                from generate_series(1, 31) m
                where m <= extract(day from (month_start + make_interval(months => k * n + 1)
                                             - interval '1 day'))
                order by m
            loop
                if candidate > d and (
                    (taskwire_rule_part(rule, 'BYMONTHDAY') is null
                        and extract(day from candidate) = extract(day from d))
                    or (taskwire_rule_part(rule, 'BYMONTHDAY') is not null
                        and taskwire_rule_day(rule, candidate))) then
                    return candidate;
                end if;
            end loop;
        end loop;
    elsif freq = 'YEARLY' then
        for k in 1..8 loop
            -- The same month and day k·n years on; a 29 February only in leap years.
            candidate := make_date(extract(year from d)::int + k * n,
                                   extract(month from d)::int, 1)
                         + (extract(day from d)::int - 1);
            if extract(day from candidate) = extract(day from d) then
                return candidate;
            end if;
        end loop;
    end if;
    return null;
end
$$;

-- The due instant of the occurrence after `due`, at the same time of day on the clock of
-- `zone`. A time the clocks skip that day is moved forward by the jump (Postgres' reading).
create function taskwire_next_due(rule text, due timestamptz, zone text) returns timestamptz
language sql stable parallel safe as $$
    select (taskwire_rule_next_date(rule, (due at time zone zone)::date)
            + (due at time zone zone)::time) at time zone zone
$$;

-- "Skip this one": the due instant of the next occurrence, for a task that repeats (22023,
-- reported as invalid input, for one that does not).
create function taskwire_skip(rule text, due timestamptz, p_user text) returns timestamptz
language plpgsql stable as $$
begin
    if rule is null then
        raise exception 'the task does not repeat, so it has no occurrence to skip'
            using errcode = '22023';
    end if;
    return taskwire_next_due(rule, coalesce(due, now()), taskwire_zone(p_user));
end
$$;

-- The first due instant of a repeating task: `due` when the rule allows its day, else the
-- next occurrence; for a new task without one, the first occurrence at 17:00 from today on.
-- A new task's first occurrence is not in the past.
create function taskwire_first_due(rule text, due timestamptz, zone text, is_new boolean)
returns timestamptz
language plpgsql stable as $$
declare
    at timestamptz := coalesce(due,
        ((now() at time zone zone)::date + time '17:00') at time zone zone);
    steps int := 0;
begin
    if not taskwire_rule_day(rule, (at at time zone zone)::date) then
        at := taskwire_next_due(rule, at, zone);
    end if;
    while is_new and at < now() and steps < 1000 loop
        at := taskwire_next_due(rule, at, zone);
        steps := steps + 1;
    end loop;
    return at;
end
$$;

-- Not for the rows an undo restores (they declare `undo_of` in their origin): an undo puts a
-- repeating task back exactly, an overdue due date included.
create function taskwire_align_repeat() returns trigger
language plpgsql as $$
begin
    if coalesce(nullif(current_setting('taskwire.origin', true), '')::jsonb ? 'undo_of', false) then
        return new;
    end if;
    if new.repeat is not null and (tg_op = 'INSERT' or new.repeat is distinct from old.repeat
                                   or new.due_date is null) then
        new.due_date := taskwire_first_due(new.repeat, new.due_date,
                                           taskwire_zone(new.user_id),
                                           tg_op = 'INSERT' and new.previous_id is null);
    end if;
    return new;
end
$$;

create trigger tasks_align_repeat
    before insert or update of repeat, due_date on tasks
    for each row execute function taskwire_align_repeat();

-- The next occurrence still to come: an occurrence completed days late ("take the pills", due
-- three days ago) is not followed by the ones already missed.
create function taskwire_next_open_due(rule text, due timestamptz, zone text)
returns timestamptz
language plpgsql stable as $$
declare
    upcoming timestamptz := taskwire_next_due(rule, due, zone);
    steps int := 0;
begin
    while upcoming <= now() and steps < 1000 loop
        upcoming := taskwire_next_due(rule, upcoming, zone);
        steps := steps + 1;
    end loop;
    return upcoming;
end
$$;

create function taskwire_next_occurrence() returns trigger
language plpgsql as $$
begin
    insert into tasks (user_id, title, description, priority, due_date, tags, repeat, previous_id)
    values (new.user_id, new.title, new.description, new.priority,
            taskwire_next_open_due(new.repeat, new.due_date, taskwire_zone(new.user_id)),
            new.tags, new.repeat, new.id)
    on conflict (previous_id) do nothing;
    return null;
end
$$;

create trigger tasks_next_occurrence
    after update of completed on tasks
    for each row
    when (new.completed and not old.completed and new.repeat is not null
          and new.due_date is not null)
    execute function taskwire_next_occurrence();

-- The tools show the rule.
create or replace function task_tool_json(t tasks) returns jsonb
    language sql stable parallel safe
    as $$
        select jsonb_build_object(
            'id', t.id,
            'title', t.title,
            'description', t.description,
            'completed', t.completed,
            'priority', t.priority,
            'due_date', tool_time(t.due_date),
            'tags', to_jsonb(t.tags),
            'repeat', t.repeat,
            'created_at', tool_time(t.created_at),
            'updated_at', tool_time(t.updated_at))
    $$;

-- Undo puts back the rule and the link to the previous occurrence too.
create or replace function taskwire_put_back(p_user text, p_row jsonb, p_restore boolean)
returns void
language plpgsql volatile as $$
begin
    if p_restore then
        insert into tasks (id, user_id, title, description, completed, priority, due_date, tags,
                           repeat, previous_id, created_at, updated_at)
        overriding system value
        select b.id, b.user_id, b.title, b.description, b.completed, b.priority, b.due_date,
               coalesce(b.tags, '{}'), b.repeat,
               (select p.id from tasks p where p.id = b.previous_id),
               b.created_at, b.updated_at
        from jsonb_populate_record(null::tasks, p_row) b
        where b.user_id = p_user;
    else
        update tasks t
        set (title, description, completed, priority, due_date, tags, repeat, updated_at) =
            (b.title, b.description, b.completed, b.priority, b.due_date,
             coalesce(b.tags, '{}'), b.repeat, b.updated_at)
        from jsonb_populate_record(null::tasks, p_row) b
        where t.id = b.id and t.user_id = p_user;
    end if;
end
$$;
