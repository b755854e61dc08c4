-- Tags and search.
--
-- Tags are free-form labels on a task ("work", "health"). They live on the user's own tasks,
-- so a tag name is the user's; the application stores them lowercased, without the '#',
-- distinct and sorted, so "#Work" and "work" are one tag.
alter table tasks add column tags text[] not null default '{}';
alter table tasks add constraint tasks_tags_count check (cardinality(tags) <= 10);
-- "my work tasks": tags @> '{work}'
create index tasks_tags_idx on tasks using gin (tags);

-- The words a search matches, English-stemmed: the title and the tags weigh more (A) than the
-- description (B), so a title match ranks above a description match. Immutable (to_tsvector
-- with a named configuration is), so it can be indexed.
create function task_search_vector(title text, description text, tags text[]) returns tsvector
language sql immutable parallel safe as $$
    select setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', array_to_string(tags, ' ')), 'A')
        || setweight(to_tsvector('english', coalesce(description, '')), 'B')
$$;
create index tasks_search_idx on tasks using gin (task_search_vector(title, description, tags));

-- A task's tags after an edit: `replaced` (when given) instead of the current ones, plus
-- `added`, less `removed`; distinct and sorted. More than 10 is refused (SQLSTATE 22023, which
-- the application reports as invalid input).
create function taskwire_edit_tags(current text[], replaced text[], added text[], removed text[])
returns text[]
language plpgsql immutable as $$
declare
    result text[];
begin
    select coalesce(array_agg(distinct tag order by tag), '{}') into result
    from unnest(coalesce(replaced, current) || coalesce(added, '{}')) tag
    where not (tag = any(coalesce(removed, '{}')));
    if cardinality(result) > 10 then
        raise exception 'a task holds at most 10 tags' using errcode = '22023';
    end if;
    return result;
end
$$;

-- The tools show a task's tags.
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
            'created_at', tool_time(t.created_at),
            'updated_at', tool_time(t.updated_at))
    $$;

-- Undo puts a task back as a change record kept it, every column; a record written before a
-- column existed leaves that column at its default. One definition, for undo's two uses:
-- restoring a deleted task and reverting an update.
create function taskwire_put_back(p_user text, p_row jsonb, p_restore boolean) returns void
language plpgsql volatile as $$
begin
    if p_restore then
        insert into tasks (id, user_id, title, description, completed, priority, due_date, tags,
                           created_at, updated_at)
        overriding system value
        select b.id, b.user_id, b.title, b.description, b.completed, b.priority, b.due_date,
               coalesce(b.tags, '{}'), b.created_at, b.updated_at
        from jsonb_populate_record(null::tasks, p_row) b
        where b.user_id = p_user;
    else
        update tasks t
        set (title, description, completed, priority, due_date, tags, updated_at) =
            (b.title, b.description, b.completed, b.priority, b.due_date,
             coalesce(b.tags, '{}'), b.updated_at)
        from jsonb_populate_record(null::tasks, p_row) b
        where t.id = b.id and t.user_id = p_user;
    end if;
end
$$;

-- taskwire_undo as in 20261205000002_undo.sql, putting tasks back through taskwire_put_back
-- so that it restores every column (tags now, and what later migrations add).
create or replace function taskwire_undo(p_user text, p_job uuid, p_undo uuid, p_origin jsonb)
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
                perform taskwire_put_back(p_user, change.before, true);
                outcome := 'restored';
            end if;
        elsif now_row - 'updated_at' = change.after - 'updated_at' then
            perform taskwire_put_back(p_user, change.before, false);
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
