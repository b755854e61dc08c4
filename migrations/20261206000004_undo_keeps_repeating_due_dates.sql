-- An undo puts a repeating task back exactly as it was, an overdue due date included: the
-- alignment of a repeating task's due date (taskwire_align_repeat) is for changes people make,
-- not for the rows an undo restores (which declare `undo_of` in their origin).
create or replace function taskwire_align_repeat() returns trigger
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
