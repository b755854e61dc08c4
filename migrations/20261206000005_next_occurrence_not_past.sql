-- Completing an occurrence that is days overdue ("take the pills", due three days ago) adds
-- the next one that is still to come, not the ones already missed: the successor's due date
-- is the first occurrence after the completed one's that is later than now.
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

create or replace function taskwire_next_occurrence() returns trigger
language plpgsql as $$
declare
    next_id bigint;
begin
    insert into tasks (user_id, title, description, priority, due_date, tags, repeat, previous_id)
    values (new.user_id, new.title, new.description, new.priority,
            taskwire_next_open_due(new.repeat, new.due_date, taskwire_zone(new.user_id)),
            new.tags, new.repeat, new.id)
    on conflict (previous_id) do nothing
    returning id into next_id;
    if next_id is not null then
        perform taskwire_copy_reminders(new.id, next_id);
    end if;
    return null;
end
$$;
