-- Undo: reverting every change a job made, newest first, from the rows task_changes kept.
-- A change is reverted only while the task is as the change left it (fields other than
-- updated_at); otherwise the item says `changed_since` and the task is left alone. A reverted
-- change is marked undone_by, one left alone left_by, so undoing the same job again does
-- nothing more (and the chat's next "undo" goes to the turn before). The reverting
-- changes are recorded like any other, with undo_of naming the job they revert and undo_kind
-- saying whether they undo it or, when that job was itself an undo, redo what it undid: an undo
-- is a job whose changes can be undone in turn.
--
-- It runs in the statement that calls it (a tool call with its ledger entry, or the REST
-- endpoint's one statement), so it happens exactly once with it.
create function taskwire_undo(p_user text, p_job uuid, p_undo uuid, p_origin jsonb)
returns jsonb
language plpgsql volatile as $$
declare
    change task_changes;
    now_row jsonb;
    outcome text;
    items jsonb := '[]';
    kind text := case when exists (select 1 from task_changes
                                   where job_id = p_job and user_id = p_user
                                     and undo_kind = 'undo')
                      then 'redo' else 'undo' end;
begin
    perform set_config('taskwire.origin',
        (p_origin || jsonb_build_object('undo_of', p_job, 'undo_kind', kind))::text, true);
    for change in
        select * from task_changes
        where user_id = p_user and job_id = p_job and undone_by is null and left_by is null
        order by id desc
        for update
    loop
        select to_jsonb(t) into now_row from tasks t
        where t.id = change.task_id and t.user_id = p_user;
        outcome := 'changed_since';
        if change.operation = 'insert' then
            if now_row - 'updated_at' = change.after - 'updated_at' then
                delete from tasks where id = change.task_id and user_id = p_user;
                outcome := 'removed';
            end if;
        elsif change.operation = 'delete' then
            if now_row is null then
                insert into tasks (id, user_id, title, description, completed, priority, due_date,
                                   created_at, updated_at)
                overriding system value
                select id, user_id, title, description, completed, priority, due_date,
                       created_at, updated_at
                from jsonb_populate_record(null::tasks, change.before);
                outcome := 'restored';
            end if;
        elsif now_row - 'updated_at' = change.after - 'updated_at' then
            update tasks t
            set (title, description, completed, priority, due_date, updated_at) =
                (b.title, b.description, b.completed, b.priority, b.due_date, b.updated_at)
            from jsonb_populate_record(null::tasks, change.before) b
            where t.id = change.task_id and t.user_id = p_user;
            outcome := 'reverted';
        end if;
        if outcome = 'changed_since' then
            update task_changes set left_by = p_undo where id = change.id;
        else
            update task_changes set undone_by = p_undo where id = change.id;
        end if;
        items := items || jsonb_build_object(
            'task_id', change.task_id,
            'title', coalesce(change.before, change.after) ->> 'title',
            'result', outcome);
    end loop;
    return jsonb_build_object('undone_job_id', p_job, 'items', items);
end
$$;

-- The chat turn's "undo" and "redo". Both look at the latest earlier turn of the job's
-- conversation with changes not yet undone: "undo" reverts it unless it is an undo (then the
-- last change is undone already: NULL), "redo" reverts it only if it is an undo (NULL
-- otherwise).
create function taskwire_undo_last_turn(p_user text, p_job uuid, p_origin jsonb, p_redo boolean)
returns jsonb
language plpgsql volatile as $$
declare
    target uuid;
    was_undo boolean;
begin
    select j.id into target
    from chat_jobs me
    join chat_jobs j on j.conversation_id = me.conversation_id and j.user_id = me.user_id
    where me.id = p_job and me.user_id = p_user and j.seq < me.seq
      and exists (select 1 from task_changes c
                  where c.job_id = j.id and c.user_id = p_user
                    and c.undone_by is null and c.left_by is null)
    order by j.seq desc
    limit 1;
    if target is null then
        return null;
    end if;
    was_undo := exists (select 1 from task_changes
                        where job_id = target and user_id = p_user and undo_kind = 'undo');
    if was_undo <> p_redo then
        return null;
    end if;
    return taskwire_undo(p_user, target, p_job, p_origin);
end
$$;
