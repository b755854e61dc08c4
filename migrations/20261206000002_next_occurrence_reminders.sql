-- The next occurrence of a repeating task reminds like the one completed: its relative
-- reminders ("30 minutes before", the default at the due time) are copied, and a task whose
-- owner removed every reminder stays without (taskwire_copy_reminders, see the reminders
-- migration). In the completing statement, like the occurrence itself.
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
