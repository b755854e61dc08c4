-- Bulk updates change tags (all of them, or some added and removed) and repeats (a new rule,
-- none, or "skip this occurrence") like a single update does. taskwire_bulk as in
-- 20261205000003_bulk.sql, its update branch reading the new fields of the patch.

-- The strings of a JSON array (empty for none).
create function taskwire_json_texts(items jsonb) returns text[]
language sql immutable parallel safe as $$
    select coalesce(array(select jsonb_array_elements_text(
        case when jsonb_typeof(items) = 'array' then items else '[]' end)), '{}')
$$;

create or replace function taskwire_bulk(
    p_user text,
    p_action text,      -- complete | delete | update
    p_ids bigint[],
    p_patch jsonb,      -- update: the fields to set (a field present with null clears it)
    p_origin jsonb,     -- see taskwire_origin
    p_unknown bigint[], -- ids the caller refused (not seen in the conversation), echoed back
    p_confirm_over integer,
    p_affirmed boolean,
    p_job uuid
) returns jsonb
language plpgsql volatile as $$
declare
    found bigint[];
    done jsonb;
    missing jsonb;
begin
    select coalesce(array_agg(id order by id), '{}') into found
    from tasks where user_id = p_user and id = any(p_ids);
    missing := to_jsonb(array(select unnest(p_ids) except select unnest(found) order by 1));
    if p_confirm_over is not null and p_action <> 'complete'
       and cardinality(found) > p_confirm_over
       and not (p_affirmed and exists (
           select 1
           from chat_jobs me
           join chat_jobs prev on prev.conversation_id = me.conversation_id
                              and prev.user_id = me.user_id
           join tool_executions te on te.job_id = prev.id
           where me.id = p_job and me.user_id = p_user
             and prev.seq = (select max(x.seq) from chat_jobs x
                             where x.conversation_id = me.conversation_id and x.seq < me.seq)
             and te.result ->> 'status' = 'needs_confirmation'
             and te.result ->> 'action' = p_action
             and te.result -> 'changes' = coalesce(p_patch, 'null'::jsonb)
             and te.result -> 'task_ids' @> to_jsonb(found)))
    then
        return jsonb_build_object(
            'status', 'needs_confirmation',
            'action', p_action,
            'changes', p_patch,
            'task_ids', to_jsonb(found),
            'tasks', (select coalesce(jsonb_agg(task_tool_json(t) order by t.id), '[]')
                      from tasks t where t.user_id = p_user and t.id = any(found)),
            'not_found', missing,
            'unknown', to_jsonb(p_unknown),
            'message', format('Nothing was changed. This would %s %s tasks: tell the user which, '
                || 'and ask them to confirm. If they say yes, make the same call again.',
                p_action, cardinality(found)));
    end if;
    perform set_config('taskwire.origin', p_origin::text, true);
    if p_action = 'delete' then
        with changed as (
            delete from tasks t where t.user_id = p_user and t.id = any(found) returning t
        )
        select coalesce(jsonb_agg(task_tool_json(changed.t) order by (changed.t).id), '[]')
        into done from changed;
    elsif p_action = 'complete' then
        with changed as (
            update tasks t
            set completed = true,
                updated_at = case when t.completed then t.updated_at else now() end
            where t.user_id = p_user and t.id = any(found)
            returning t
        )
        select coalesce(jsonb_agg(task_tool_json(changed.t) order by (changed.t).id), '[]')
        into done from changed;
    else
        with changed as (
            update tasks t
            set title = coalesce(p_patch ->> 'title', t.title),
                description = case when p_patch ? 'description'
                                   then p_patch ->> 'description' else t.description end,
                priority = coalesce(p_patch ->> 'priority', t.priority),
                due_date = case when (p_patch ->> 'skip')::boolean
                                    then taskwire_skip(t.repeat, t.due_date, t.user_id)
                                when p_patch ? 'due_date'
                                    then (p_patch ->> 'due_date')::timestamptz
                                else t.due_date end,
                completed = coalesce((p_patch ->> 'completed')::boolean, t.completed),
                tags = taskwire_edit_tags(t.tags,
                    case when p_patch ? 'tags' then taskwire_json_texts(p_patch -> 'tags') end,
                    taskwire_json_texts(p_patch -> 'add_tags'),
                    taskwire_json_texts(p_patch -> 'remove_tags')),
                repeat = case when p_patch ? 'repeat' then p_patch ->> 'repeat' else t.repeat end,
                updated_at = now()
            where t.user_id = p_user and t.id = any(found)
            returning t
        )
        select coalesce(jsonb_agg(task_tool_json(changed.t) order by (changed.t).id), '[]')
        into done from changed;
    end if;
    return jsonb_build_object(
        'status', case p_action when 'complete' then 'completed'
                                when 'delete' then 'deleted' else 'updated' end,
        'count', jsonb_array_length(done),
        'tasks', done,
        'not_found', missing,
        'unknown', to_jsonb(p_unknown));
end
$$;
