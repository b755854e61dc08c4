-- The chat tools' reminders: add_task and update_task take "30 minutes before", "8am", …, and
-- add them in the statement of the call (so a redelivered turn adds none twice: the ledger
-- replays the call). Each reminder is added or refused on its own; the result lists the task's
-- reminders and says why any was refused, instead of failing the whole call.
create function taskwire_tool_reminders(p_user text, p_task bigint, p_before integer[],
                                        p_at timestamptz[])
returns jsonb
language plpgsql volatile as $$
declare
    refused jsonb := '[]';
    k integer;
begin
    for k in 1..coalesce(array_length(p_before, 1), 0) loop
        begin
            perform taskwire_add_reminder(p_user, p_task, p_before[k], p_at[k], 10);
        exception when sqlstate 'TWR02' or sqlstate 'TWR03' or sqlstate 'TWR04'
                       or sqlstate 'TWR05' then
            refused := refused || jsonb_build_object(
                'before_minutes', p_before[k], 'at', tool_time(p_at[k]),
                'reason', case sqlstate
                    when 'TWR02' then 'the task has no due date to count back from'
                    when 'TWR03' then 'that time has already passed'
                    when 'TWR04' then 'the task has 10 reminders already'
                    else 'the task has that reminder already' end);
        end;
    end loop;
    return jsonb_build_object(
        'reminders', (select coalesce(jsonb_agg(jsonb_build_object(
                          'before_minutes', r.before_minutes, 'at', tool_time(r.at),
                          'remind_at', tool_time(r.remind_at)) order by r.remind_at), '[]')
                      from reminders r where r.task_id = p_task and r.user_id = p_user
                        and r.sent_at is null),
        'reminders_refused', refused);
end
$$;
