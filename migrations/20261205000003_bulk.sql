-- Bulk actions: complete, delete or update many of a user's tasks at once, each task on its
-- own (the ones found are changed, the others listed as not found), in the one statement of
-- the call, so a chat turn's bulk call is exactly once with its ledger entry like any other.
--
-- A destructive one (delete, update) on more than p_confirm_over tasks changes nothing and
-- answers `needs_confirmation` with what it would do, unless the user has confirmed: their
-- message this turn says yes (p_affirmed, read by the worker) and the conversation's previous
-- turn was asked to confirm this very action on these tasks (its ledger holds that answer).
-- A model cannot confirm for the user. p_confirm_over NULL (REST) never asks.
create function taskwire_bulk(
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
                due_date = case when p_patch ? 'due_date'
                                then (p_patch ->> 'due_date')::timestamptz else t.due_date end,
                completed = coalesce((p_patch ->> 'completed')::boolean, t.completed),
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
